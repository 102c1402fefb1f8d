// The conformance harness inside every page and frame: builds one call's options from the corpus
// template (markers for bytes, throwing getters, JS values), makes the call exactly as a site would,
// and records what the site sees: the outcome class and the result's core fields. Plain JavaScript
// served as is, so no build step or transform sits between the corpus and the browser.
(() => {
  'use strict';
  const b64url = (buf) => {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const fromB64url = (text) => {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  };
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  let counter = 0;
  const bytes = (n, seed) => {
    const out = new Uint8Array(n);
    if (seed === 'random') crypto.getRandomValues(out);
    else for (let i = 0; i < n; i++) out[i] = (i * 7 + (seed ?? 1)) & 0xff;
    return out;
  };

  /** Turn the corpus template into real option values. */
  function materialize(value, ctx, path, reads) {
    if (Array.isArray(value)) return value.map((v, i) => materialize(v, ctx, `${path}[${i}]`, reads));
    if (value && typeof value === 'object') {
      if ('$bytes' in value) return bytes(value.$bytes, value.seed ?? (path.endsWith('challenge') ? 'random' : 1));
      if ('$js' in value) return new Function('ctx', `return (${value.$js});`)(ctx);
      if ('$cred' in value) return fromB64url(ctx.credId);
      if ('$credOf' in value) return fromB64url(ctx.credIds[value.$credOf]);
      const out = {};
      for (const [k, v] of Object.entries(value)) {
        if (v && typeof v === 'object' && !Array.isArray(v) && '$throw' in v) {
          Object.defineProperty(out, k, { enumerable: true, get() { throw new Error(v.$throw); } });
        } else {
          out[k] = materialize(v, ctx, path ? `${path}.${k}` : k, reads);
        }
      }
      return reads ? traced(out, path, reads) : out;
    }
    return value;
  }

  /** A proxy that records which members the browser reads, in order (WebIDL reads them sorted). */
  function traced(target, path, reads) {
    return new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === 'string') reads.push(path ? `${path}.${key}` : key);
        return Reflect.get(t, key, receiver);
      },
    });
  }

  function classify(error) {
    if (error instanceof DOMException) return error.name;
    if (error instanceof Error) return error.name;
    return `value:${typeof error === 'string' ? error : typeof error}`;
  }

  const normalize = (v) => {
    if (v instanceof ArrayBuffer) return `bytes:${v.byteLength}`;
    if (ArrayBuffer.isView(v)) return `bytes:${v.byteLength}`;
    if (Array.isArray(v)) return v.map(normalize);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normalize(v[k])]));
    return v;
  };

  function describe(cred, challenge) {
    if (cred === null) return null;
    const r = cred.response;
    const cd = JSON.parse(new TextDecoder().decode(r.clientDataJSON));
    const attestation = typeof AuthenticatorAttestationResponse !== 'undefined' && r instanceof AuthenticatorAttestationResponse;
    const authData = new Uint8Array(attestation ? r.getAuthenticatorData() : r.authenticatorData);
    let json = null;
    try {
      json = cred.toJSON();
    } catch (e) {
      json = { toJSONError: classify(e) };
    }
    const shape = {
      isPublicKeyCredential: cred instanceof PublicKeyCredential,
      type: cred.type,
      idMatchesRawId: cred.id === b64url(cred.rawId),
      authenticatorAttachment: cred.authenticatorAttachment,
      response: attestation ? 'attestation' : 'assertion',
      clientData: {
        keys: Object.keys(cd).filter((k) => k !== 'other_keys_can_be_added_here'),
        type: cd.type,
        origin: cd.origin,
        crossOrigin: cd.crossOrigin,
        topOrigin: cd.topOrigin,
        challengeMatches: challenge ? cd.challenge === b64url(challenge) : null,
      },
      rpIdHash: hex(authData.slice(0, 32)),
      extensions: normalize(cred.getClientExtensionResults()),
      userHandle: attestation ? undefined : r.userHandle === null ? null : `bytes:${r.userHandle.byteLength}`,
      publicKeyAlgorithm: attestation ? r.getPublicKeyAlgorithm() : undefined,
      hasPublicKey: attestation ? r.getPublicKey() !== null : undefined,
      jsonKeys: Object.keys(json).sort(),
      jsonResponseKeys: json.response ? Object.keys(json.response).sort() : [],
    };
    const flags = authData[32];
    return {
      shape,
      authenticator: {
        up: !!(flags & 1),
        uv: !!(flags & 4),
        be: !!(flags & 8),
        bs: !!(flags & 16),
        transports: attestation ? r.getTransports() : undefined,
        credentialId: b64url(cred.rawId),
      },
    };
  }

  const state = { promise: null, controller: null, sync: null, reads: null, challenge: null, timeoutMs: undefined };

  // Chromium outside its DevTools virtual environment (AuthenticatorCommon's AdjustTimeout): the
  // converted timeout clamped to 10 s - 10 min, 10 min when absent. WebIDL's `unsigned long`
  // conversion (no [EnforceRange]) is ECMAScript's ToUint32, which a Uint32Array store performs.
  const MIN_TIMEOUT = 10000;
  const MAX_TIMEOUT = 600000;
  const toUint32 = (v) => new Uint32Array([v])[0];
  const clampTimeout = (n) => Math.min(MAX_TIMEOUT, Math.max(MIN_TIMEOUT, n));
  /**
   * For `modelTimeout` (native run, timeout cases): a primitive timeout is handed to Chromium
   * already converted and clamped, so the virtual environment's "as given" does not decide the
   * outcome; an object (valueOf) is left to Chromium's own conversion. Returns the modelled value.
   */
  function modelTimeout(publicKey) {
    const own = publicKey && typeof publicKey === 'object' ? Object.getOwnPropertyDescriptor(publicKey, 'timeout') : undefined;
    if (!own) return MAX_TIMEOUT;
    if (!('value' in own)) return undefined;
    const v = own.value;
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) return () => clampTimeout(toUint32(v));
    const clamped = clampTimeout(toUint32(v));
    publicKey.timeout = clamped;
    return clamped;
  }

  window.__conf = {
    /** Start one call; returns the synchronous outcome when the call threw instead of returning. */
    start(spec) {
      counter++;
      const reads = spec.trace ? [] : null;
      const ctx = { credId: spec.credId, credIds: spec.credIds ?? {} };
      const publicKey = materialize(spec.publicKey, ctx, 'publicKey', reads);
      const modelled = spec.modelTimeout ? modelTimeout(publicKey) : undefined;
      const controller = spec.abort ? new AbortController() : null;
      const outer = {};
      if (spec.mediation !== undefined) outer.mediation = materialize(spec.mediation, ctx, 'mediation', null);
      if (controller) outer.signal = controller.signal;
      if (spec.publicKey !== undefined) outer.publicKey = publicKey;
      const options = reads ? traced(outer, '', reads) : outer;
      const reason = () => (spec.abortReason === undefined ? undefined : spec.abortReason);
      if (spec.abort === 'before') controller.abort(reason());
      state.reads = reads;
      // Read without running the page's getter (or recording a read): the call must be the only reader.
      const own = publicKey && typeof publicKey === 'object' ? Object.getOwnPropertyDescriptor(publicKey, 'challenge') : undefined;
      state.challenge = own && own.value instanceof Uint8Array ? own.value : null;
      state.controller = controller;
      state.sync = null;
      state.timeoutMs = undefined;
      const api = navigator.credentials;
      try {
        if (!api) throw new TypeError('navigator.credentials is undefined');
        state.promise = api[spec.call](options);
        // An object's valueOf is read again only after the browser converted it.
        state.timeoutMs = typeof modelled === 'function' ? modelled() : modelled;
      } catch (e) {
        state.sync = classify(e);
        state.promise = null;
        return { sync: state.sync, message: String(e && e.message) };
      }
      if (spec.abort === 'sync') controller.abort(reason());
      state.promise.catch(() => undefined);
      return { sync: null };
    },
    abort(reason) {
      state.controller?.abort(reason);
    },
    async result() {
      const timeout = state.timeoutMs === undefined ? {} : { timeoutMs: state.timeoutMs };
      if (!state.promise) return { outcome: `sync:${state.sync}`, reads: state.reads, ...timeout };
      try {
        const cred = await state.promise;
        const described = describe(cred, state.challenge);
        return { outcome: cred === null ? 'resolved-null' : 'resolved', ...described, reads: state.reads, ...timeout };
      } catch (e) {
        return { outcome: classify(e), message: String(e && e.message), reads: state.reads, ...timeout };
      }
    },
    /** For the runner: open a frame in this page and wait for it to load. */
    async frame(spec) {
      const f = document.createElement('iframe');
      if (spec.allow !== undefined) f.allow = spec.allow;
      if (spec.sandbox !== undefined) f.setAttribute('sandbox', spec.sandbox);
      f.name = spec.name;
      const loaded = new Promise((resolve) => f.addEventListener('load', resolve, { once: true }));
      if (spec.srcdoc) f.srcdoc = `<!doctype html><script src="${location.origin}/harness.js"></script><p>frame</p>`;
      else f.src = spec.src;
      document.body.append(f);
      await loaded;
    },
  };
})();
