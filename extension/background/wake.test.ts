// One request's wake-ups (wake.ts): whom it wakes, what it encrypts (read back with http_ece, an
// independent RFC 8291 implementation), once per phone, never after the request moved on, and
// what the request UI is told for each answer the relay gives.
import ece from 'http_ece';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RelayPushResult } from '../../shared/protocol/relay-contract.ts';
import { parseWakePayload, type PushSubscriptionInfo, type WakePayload } from '../../shared/push/subscription.ts';
import { RequestWake, WAKE_COOLDOWN_MS, WAKE_TTL_SECONDS, WakeCooldown, type WakeState, type WakeTarget } from './wake.ts';

const NOW = 1_800_000_000_000;
const payload: WakePayload = { type: 'pairkey-wake', kind: 'sign-in', site: 'github.com', request: 'req-1', expiresAt: NOW + 60_000 };

function subscription(): { info: PushSubscriptionInfo; ecdh: ReturnType<typeof createECDH> } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, info: { endpoint: `https://push.example/${randomBytes(4).toString('hex')}`, p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') } };
}

/** A phone as the wake-up sees it; the relay's answer is given by the test when it wants. */
function target(phoneId: string, push: PushSubscriptionInfo | undefined, absent = true) {
  const asked: { endpoint: string; payload: string; ttl: number; answer: (result: RelayPushResult) => void }[] = [];
  const t: WakeTarget & { asked: typeof asked } = {
    phoneId,
    absent,
    push,
    asked,
    requestPush: (endpoint, body, ttl) => new Promise((resolve) => asked.push({ endpoint, payload: body, ttl, answer: resolve })),
  };
  return t;
}

function wakeWith(overrides: { now?: () => number; cooldown?: WakeCooldown; payload?: WakePayload } = {}) {
  const states: (WakeState | null)[] = [];
  const gone: string[] = [];
  const cooldown = overrides.cooldown ?? new WakeCooldown();
  const wake = new RequestWake(overrides.payload ?? payload, { onChange: (s) => states.push(s), onGone: (id) => gone.push(id), now: overrides.now ?? (() => NOW), cooldown });
  return { wake, states, gone };
}

/** Until the asynchronous encryption reached the relay. */
async function asked(t: ReturnType<typeof target>, count = 1): Promise<void> {
  await expect.poll(() => t.asked.length).toBe(count);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RequestWake', () => {
  it('encrypts the wake-up to the absent phone, with the one fixed TTL, and says it is waking', async () => {
    const sub = subscription();
    const phone = target('p1', sub.info);
    const { wake, states } = wakeWith();
    wake.consider([phone]);
    expect(states).toEqual(['waking']);
    await asked(phone);
    const [request] = phone.asked;
    expect(request!.endpoint).toBe(sub.info.endpoint);
    expect(request!.ttl).toBe(WAKE_TTL_SECONDS);
    const plain = ece.decrypt(Buffer.from(request!.payload, 'base64url'), { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.info.auth });
    expect(parseWakePayload(plain.toString('utf8'))).toEqual(payload);
    request!.answer('sent');
    await settle();
    expect(wake.state).toBe('waking');
    expect(states).toEqual(['waking']);
  });

  it('wakes each phone once per request, and only phones the relay says are absent', async () => {
    const online = target('online', subscription().info, false);
    const absent = target('absent', subscription().info);
    const { wake } = wakeWith();
    wake.consider([online, absent]);
    wake.consider([online, absent]);
    await asked(absent);
    absent.asked[0]!.answer('sent');
    await settle();
    wake.consider([online, absent]);
    // The woken phone is considered again (it came back and left): no second wake-up. The other
    // one, now absent, gets its first.
    wake.consider([{ ...online, absent: true, requestPush: online.requestPush }]);
    await asked(online);
    await settle();
    expect(absent.asked).toHaveLength(1);
    expect(online.asked).toHaveLength(1);
  });

  it.each<[RelayPushResult, boolean]>([
    ['gone', true],
    ['throttled', false],
    ['refused', false],
    ['failed', false],
  ])('a %s answer tells the person to open Pairkey on the phone', async (result, forgets) => {
    const phone = target('p1', subscription().info);
    const { wake, states, gone } = wakeWith();
    wake.consider([phone]);
    await asked(phone);
    phone.asked[0]!.answer(result);
    await settle();
    expect(states).toEqual(['waking', 'open-phone']);
    expect(gone).toEqual(forgets ? ['p1'] : []);
  });

  it('an absent phone without a subscription: open Pairkey on the phone; another being woken: waking', async () => {
    const bare = target('bare', undefined);
    const { wake, states } = wakeWith();
    wake.consider([bare]);
    expect(states).toEqual(['open-phone']);
    const other = target('other', subscription().info);
    wake.consider([bare, other]);
    expect(states).toEqual(['open-phone', 'waking']);
    expect(bare.asked).toHaveLength(0);
  });

  it('sends nothing once the request moved on (answered, stopped), or past its deadline', async () => {
    const late = target('late', subscription().info);
    const { wake, states } = wakeWith({ now: () => payload.expiresAt });
    wake.consider([late]);
    await settle();
    expect(late.asked).toHaveLength(0);
    expect(states).toEqual([]);

    // Stopped while encrypting: the wake-up is dropped before it reaches the relay.
    const phone = target('p1', subscription().info);
    const cooldown = new WakeCooldown();
    const other = wakeWith({ cooldown });
    other.wake.consider([phone]);
    other.wake.stop();
    // Until the encryption under way ends and the send is dropped (the cooldown hears 'unsent').
    await cooldown.recent('p1', NOW);
    expect(phone.asked).toHaveLength(0);
    other.wake.consider([target('p2', subscription().info)]);
    await settle();
    expect(other.states).toEqual(['waking']);
  });

  it('a gone answer after the request ended still forgets the subscription, and reports nothing', async () => {
    const phone = target('p1', subscription().info);
    const { wake, states, gone } = wakeWith();
    wake.consider([phone]);
    await asked(phone);
    wake.stop();
    phone.asked[0]!.answer('gone');
    await settle();
    expect(gone).toEqual(['p1']);
    expect(states).toEqual(['waking']);
  });

  it('keys that are no P-256 point count as a failed wake-up', async () => {
    const broken = target('p1', { endpoint: 'https://push.example/x', p256dh: 'A'.repeat(87), auth: 'A'.repeat(22) });
    const { wake, states } = wakeWith();
    wake.consider([broken]);
    await expect.poll(() => states).toEqual(['waking', 'open-phone']);
    expect(broken.asked).toHaveLength(0);
  });

  it('the TTL says nothing of the time a request has left', async () => {
    const ttls: number[] = [];
    for (const left of [5_000, 60_000, 600_000]) {
      const phone = target('p1', subscription().info);
      wakeWith({ payload: { ...payload, expiresAt: NOW + left } }).wake.consider([phone]);
      await asked(phone);
      ttls.push(phone.asked[0]!.ttl);
    }
    expect(ttls).toEqual([WAKE_TTL_SECONDS, WAKE_TTL_SECONDS, WAKE_TTL_SECONDS]);
  });

  it('wakes a phone once per cooldown however many requests ask; they share that wake-up\'s fate', async () => {
    let now = NOW;
    const cooldown = new WakeCooldown();
    const phone = target('p1', subscription().info);
    const requests = Array.from({ length: 20 }, (_, i) => wakeWith({ now: () => now, cooldown, payload: { ...payload, request: `req-${i}` } }));
    for (const r of requests) r.wake.consider([phone]);
    await asked(phone);
    await settle();
    expect(phone.asked).toHaveLength(1);
    phone.asked[0]!.answer('sent');
    await expect.poll(() => requests.map((r) => r.wake.state)).toEqual(requests.map(() => 'waking'));

    // Still within the cooldown: a new request rides on it. After it: a new wake-up.
    now += WAKE_COOLDOWN_MS - 1;
    wakeWith({ now: () => now, cooldown }).wake.consider([phone]);
    await settle();
    expect(phone.asked).toHaveLength(1);
    now += 1;
    wakeWith({ now: () => now, cooldown }).wake.consider([phone]);
    await asked(phone, 2);

    // A failed one fails them all (open Pairkey on the phone), and only its own request forgets a gone subscription.
    phone.asked[1]!.answer('gone');
    const rider = wakeWith({ now: () => now, cooldown });
    rider.wake.consider([phone]);
    await expect.poll(() => rider.states).toEqual(['waking', 'open-phone']);
    expect(rider.gone).toEqual([]);
    expect(phone.asked).toHaveLength(2);
  });

  it('a phone that came online since its wake-up may be woken again at once', async () => {
    const cooldown = new WakeCooldown();
    const phone = target('p1', subscription().info);
    wakeWith({ cooldown }).wake.consider([phone]);
    await asked(phone);
    phone.asked[0]!.answer('sent');
    await settle();
    cooldown.phoneOnline('p1');
    wakeWith({ cooldown }).wake.consider([phone]);
    await asked(phone, 2);
  });

  it('a wake-up dropped unsent (its request ended while encrypting) does not hold the next one back', async () => {
    const cooldown = new WakeCooldown();
    const sub = subscription();
    const phone = target('p1', sub.info);
    const first = wakeWith({ cooldown });
    first.wake.consider([phone]);
    first.wake.stop();
    // The second request arrives while the first is still encrypting: it rides on it, then sends its own.
    const second = wakeWith({ cooldown, payload: { ...payload, request: 'req-2' } });
    second.wake.consider([phone]);
    await asked(phone);
    const plain = ece.decrypt(Buffer.from(phone.asked[0]!.payload, 'base64url'), { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.info.auth });
    expect(parseWakePayload(plain.toString('utf8'))).toMatchObject({ request: 'req-2' });
    phone.asked[0]!.answer('sent');
    await settle();
    expect(phone.asked).toHaveLength(1);
    expect(second.states).toEqual(['waking']);
  });
});
