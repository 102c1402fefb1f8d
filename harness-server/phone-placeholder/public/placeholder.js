// If this page was opened through a pairing link, show the exact command that pairs the
// virtual phone with it. The fragment stays in the browser: it is only read, never sent.
const section = document.getElementById('pairing');
const command = document.getElementById('pair-command');
if (location.hash.length > 1 && section && command) {
  // Single quotes keep the shell from interpreting the link; quote any inside it.
  const quoted = `'${location.href.replace(/'/g, `'\\''`)}'`;
  command.textContent = `npx pairkey-phone pair ${quoted}`;
  section.hidden = false;
}
