// Page-side helpers for the extension end-to-end tests: run a WebAuthn call the way a site does
// and describe what came back in plain JSON the test can read. Loaded as a file (never inline), so
// it also runs on the page whose CSP forbids inline script.
(() => {
  const enc = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const dec = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

  /** WebAuthn JSON options → the native shape, as a site without parse*FromJSON would build it. */
  function toNative(kind, json) {
    const o = structuredClone(json);
    o.challenge = dec(o.challenge);
    if (kind === 'create') {
      o.user.id = dec(o.user.id);
      for (const d of o.excludeCredentials ?? []) d.id = dec(d.id);
    } else {
      for (const d of o.allowCredentials ?? []) d.id = dec(d.id);
    }
    return o;
  }

  /** Extension results as JSON: an ArrayBuffer becomes { $buffer: base64url } so the test sees its type. */
  const jsonify = (value) => {
    if (value instanceof ArrayBuffer) return { $buffer: enc(value) };
    if (ArrayBuffer.isView(value)) return { $view: enc(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)) };
    if (Array.isArray(value)) return value.map(jsonify);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonify(v)]));
    return value;
  };

  /** What a careful site checks on a credential. */
  function describe(credential) {
    const response = credential.response;
    return {
      ok: true,
      instanceOfPublicKeyCredential: credential instanceof PublicKeyCredential,
      instanceOfCredential: credential instanceof Credential,
      responseType: response instanceof AuthenticatorAttestationResponse ? 'attestation' : response instanceof AuthenticatorAssertionResponse ? 'assertion' : 'other',
      id: credential.id,
      rawIdMatchesId: enc(credential.rawId) === credential.id,
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientData: JSON.parse(new TextDecoder().decode(response.clientDataJSON)),
      clientExtensionResults: jsonify(credential.getClientExtensionResults()),
      json: credential.toJSON(),
      stringified: JSON.parse(JSON.stringify(credential)),
      transports: typeof response.getTransports === 'function' ? response.getTransports() : null,
      publicKeyAlgorithm: typeof response.getPublicKeyAlgorithm === 'function' ? response.getPublicKeyAlgorithm() : null,
    };
  }

  function describeError(error) {
    return {
      ok: false,
      name: error && error.name,
      message: String(error && error.message),
      isDOMException: error instanceof DOMException,
      isTypeError: error instanceof TypeError,
    };
  }

  /**
   * Run create/get. `json` is WebAuthn JSON (base64url binary fields) or, with `raw`, passed as is.
   * Options: mediation, abortBefore, abortAfterMs, raw (no conversion), publicKeyOverrides.
   */
  async function run(kind, json, opts = {}) {
    const started = performance.now();
    const options = { publicKey: opts.raw ? json : toNative(kind, json) };
    if (opts.mediation) options.mediation = opts.mediation;
    const controller = new AbortController();
    if (opts.abortBefore || opts.abortAfterMs !== undefined || opts.abortable) options.signal = controller.signal;
    if (opts.abortBefore) controller.abort();
    if (opts.abortAfterMs !== undefined) setTimeout(() => controller.abort(), opts.abortAfterMs);
    if (opts.abortable) pk.controllers.push(controller);
    try {
      const credential = await navigator.credentials[kind](options);
      return { ...describe(credential), ms: performance.now() - started };
    } catch (error) {
      return { ...describeError(error), ms: performance.now() - started };
    }
  }

  const pending = {};
  let next = 0;
  const pk = {
    enc,
    dec,
    toNative,
    run,
    describe,
    describeError,
    controllers: [],
    /** Start a call and return its handle; `await pk.result(handle)` later. */
    start(kind, json, opts) {
      const handle = `call-${next++}`;
      pending[handle] = run(kind, json, opts);
      return handle;
    },
    result(handle) {
      return pending[handle];
    },
    abortAll() {
      for (const c of pk.controllers.splice(0)) c.abort();
    },
    /** Ask the (test build of the) extension to open one of its pages in a tab. */
    openExtensionPage(path) {
      window.postMessage({ pairkeyTest: { open: path } }, location.origin);
    },
    /** Ask the test build's background for something; resolves once it was done. */
    testHook(hook) {
      return new Promise((resolve) => {
        const onDone = (event) => {
          if (event.source !== window || !event.data || !event.data.pairkeyTestDone) return;
          window.removeEventListener('message', onDone);
          resolve(true);
        };
        window.addEventListener('message', onDone);
        window.postMessage({ pairkeyTest: hook }, location.origin);
      });
    },
    setOfferTtl(ms) {
      return pk.testHook({ offerTtlMs: ms });
    },
  };
  // Cross-origin frames cannot be scripted from the top page: it asks them by postMessage.
  pk.inFrame = (selector, kind, json, opts = {}) =>
    new Promise((resolve) => {
      const id = `frame-${next++}`;
      const onReply = (event) => {
        if (!event.data || !event.data.pkResult || event.data.pkResult.id !== id) return;
        window.removeEventListener('message', onReply);
        resolve(event.data.pkResult.result);
      };
      window.addEventListener('message', onReply);
      const ask = () => document.querySelector(selector).contentWindow.postMessage({ pkCall: { id, kind, json, opts } }, '*');
      if (document.body.getAttribute('data-frame-loaded') === 'yes') ask();
      else new MutationObserver((_, observer) => {
        if (document.body.getAttribute('data-frame-loaded') !== 'yes') return;
        observer.disconnect();
        ask();
      }).observe(document.body, { attributes: true });
    });
  window.addEventListener('message', async (event) => {
    if (event.source !== window.parent || event.source === window || !event.data || !event.data.pkCall) return;
    const { id, kind, json, opts } = event.data.pkCall;
    window.parent.postMessage({ pkResult: { id, result: await run(kind, json, opts) } }, '*');
  });
  window.pk = pk;
})();
