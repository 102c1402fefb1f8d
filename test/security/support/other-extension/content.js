// Another extension's content script: relays a page's request to message Pairkey by id.
addEventListener('message', async (event) => {
  const ask = event.source === window && event.data && event.data.otherExtension;
  if (!ask) return;
  let outcome;
  try {
    outcome = { answered: true, reply: (await chrome.runtime.sendMessage(ask.id, ask.message)) ?? null };
  } catch (error) {
    outcome = { answered: false, error: String(error && error.message) };
  }
  window.postMessage({ otherExtensionOutcome: outcome }, location.origin);
});
