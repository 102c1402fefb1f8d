// The phone's side of pairing and of every later session, run against the real relay with an
// extension built from the same protocol classes the extension uses.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toB64url, utf8Encode } from '../../shared/bytes.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  generateStaticKeyPair,
  PairingResponder,
  ProtocolError,
  ReconnectResponder,
  type ChannelMessage,
  type GetAssertionMessage,
  type SecureChannel,
  type StaticKeyPair,
} from '../../shared/protocol/index.ts';
import { pairedRelayTarget, pairingRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../shared/relay-socket.ts';
import { startServers, testConfig, type Started } from '../../harness-server/testing.ts';
import { assertConfirmed, confirmPairing, PairingExpiredError, pairWithLink, type PairedBrowser, type PairingDetails } from './pairing.ts';
import { PairedSession, type IncomingRequest, type LinkState } from './session.ts';
import { errorReply } from './requests.ts';

const idOf = (message: ChannelMessage): string | null => ('id' in message ? message.id : null);
const nodeSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;
const PHONE_URL = 'http://localhost:8788/';

/** Resolves when `predicate` holds after some event; the event source calls `check()`. */
class Condition {
  private waiters: (() => void)[] = [];
  check(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** The extension's end of a paired channel: answers the phone's KK handshake, sends requests. */
class TestExtension {
  channel: SecureChannel | null = null;
  readonly received: ChannelMessage[] = [];
  readonly failures: unknown[] = [];
  readonly events = new Condition();
  private constructor(readonly socket: RelaySocket) {}

  /** `seatKey`: whose relay seat to take (a malicious relay can seat anyone: it sees join messages). */
  static async join(relayUrl: string, key: StaticKeyPair, phone: PairingDetails, phonePublicKey: Uint8Array, seatKey = key): Promise<TestExtension> {
    let self: TestExtension | null = null;
    const target = pairedRelayTarget(relayUrl, { side: 'extension', staticKey: seatKey, peerPublicKey: phonePublicKey, pairedChannelId: phone.pairedChannelId });
    const socket = await RelaySocket.connect(nodeSocket, target, {
      onFrame: (frame, relay) => {
        const ext = self!;
        try {
          if (decodeFrame(frame).kind === 'handshake-init') {
            const { reply, result } = new ReconnectResponder(key, phonePublicKey, phone.pairedChannelId).respond(frame);
            relay.send(reply);
            ext.channel = result.channel;
          } else {
            ext.received.push(ext.channel!.open(frame));
          }
        } catch (error) {
          ext.failures.push(error);
        }
        ext.events.check();
      },
    });
    self = new TestExtension(socket);
    return self;
  }

  async connected(): Promise<SecureChannel> {
    await this.events.until(() => this.channel !== null);
    return this.channel!;
  }

  send(message: ChannelMessage): void {
    this.socket.send(this.channel!.seal(message));
  }

  async reply(id: string): Promise<ChannelMessage> {
    await this.events.until(() => this.received.some((m) => idOf(m) === id));
    return this.received.find((m) => idOf(m) === id)!;
  }
}

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
    answer = (request) => new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  });
  afterEach(() => {
    session?.stop();
    session = null;
  });

  let unpaired = 0;
  function online(retry = { initialMs: 50, maxMs: 200 }, removed = false): PairedSession {
    session = new PairedSession({
      ...(removed ? { pairing: paired, removed: true as const } : { pairing: paired }),
      onUnpaired: () => {
        unpaired++;
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
  });

  it('forgets the pairing when the browser sends unpair', async () => {
    online();
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.connected();
    extension.send({ type: 'unpair' });
    await stateChanged.until(() => unpaired === 1);
    expect(session!.state).toBe('stopped');
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
  });

  it('a browser removed while unreachable is told at its next handshake', async () => {
    online(undefined, true);
    expect(session!.unpair()).toBe(false);
    const extension = await TestExtension.join(relayUrl, extensionKey, paired, phoneKey.publicKey);
    await extension.events.until(() => extension.received.length === 1);
    expect(extension.received).toEqual([{ type: 'unpair' }]);
    await stateChanged.until(() => unpaired === 1);
    expect(session!.state).toBe('stopped');
  });
});
