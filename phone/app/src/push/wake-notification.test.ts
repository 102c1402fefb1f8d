// What the service worker shows for a push: only a current wake-up for a request this phone has not
// handled becomes a notification, named for the site and kind, all in one (WAKE_TAG); the
// subscription is renewed when a browser is removed (PushSubscriber.renew).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMEOUT_MS } from '../../../../shared/webauthn/ceremony-contract.ts';
import type { WakePayload } from '../../../../shared/push/subscription.ts';
import { PushSubscriber, infoOf } from './push-subscriber.ts';
import { WAKE_TAG, wakeNotification } from './wake-notification.ts';

const NOW = 1_800_000_000_000;
const wake: WakePayload = { type: 'pairkey-wake', kind: 'sign-in', site: 'github.com', request: 'req-1', expiresAt: NOW + 60_000 };
const none = async () => false;

describe('wakeNotification', () => {
  it('names the site and the kind of request, in the one wake-up notification, kept until the person acts', async () => {
    const shown = await wakeNotification(JSON.stringify(wake), NOW, none);
    expect(shown).toEqual({
      title: 'Sign in to github.com?',
      options: { body: 'Tap to open Pairkey and answer.', tag: 'pairkey-wake', requireInteraction: true, data: wake },
    });
    // Another request's wake-up replaces it rather than piling up.
    expect(await wakeNotification(JSON.stringify({ ...wake, request: 'req-2' }), NOW, none)).toMatchObject({ options: { tag: WAKE_TAG } });
    const registration = await wakeNotification(JSON.stringify({ ...wake, kind: 'registration' }), NOW, none);
    expect(registration).toMatchObject({ title: 'Create a passkey for github.com?' });
  });

  it('shows nothing for a wake-up past its deadline or for a request already handled', async () => {
    expect(await wakeNotification(JSON.stringify({ ...wake, expiresAt: NOW }), NOW, none)).toBe('expired');
    const asked: string[] = [];
    const settled = async (id: string) => (asked.push(id), true);
    expect(await wakeNotification(JSON.stringify(wake), NOW, settled)).toBe('settled');
    expect(asked).toEqual(['req-1']);
  });

  it('shows nothing for a push that is no wake-up (empty, not JSON, other fields)', async () => {
    for (const text of [null, '', 'hello', JSON.stringify({ ...wake, type: 'other' }), JSON.stringify({ ...wake, extra: 1 })]) {
      expect(await wakeNotification(text, NOW, none)).toBe('unreadable');
    }
  });

  it('shows nothing for a site that is no host name (a sentence, bidi controls)', async () => {
    for (const site of ['moc.\u202Egithub.com', 'your bank. Call +1 555 0100', 'GITHUB.COM']) {
      expect(await wakeNotification(JSON.stringify({ ...wake, site }), NOW, none)).toBe('unreadable');
    }
    expect(await wakeNotification(JSON.stringify({ ...wake, site: new URL('https://bücher.de').hostname }), NOW, none)).toMatchObject({ title: 'Sign in to xn--bcher-kva.de?' });
  });

  it('believes a deadline only up to the longest a request can wait', async () => {
    const far = await wakeNotification(JSON.stringify({ ...wake, expiresAt: NOW + 365 * 86_400_000 }), NOW, none);
    expect(far).toMatchObject({ options: { data: { expiresAt: NOW + MAX_TIMEOUT_MS } } });
    expect(await wakeNotification(JSON.stringify(wake), NOW, none)).toMatchObject({ options: { data: { expiresAt: wake.expiresAt } } });
  });
});

describe('infoOf', () => {
  const p256dh = `B${'A'.repeat(86)}`;
  const auth = 'A'.repeat(22);
  it('takes the endpoint and keys of PushSubscription.toJSON(), without base64 padding', () => {
    const json = { endpoint: 'https://push.example/send/1', keys: { p256dh: `${p256dh}=`, auth: `${auth}==` } };
    expect(infoOf({ toJSON: () => json })).toEqual({ endpoint: 'https://push.example/send/1', p256dh, auth });
  });
  it('refuses a subscription the extension could not use (not https, keys missing)', () => {
    expect(infoOf({ toJSON: () => ({ endpoint: 'http://push.example/1', keys: { p256dh, auth } }) })).toBeNull();
    expect(infoOf({ toJSON: () => ({ endpoint: 'https://push.example/1' }) })).toBeNull();
  });
});

describe('PushSubscriber after a browser was removed', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** The browser's Push API (the push service cannot run here): each subscribe is a new endpoint. */
  function pushApi(existing: boolean) {
    const key = new Uint8Array(65).fill(4).buffer;
    const log: string[] = [];
    let serial = 0;
    let current: PushSubscription | null = null;
    const make = (applicationServerKey: ArrayBuffer): PushSubscription => {
      const endpoint = `https://push.example/${++serial}`;
      const sub = {
        endpoint,
        options: { userVisibleOnly: true, applicationServerKey },
        toJSON: () => ({ endpoint }),
        unsubscribe: async () => (log.push(`unsubscribe ${endpoint}`), (current = null), true),
      } as unknown as PushSubscription;
      return sub;
    };
    if (existing) current = make(key);
    const pushManager = {
      getSubscription: async () => current,
      subscribe: async (options: PushSubscriptionOptionsInit) => {
        current = make(options.applicationServerKey as ArrayBuffer);
        log.push(`subscribe ${current.endpoint}`);
        return current;
      },
    };
    const registration = { pushManager };
    vi.stubGlobal('PushManager', class {});
    vi.stubGlobal('Notification', { permission: 'granted' });
    vi.stubGlobal('navigator', { serviceWorker: { ready: Promise.resolve(registration), getRegistration: async () => registration } });
    return { key, log, current: () => current };
  }

  it('browsers remain: drops the subscription every paired browser holds and makes a new one with the same relay key', async () => {
    const api = pushApi(true);
    const push = new PushSubscriber();
    expect(await push.afterBrowserRemoved(1)).toBe('renewed');
    expect(api.log).toEqual(['unsubscribe https://push.example/1', 'subscribe https://push.example/2']);
    expect(api.current()!.options.applicationServerKey).toBe(api.key);
    expect(await push.state()).toBe('on');
  });

  it('no browser left: unsubscribes, and makes none', async () => {
    const api = pushApi(true);
    const push = new PushSubscriber();
    expect(await push.afterBrowserRemoved(0)).toBe('unsubscribed');
    expect(api.log).toEqual(['unsubscribe https://push.example/1']);
    expect(await push.state()).toBe('ask');
  });

  it('never subscribed: nothing to replace', async () => {
    const api = pushApi(false);
    expect(await new PushSubscriber().afterBrowserRemoved(2)).toBeNull();
    expect(api.log).toEqual([]);
  });
});
