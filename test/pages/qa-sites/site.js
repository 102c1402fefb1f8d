// The two QA demo sites' page code: passkey sign-up and sign-in through @simplewebauthn/browser.
// body.dataset.shape: "plain" shows results in a status line and the header; "toast" only in a
// toast that disappears.
(() => {
  const { startRegistration, startAuthentication } = SimpleWebAuthnBrowser;
  const shape = document.body.dataset.shape;
  const post = async (path, body) => {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const json = await response.json();
    if (!response.ok) throw new Error(json.error || 'the site refused');
    return json;
  };
  const say = (text) => {
    if (shape === 'plain') {
      document.querySelector('main p[role="status"]').textContent = text;
      return;
    }
    const toast = document.createElement('div');
    toast.className = 'toast';
    toast.textContent = text;
    document.body.append(toast);
    setTimeout(() => toast.remove(), 3000);
  };
  const show = (username) => {
    const who = document.querySelector('header span');
    if (who) who.textContent = username ? `Signed in as ${username}` : '';
  };
  const failed = (error) => say(shape === 'plain' ? `Could not finish: ${error.message}` : `Sorry, that did not work (${error.message})`);

  document.querySelector('section form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const username = event.target.elements.username.value.trim();
    try {
      const optionsJSON = await post('/api/register/options', { username });
      const response = await startRegistration({ optionsJSON });
      const result = await post('/api/register/verify', { response });
      show(result.username);
      say(`Welcome, ${result.username}: your passkey is saved`);
    } catch (error) {
      failed(error);
    }
  });
  document.querySelector('section + section button').addEventListener('click', async () => {
    try {
      const optionsJSON = await post('/api/login/options');
      const response = await startAuthentication({ optionsJSON });
      const result = await post('/api/login/verify', { response });
      show(result.username);
      say(`Hello again, ${result.username}`);
    } catch (error) {
      failed(error);
    }
  });
  document.querySelector('header button').addEventListener('click', async () => {
    await post('/api/logout');
    show(null);
    say('Signed out');
  });
  fetch('/api/me').then((r) => r.json()).then((me) => show(me.username));
})();
