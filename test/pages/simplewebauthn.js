// The usual @simplewebauthn/browser flow: options from the server, the library calls WebAuthn,
// the server verifies the response.
(() => {
  const { startRegistration, startAuthentication, browserSupportsWebAuthn, platformAuthenticatorIsAvailable } = SimpleWebAuthnBrowser;
  const post = async (path, body) => (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  const attempt = async (work) => {
    try {
      return await work();
    } catch (error) {
      return { verified: false, name: error.name, code: error.code, message: error.message };
    }
  };
  window.swa = {
    supported: () => browserSupportsWebAuthn(),
    platform: () => platformAuthenticatorIsAvailable(),
    register: (username) =>
      attempt(async () => {
        const optionsJSON = await post('/rp/register/options', { username });
        const response = await startRegistration({ optionsJSON });
        return { ...(await post('/rp/register/verify', { username, response })), credProps: response.clientExtensionResults.credProps ?? null };
      }),
    login: () =>
      attempt(async () => {
        const optionsJSON = await post('/rp/login/options', {});
        const response = await startAuthentication({ optionsJSON });
        return post('/rp/login/verify', { response });
      }),
  };
})();
