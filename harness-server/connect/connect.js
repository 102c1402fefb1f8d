// The /connect page: asks the Pairkey extension (through its bridge) to offer this server's
// configuration to the person. The message carries nothing but the request; the bridge answers on
// the port whether Pairkey opened its confirmation window (never what the person chose there).
const CHANNEL = 'pairkey/v2';
const status = document.getElementById('connect-status');

const WORDS = {
  asked: 'Pairkey opened a window: check the server there and choose Connect.',
  'needs-click': 'Pairkey only answers a click on this button. Click it again.',
  'no-declaration': 'This server declares no Pairkey configuration.',
  refused: 'Pairkey refused this server’s configuration (its relay or phone app address is not usable).',
  missing: 'Pairkey did not answer: is the extension installed and enabled in this browser?',
};

function say(code) {
  status.textContent = WORDS[code];
  status.dataset.status = code;
}

async function showDeclaration() {
  const response = await fetch('/.well-known/pairkey-connect.json', { cache: 'no-store' });
  const { relayUrl, phoneUrl } = await response.json();
  document.getElementById('relay-url').textContent = relayUrl;
  document.getElementById('phone-url').textContent = phoneUrl;
}

document.getElementById('connect').addEventListener('click', () => {
  const { port1, port2 } = new MessageChannel();
  // No answer within a few seconds: no bridge in this page (the extension is not there).
  const silence = setTimeout(() => say('missing'), 3000);
  port1.onmessage = (event) => {
    if (event.data?.type !== 'connect' || !(event.data.status in WORDS)) return;
    clearTimeout(silence);
    say(event.data.status);
    port1.close();
  };
  window.postMessage({ channel: CHANNEL, kind: 'connect' }, location.origin, [port2]);
});

void showDeclaration();
