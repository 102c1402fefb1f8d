// Another extension's background. The test drives it (`probe`) with Pairkey's id.
self.probe = async (id, messages, portNames) => {
  const sent = [];
  for (const message of messages) {
    try {
      sent.push({ answered: true, reply: (await chrome.runtime.sendMessage(id, message)) ?? null });
    } catch (error) {
      sent.push({ answered: false, error: String(error && error.message) });
    }
  }
  const ports = [];
  for (const name of portNames) {
    ports.push(
      await new Promise((resolve) => {
        const port = chrome.runtime.connect(id, { name });
        const replies = [];
        port.onMessage.addListener((m) => replies.push(m));
        port.onDisconnect.addListener(() => resolve({ name, disconnected: true, error: chrome.runtime.lastError?.message ?? null, replies }));
        try {
          port.postMessage({ type: 'unpair', phoneId: 'x' });
        } catch (error) {
          resolve({ name, disconnected: true, error: String(error && error.message), replies });
        }
        setTimeout(() => resolve({ name, disconnected: false, replies }), 3000);
      }),
    );
  }
  return { sent, ports };
};
