// What the service worker shows for a push: only a current wake-up for a request this phone has not
// handled becomes a notification, named for the site and kind, one per request (its tag).
import { describe, expect, it } from 'vitest';
import type { WakePayload } from '../../../../shared/push/subscription.ts';
import { infoOf } from './push-subscriber.ts';
import { wakeNotification } from './wake-notification.ts';

const NOW = 1_800_000_000_000;
const wake: WakePayload = { type: 'pairkey-wake', kind: 'sign-in', site: 'github.com', request: 'req-1', expiresAt: NOW + 60_000 };
const none = async () => false;

describe('wakeNotification', () => {
  it('names the site and the kind of request, tagged with the request, kept until the person acts', async () => {
    const shown = await wakeNotification(JSON.stringify(wake), NOW, none);
    expect(shown).toEqual({
      title: 'Sign in to github.com?',
      options: { body: 'Tap to open Pairkey and answer.', tag: 'req-1', requireInteraction: true, data: wake },
    });
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

  it('neutralises bidi controls in the site name', async () => {
    const shown = await wakeNotification(JSON.stringify({ ...wake, site: 'moc.\u202Egithub.com' }), NOW, none);
    expect(shown).toMatchObject({ title: 'Sign in to moc.\uFFFDgithub.com?' });
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
