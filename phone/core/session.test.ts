// The phone's side of pairing and of every later session, run against the real relay with an
// extension built from the same protocol classes the extension uses.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toB64url, utf8Encode } from '../../shared/bytes.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  generateStaticKeyPair,
  PairingResponder,
  ProtocolError,
  ReconnectInitiator,
  ReconnectResponder,
  STRAY_REPLIES,
  type ChannelMessage,
  type GetAssertionMessage,
  type SecureChannel,
  type StaticKeyPair,
} from '../../shared/protocol/index.ts';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';
import { pairedRelayTarget, pairingRelayTarget, RelaySocket } from '../../shared/relay-socket.ts';
import { startServers, testConfig, type Started } from '../../harness-server/testing/servers.ts';
import { Condition, nodeSocket, PHONE_URL, TestExtension } from '../../test/support/extension-end.ts';
import { assertConfirmed, confirmPairing, PairingExpiredError, pairWithLink, type PairedBrowser } from './pairing.ts';
import { jittered, PairedSession, type IncomingRequest, type LinkState, type SettledRequest, type UnpairedBy } from './session.ts';
import { errorReply } from './requests.ts';

const idOf = (message: ChannelMessage): string | null => ('id' in message ? message.id : null);

function signInRequest(id: string, timeout = 60_000): GetAssertionMessage {
  const clientData = { type: 'webauthn.get', challenge: 'Y2hhbGxlbmdl', origin: 'https://shop.example.com' };
  return {
    type: 'get-assertion',
    id,
    timeout,
    clientDataJSON: toB64url(utf8Encode(JSON.stringify(clientData))),
    rpId: 'example.com',
    allowCredentials: [],
    userVerification: 'preferred',
  };
}

let servers: Started;
let relayUrl: string;
beforeEach(async () => {
  servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '60000' }));
  relayUrl = servers.mainUrl;
});
afterEach(async () => {
  await servers.close();
});

/** Show an offer like the extension does and pair the phone with it. */
async function pair(phoneKey: StaticKeyPair, extensionKey: StaticKeyPair, ttlMs = 60_000) {
  const offer = createPairingOffer(relayUrl, extensionKey.publicKey, ttlMs);
  const responder = new PairingResponder(extensionKey, offer.secret);
  let extensionSide: { code: string; channelId: string; name: string | undefined } | null = null;
  const waiting = await RelaySocket.connect(nodeSocket, pairingRelayTarget(relayUrl, offer.secret, 'extension'), {
    onFrame: (frame, relay) => {
      const { reply, result } = responder.respond(frame);
      relay.send(reply);
      extensionSide = { code: result.confirmationCode, channelId: result.pairedChannelId, name: result.peerName };
    },
  });
  const unconfirmed = await pairWithLink(encodePairingLink(PHONE_URL, offer), { staticKey: phoneKey, socketFactory: nodeSocket, name: 'Test phone' });
  waiting.close();
  return { unconfirmed, paired: confirmPairing(unconfirmed), extensionSide: extensionSide! as { code: string; channelId: string; name: string | undefined } };
}

describe('pairWithLink', () => {
  it('pairs through the relay: both sides derive the same code and channel, the extension sees the phone name', async () => {
    const phoneKey = generateStaticKeyPair();
    const extensionKey = generateStaticKeyPair();
    const { paired, extensionSide } = await pair(phoneKey, extensionKey);
    expect(paired.confirmationCode).toMatch(/^\d{6}$/);
    expect(paired.confirmationCode).toBe(extensionSide.code);
    expect(paired.pairedChannelId).toBe(extensionSide.channelId);
    expect(paired.extensionPublicKey).toEqual(extensionKey.publicKey);
    expect(paired.relayUrl).toBe(relayUrl);
    expect(extensionSide.name).toBe('Test phone');
  });

  it('gives an unconfirmed pairing that only the person\'s confirmation, in time, turns into one a phone may keep', async () => {
    const { unconfirmed } = await pair(generateStaticKeyPair(), generateStaticKeyPair());
    expect(unconfirmed.confirmed).toBe(false);
    expect(() => assertConfirmed(unconfirmed)).toThrow(WebAuthnError);
    expect(() => confirmPairing(unconfirmed, unconfirmed.expiresAt)).toThrow(PairingExpiredError);
    const confirmed = confirmPairing(unconfirmed, unconfirmed.pairedAt + 1000);
    expect(confirmed.confirmedAt).toBe(unconfirmed.pairedAt + 1000);
    expect(() => assertConfirmed(confirmed)).not.toThrow();
  });

  it('a session refuses a pairing the person did not confirm, unless it only tells the browser to forget it', async () => {
    const phoneKey = generateStaticKeyPair();
    const extensionKey = generateStaticKeyPair();
    const { unconfirmed } = await pair(phoneKey, extensionKey);
    const base = { staticKey: phoneKey, socketFactory: nodeSocket, answer: () => Promise.reject(new Error('never asked')) };
    // As storage would hand it back (types cannot vouch for stored data): refused at once.
    expect(() => new PairedSession({ ...base, pairing: unconfirmed as unknown as PairedBrowser })).toThrow(/confirmed/);
    // "No, it differs": a removed session delivers `unpair` and answers nothing.
    const extension = await TestExtension.join(relayUrl, extensionKey, unconfirmed, phoneKey.publicKey);
    let forgotten = false;
    const session = new PairedSession({ ...base, pairing: unconfirmed, removed: true, onUnpaired: () => (forgotten = true) });
    session.start();
    await extension.events.until(() => extension.received.some((m) => m.type === 'unpair'));
    expect(forgotten).toBe(true);
    extension.socket.close();
  });

  it('refuses an expired link before touching the network', async () => {
    const offer = createPairingOffer(relayUrl, generateStaticKeyPair().publicKey, 1000, Date.now() - 5000);
    const attempt = pairWithLink(encodePairingLink(PHONE_URL, offer), { staticKey: generateStaticKeyPair(), socketFactory: nodeSocket });
    await expect(attempt).rejects.toMatchObject({ code: 'expired' });
    expect(servers.main.relay.stats().connections).toBe(0);
  });

  it('refuses a link that is not a pairing link', async () => {
    const attempt = pairWithLink('otpauth://totp/x?secret=ABC', { staticKey: generateStaticKeyPair(), socketFactory: nodeSocket });
    await expect(attempt).rejects.toBeInstanceOf(ProtocolError);
  });

  it('stops waiting when the person cancels', async () => {
    const offer = createPairingOffer(relayUrl, generateStaticKeyPair().publicKey, 60_000);
    const controller = new AbortController();
    const attempt = pairWithLink(encodePairingLink(PHONE_URL, offer), { staticKey: generateStaticKeyPair(), socketFactory: nodeSocket, signal: controller.signal });
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('PairedSession', () => {
  let phoneKey: StaticKeyPair;
  let extensionKey: StaticKeyPair;
  let paired: PairedBrowser;
  let session: PairedSession | null = null;
  const states: LinkState[] = [];
  const stateChanged = new Condition();
  const incoming: IncomingRequest[] = [];
  const arrived = new Condition();
  let answer: (request: IncomingRequest) => Promise<ChannelMessage & { type: 'error' | 'assertion' | 'credential-created' }>;

  beforeEach(async () => {
    phoneKey = generateStaticKeyPair();
    extensionKey = generateStaticKeyPair();
    ({ paired } = await pair(phoneKey, extensionKey));
    states.length = 0;
    incoming.length = 0;
    unpaired = 0;
    unpairedBy.length = 0;
    settled.length = 0;
    logged.length = 0;
    answer = (request) => new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  });
  afterEach(() => {
    session?.stop();
    session = null;
  });

  let unpaired = 0;
  const unpairedBy: UnpairedBy[] = [];
  const settled: SettledRequest[] = [];
  const logged: string[] = [];
  function online(retry = { initialMs: 50, maxMs: 200 }, removed = false, announce: string[] = []): PairedSession {
    session = new PairedSession({
      ...(removed ? { pairing: paired, removed: true as const } : { pairing: paired }),
      announce,
      onSettled: (request) => {
        settled.push(request);
        arrived.check();
      },
      log: (line) => {
        logged.push(line);
        stateChanged.check();
      },
      onUnpaired: (by) => {
        unpaired++;
        unpairedBy.push(by);
        stateChanged.check();
      },
      staticKey: phoneKey,
      socketFactory: nodeSocket,
      retry,
      onState: (state) => {
        states.push(state);
        stateChanged.check();
      },
      answer: (request) => {
        incoming.push(request);
        arrived.check();
        return answer(request);
      },
    });
    session.start();
    return session;
  }

  it('waits on the relay, runs a KK handshake when the browser arrives and answers its requests', async () => {
    online();
    await stateChanged.until(() => states.includes('waiting'));
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    await stateChanged.until(() => session!.state === 'connected');

    answer = async ({ request }) => errorReply(request.id, 'NotAllowedError', 'denied');
    extension.send(signInRequest('r1'));
    expect(await extension.reply('r1')).toEqual({ type: 'error', id: 'r1', name: 'NotAllowedError', message: 'denied' });
    // The phone shows the origin it read from clientDataJSON, and the page's timeout.
    expect(incoming[0]!.view).toMatchObject({ kind: 'sign-in', origin: 'https://shop.example.com', rpId: 'example.com' });
    expect(incoming[0]!.expiresAt - incoming[0]!.receivedAt).toBe(60_000);
  });

  it('refuses an rpId the origin may not use without asking the person', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    extension.send({ ...signInRequest('r1'), rpId: 'bank.example' });
    expect(await extension.reply('r1')).toMatchObject({ type: 'error', name: 'SecurityError' });
    expect(incoming).toHaveLength(0);
  });

  it('sends a WebAuthnError from the answer as that error', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    answer = async () => {
      throw new WebAuthnError('InvalidStateError', 'already registered');
    };
    extension.send(signInRequest('r1'));
    expect(await extension.reply('r1')).toMatchObject({ type: 'error', name: 'InvalidStateError', message: 'already registered' });
  });

  it('drops a request the browser cancels, and never answers it', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    extension.send(signInRequest('r1'));
    await arrived.until(() => incoming.length === 1);
    const ended = new Promise((resolve) => incoming[0]!.signal.addEventListener('abort', () => resolve(incoming[0]!.signal.reason)));
    extension.send({ type: 'cancel', id: 'r1' });
    expect(await ended).toBe('cancelled');
    // The next request is answered; nothing was sent for the cancelled one.
    answer = async ({ request }) => errorReply(request.id, 'NotAllowedError', 'denied');
    extension.send(signInRequest('r2'));
    await extension.reply('r2');
    expect(extension.received.map(idOf)).toEqual(['r2']);
  });

  it('expires a request after the page’s timeout', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    extension.send(signInRequest('r1', 200));
    await arrived.until(() => incoming.length === 1);
    const reason = await new Promise((resolve) => incoming[0]!.signal.addEventListener('abort', () => resolve(incoming[0]!.signal.reason)));
    expect(reason).toBe('expired');
    expect(Date.now() - incoming[0]!.receivedAt).toBeGreaterThanOrEqual(190);
  });

  it('ends pending requests when the browser leaves, and shakes hands again when it returns', async () => {
    online();
    const first = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await first.connected();
    first.send(signInRequest('r1'));
    await arrived.until(() => incoming.length === 1);
    const reason = new Promise((resolve) => incoming[0]!.signal.addEventListener('abort', () => resolve(incoming[0]!.signal.reason)));
    first.socket.close();
    expect(await reason).toBe('disconnected');
    await stateChanged.until(() => session!.state === 'waiting');

    const second = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await second.connected();
    answer = async ({ request }) => errorReply(request.id, 'NotAllowedError', 'denied');
    second.send(signInRequest('r2'));
    expect(await second.reply('r2')).toMatchObject({ type: 'error', id: 'r2' });
  });

  it('an extension with another key cannot open a session', async () => {
    online();
    // On the real extension's relay seat (the relay sees join messages, so it can hand it out).
    const impostor = await TestExtension.join(relayUrl, generateStaticKeyPair(), paired, phoneKey.publicKey, extensionKey);
    // The phone's KK message was made for the paired extension's key: nobody else can read it.
    await impostor.events.until(() => impostor.failures.length > 0);
    expect(impostor.failures[0]).toMatchObject({ code: 'handshake' });
    expect(impostor.channel).toBeNull();
    expect(session!.state).not.toBe('connected');
  });

  it('comes back by itself after the relay drops it', async () => {
    await servers.close();
    servers = await startServers(testConfig({ RELAY_IDLE_TIMEOUT_MS: '100' }));
    relayUrl = servers.mainUrl;
    paired = { ...paired, relayUrl };
    online();
    // The idle timeout closes the socket; the session reconnects with backoff, more than once.
    await stateChanged.until(() => states.filter((s) => s === 'waiting').length >= 3);
    expect(states.slice(0, 6)).toEqual(['connecting', 'waiting', 'offline', 'connecting', 'waiting', 'offline']);
    // Each wait is the backoff's (50 ms: the relay took the socket back each time) with jitter.
    const waits = logged.map((line) => /reconnecting in (\d+) ms/.exec(line)?.[1]).filter((w) => w !== undefined).map(Number);
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(40);
      expect(wait).toBeLessThanOrEqual(60);
    }
  });

  it('spreads reconnect waits over ±20 % of the backoff, so phones that dropped together return apart', () => {
    expect(jittered(1000, () => 0)).toBe(800);
    expect(jittered(1000, () => 0.5)).toBe(1000);
    expect(jittered(1000, () => 0.999)).toBeCloseTo(1199.6);
    const spread = new Set(Array.from({ length: 20 }, () => jittered(1000)));
    expect(spread.size).toBeGreaterThan(1);
  });

  it('announces the client extensions it serves after every handshake, and nothing when it serves none', async () => {
    online(undefined, false, ['prf']);
    const first = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await first.events.until(() => first.received.length === 1);
    expect(first.received).toEqual([{ type: 'hello', extensions: ['prf'] }]);
    first.socket.close();
    const second = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await second.events.until(() => second.received.length === 1);
    expect(second.received).toEqual([{ type: 'hello', extensions: ['prf'] }]);
    second.socket.close();

    session!.stop();
    online();
    const plain = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await plain.connected();
    await stateChanged.until(() => session!.state === 'connected');
    answer = async ({ request }) => errorReply(request.id, 'NotAllowedError', 'denied');
    plain.send(signInRequest('r1'));
    await plain.reply('r1');
    expect(plain.received.map((m) => m.type)).toEqual(['error']);
  });

  it('reports how each request left: answered, refused before the person was asked, or ended without an answer', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    answer = async ({ request }) => errorReply(request.id, 'NotAllowedError', 'denied');
    extension.send(signInRequest('r1'));
    await extension.reply('r1');
    extension.send({ ...signInRequest('r2'), rpId: 'bank.example' });
    await extension.reply('r2');
    answer = (request) => new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    extension.send(signInRequest('r3'));
    await arrived.until(() => incoming.length === 2);
    extension.send({ type: 'cancel', id: 'r3' });
    await arrived.until(() => settled.length === 3);
    expect(settled.map((s) => ({ id: s.request.id, origin: s.view?.origin ?? null, outcome: 'reply' in s ? s.reply.type : s.ended }))).toEqual([
      { id: 'r1', origin: 'https://shop.example.com', outcome: 'error' },
      { id: 'r2', origin: null, outcome: 'error' },
      { id: 'r3', origin: 'https://shop.example.com', outcome: 'cancelled' },
    ]);
  });

  it('forgets the pairing when the browser sends unpair', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    extension.send({ type: 'unpair' });
    await stateChanged.until(() => unpaired === 1);
    expect(session!.state).toBe('stopped');
    expect(unpairedBy).toEqual(['browser']);
  });

  it('tells the browser when the person removes it on the phone', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    await stateChanged.until(() => session!.state === 'connected');
    expect(session!.unpair()).toBe(true);
    await extension.events.until(() => extension.received.length === 1);
    expect(extension.received).toEqual([{ type: 'unpair' }]);
    expect(unpaired).toBe(1);
    expect(unpairedBy).toEqual(['phone']);
  });

  it('asks its relay for the VAPID key and, after every handshake, sends the subscription made with it; a withdrawal is sent at once (issue 14)', async () => {
    const subscription: PushSubscriptionInfo = { endpoint: 'https://push.example/send/abc', p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) };
    let current: PushSubscriptionInfo | null = subscription;
    const askedWith: string[] = [];
    session = new PairedSession({
      pairing: paired,
      staticKey: phoneKey,
      socketFactory: nodeSocket,
      answer: () => Promise.reject(new Error('never asked')),
      onState: () => stateChanged.check(),
      pushSubscription: async (relayKey) => {
        askedWith.push(relayKey);
        return current;
      },
    });
    session.start();
    const first = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await first.events.until(() => first.received.length === 1);
    expect(first.received).toEqual([{ type: 'push-subscription', subscription }]);
    expect(askedWith).toEqual([servers.main.relay.pushPublicKey]);
    expect(session.pushKey).toBe(servers.main.relay.pushPublicKey);

    // The person revoked the permission: the app withdraws it without waiting for a handshake.
    current = null;
    expect(session.sendPushSubscription(null)).toBe(true);
    await first.events.until(() => first.received.length === 2);
    expect(first.received[1]).toEqual({ type: 'push-subscription', subscription: null });
    first.socket.close();

    const second = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await second.events.until(() => second.received.length === 1);
    expect(second.received).toEqual([{ type: 'push-subscription', subscription: null }]);
    second.socket.close();
    await stateChanged.until(() => session!.state !== 'connected');
    expect(session.sendPushSubscription(subscription)).toBe(false); // no session to carry it
  });

  it('restarted while the browser’s reply is on its way, takes its own reply and ignores the one for the connection it replaced', async () => {
    // The browser answers each handshake, but only when the test says: as a busy browser whose
    // reply to the old connection's handshake reaches the relay after the phone came back.
    const inits: Uint8Array[] = [];
    let channel: SecureChannel | null = null;
    const browserEvents = new Condition();
    const target = pairedRelayTarget(relayUrl, { side: 'extension', staticKey: extensionKey, peerPublicKey: phoneKey.publicKey, pairedChannelId: paired.pairedChannelId });
    const received: ChannelMessage[] = [];
    const browser = await RelaySocket.connect(nodeSocket, target, {
      onFrame: (frame) => {
        if (decodeFrame(frame).kind === 'handshake-init') inits.push(frame);
        else if (channel) received.push(channel.open(frame));
        browserEvents.check();
      },
    });
    const reply = (init: Uint8Array) => {
      const { reply: frame, result } = new ReconnectResponder(extensionKey, phoneKey.publicKey, paired.pairedChannelId).respond(init);
      channel = result.channel;
      browser.send(frame);
    };
    const first = online();
    await browserEvents.until(() => inits.length === 1);
    // The phone restarts: a new session takes the seat (the relay closes the old one's socket).
    const second = online();
    first.stop();
    await browserEvents.until(() => inits.length === 2);
    // The late reply to the first connection's handshake, then the reply to the second's.
    reply(inits[0]!);
    reply(inits[1]!);
    await stateChanged.until(() => second.state === 'connected');
    answer = async ({ request }) => errorReply(request.id, 'NotAllowedError', 'denied');
    browser.send(channel!.seal(signInRequest('r1')));
    await browserEvents.until(() => received.some((m) => idOf(m) === 'r1'));
    expect(logged.filter((line) => /session error|unexpected/.test(line))).toEqual([]);
    expect(logged.some((line) => line.includes('ignored a handshake reply to an earlier connection'))).toBe(true);
    browser.close();
  });

  it('a real handshake failure ends the session in words that do not cry attack', async () => {
    online();
    // Replies from a browser that is not the paired one, every time.
    const target = pairedRelayTarget(relayUrl, { side: 'extension', staticKey: extensionKey, peerPublicKey: phoneKey.publicKey, pairedChannelId: paired.pairedChannelId });
    const inits: Uint8Array[] = [];
    const events = new Condition();
    const impostor = await RelaySocket.connect(nodeSocket, target, {
      onFrame: (frame) => {
        inits.push(frame);
        events.check();
      },
    });
    await events.until(() => inits.length === 1);
    // A responder with the wrong static key cannot even read the phone's init, so forge replies the
    // only way left: real KK replies of another pairing.
    const other = { phone: generateStaticKeyPair(), extension: generateStaticKeyPair() };
    for (let i = 0; i <= STRAY_REPLIES; i++) {
      const init = new ReconnectInitiator(other.phone, other.extension.publicKey, paired.pairedChannelId).start();
      impostor.send(new ReconnectResponder(other.extension, other.phone.publicKey, paired.pairedChannelId).respond(init).reply);
    }
    await stateChanged.until(() => logged.some((line) => line.includes('session error')));
    expect(logged.filter((line) => line.includes('session error'))).toEqual([
      expect.stringContaining('session error: the browser’s handshake replies did not authenticate (not the browser this phone paired with, or damaged on the way); reconnecting'),
    ]);
    expect(logged.join('\n')).not.toMatch(/tampering|attack/);
    impostor.close();
  });

  it('a browser removed while unreachable is told at its next handshake', async () => {
    online(undefined, true);
    expect(session!.unpair()).toBe(false);
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.events.until(() => extension.received.length === 1);
    expect(extension.received).toEqual([{ type: 'unpair' }]);
    await stateChanged.until(() => unpaired === 1);
    expect(session!.state).toBe('stopped');
    expect(unpairedBy).toEqual(['phone']);
  });
});
