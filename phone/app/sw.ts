// The service worker: keeps the app shell (every file of the build) in a versioned cache, so the
// app opens and shows its codes and passkeys without a network. Requests and pairing still need
// the relay. The build injects the file list and a build id; a new build is a new worker, which
// replaces the old cache.
declare const __PRECACHE__: string[];
declare const __BUILD_ID__: string;

// The DOM lib has no service worker types and the webworker lib clashes with it in one program,
// so we declare just what this file uses.
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly registration: { readonly scope: string };
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
}

const worker = self as unknown as ServiceWorkerScope;
const CACHE_PREFIX = 'pairkey-phone-';
const CACHE = `${CACHE_PREFIX}${__BUILD_ID__}`;
const scope = new URL(worker.registration.scope);
const SHELL = new URL('./', scope).href;

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([SHELL, ...__PRECACHE__.map((file) => new URL(file, scope).href)]))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return;
  // Opening the app (also through a pairing link: the #fragment is not part of the request).
  const isShell = request.mode === 'navigate' && (url.href.split('?')[0] === SHELL || url.pathname.endsWith('/index.html'));
  const key = isShell ? SHELL : request;
  event.respondWith(caches.open(CACHE).then(async (cache) => (await cache.match(key, { ignoreSearch: isShell })) ?? fetch(request)));
});
