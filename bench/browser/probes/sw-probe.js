// Runs in the extension's service worker (evaluated over DevTools, so the extension's CSP does not
// apply and the extension's own code is untouched). Records, on the cross-process clock, when a
// ceremony request reaches the background, each stored-state read, and when the background sends and
// receives relay frames. Installed once per worker lifetime; `__pairkeyBench` holds the log.
() => {
  if (globalThis.__pairkeyBench) return 'present';
  const now = () => performance.timeOrigin + performance.now();
  const log = [];
  globalThis.__pairkeyBench = log;
  // The bridge reaches the background by one-shot message or by a port, depending on the build.
  const isStart = (m) => !!m && (m.type === 'webauthn/create' || m.type === 'webauthn/get' || m.type === 'start');
  chrome.runtime.onMessage.addListener((m) => {
    if (isStart(m)) log.push(['bg-in', now()]);
  });
  chrome.runtime.onConnect.addListener((port) => port.onMessage.addListener((m) => {
    if (isStart(m)) log.push(['bg-in', now()]);
  }));
  // Every read of the extension's stored state (its own IndexedDB, extension/background/state-db.ts),
  // with when it started and ended: per ceremony, how many and how long.
  const get = IDBObjectStore.prototype.get;
  IDBObjectStore.prototype.get = function (...args) {
    const started = now();
    const request = get.apply(this, args);
    request.addEventListener('success', () => log.push(['storage-get', started, now()]));
    return request;
  };
  const Native = globalThis.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    if (typeof data !== 'string') log.push(['bg-send', now()]);
    return send.call(this, data);
  };
  // Sockets opened from now on also report arriving frames.
  globalThis.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') log.push(['bg-recv', now()]);
      });
    }
  };
  return 'installed';
}
