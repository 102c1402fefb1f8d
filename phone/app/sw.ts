// The service worker: keeps the app shell (every file of the build) in a versioned cache, so the
// app opens and shows its codes and passkeys without a network. Requests and pairing still need
// the relay. The build injects the file list and a build id; a new build is a new worker, which
// replaces the old cache.
//
// Web Push (docs/phone.md): a wake-up from a paired browser shows "Sign in to <site>?"; tapping it
// opens the app, which connects and receives the waiting request over the channel. A wake-up that
// is unreadable (its site no host name), past its request's deadline or for a request this phone
// already handled shows nothing (see the push listener for what Chrome does then); all wake-ups
// share one notification, a newer one replacing the older (push/wake-notification.ts).
import { isSettled } from './src/push/settled-requests.ts';
import { WAKE_OPENED, type WakeOpenedMessage } from './src/push/messages.ts';
import { wakeNotification } from './src/push/wake-notification.ts';

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
interface PushEventLike extends ExtendableEventLike {
  readonly data: { text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  readonly notification: Notification;
}
interface PushSubscriptionChangeEventLike extends ExtendableEventLike {
  readonly oldSubscription: PushSubscription | null;
}
interface WindowClientLike {
  readonly url: string;
  focus(): Promise<unknown>;
  postMessage(message: WakeOpenedMessage): void;
}
interface ServiceWorkerScope {
  readonly registration: {
    readonly scope: string;
    readonly pushManager: PushManager;
    showNotification(title: string, options: NotificationOptions): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  readonly clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WindowClientLike[]>;
    openWindow(url: string): Promise<WindowClientLike | null>;
  };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  addEventListener(type: 'push', listener: (event: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEventLike) => void): void;
  addEventListener(type: 'pushsubscriptionchange', listener: (event: PushSubscriptionChangeEventLike) => void): void;
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

// A wake-up. Subscriptions are userVisibleOnly (Chrome accepts no other kind), and a push that
// shows no notification is tolerated only now and then: Chrome then shows its own "This site has
// been updated in the background" (Safari may end the subscription after repeated silent ones).
// Still, a stale wake-up shows nothing here rather than a notification about a request that no
// longer waits: the extension wakes only phones that are not online, so a wake-up arriving after
// its request was handled, or past its deadline, is the rare late delivery, and a generic browser
// notification is the honest outcome of it.
worker.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      const notification = await wakeNotification(event.data?.text() ?? null, Date.now(), (id) => isSettled(id).catch(() => false));
      if (typeof notification === 'string') {
        console.info(`Pairkey: a push shows nothing (${notification})`);
        return;
      }
      await worker.registration.showNotification(notification.title, notification.options);
    })(),
  );
});

// Tapping the notification opens the app (or brings an open one forward); the app connects and
// the extension, which still holds the request, sends it over the new session.
worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => client.url.startsWith(SHELL));
      if (!open) {
        await worker.clients.openWindow(SHELL);
        return;
      }
      open.postMessage({ type: WAKE_OPENED });
      await open.focus();
    })(),
  );
});

// The push service replaced or dropped the subscription: subscribe again with the same relay key.
// The paired browsers learn the new one at the next handshake (the app sends it whenever it
// connects); until then their wake-ups fail as "gone" and they ask the person to open the app.
worker.addEventListener('pushsubscriptionchange', (event) => {
  const key = event.oldSubscription?.options.applicationServerKey;
  if (!key) return;
  event.waitUntil(
    worker.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }).then(
      () => undefined,
      (error: unknown) => console.info('Pairkey: no new push subscription', error),
    ),
  );
});
