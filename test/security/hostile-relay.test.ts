// A hostile relay: the real relay behind a man-in-the-middle that drops, duplicates, reorders,
// delays, tampers with, reflects and replays frames, replays an old handshake and substitutes
// keys during pairing. Every attack must be detected, no request answered twice, and nothing the
// relay sees may contain the request in clear (checked after every test).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toB64url, utf8Encode } from '../../shared/bytes.ts';
import {
  generateStaticKeyPair,
  PairingInitiator,
  PairingResponder,
  pairedSeat,
  parsePairingLink,
  ReconnectInitiator,
  type GetAssertionMessage,
} from '../../shared/protocol/index.ts';
import {
  ExtensionEndpoint,
  PairingOfferEndpoint,
  PhoneEndpoint,
  pairPhone,
  type Detection,
} from './support/endpoints.ts';
import { MitmRelay, type CapturedFrame } from './support/mitm-relay.ts';
import { findLeaks } from './support/plaintext-scan.ts';
import { startRelay, type RunningRelay } from './support/relay-server.ts';
import { until } from './support/until.ts';

// What a request carries that the relay must never read.
const SECRET_ORIGIN = 'https://secret-origin.example';
const SECRET_RP_ID = 'secret-rp.example';
const SECRET_CREDENTIAL_ID = utf8Encode('secret-credential-id');
const SECRET_CHALLENGE = utf8Encode('secret-challenge-bytes');

function request(id: string): GetAssertionMessage {
  const clientData = `{"type":"webauthn.get","challenge":"${toB64url(SECRET_CHALLENGE)}","origin":"${SECRET_ORIGIN}","crossOrigin":false}`;
  return {
    type: 'get-assertion',
    id,
    timeout: 60_000,
    clientDataJSON: toB64url(utf8Encode(clientData)),
    rpId: SECRET_RP_ID,
    allowCredentials: [{ type: 'public-key', id: toB64url(SECRET_CREDENTIAL_ID) }],
    userVerification: 'preferred',
  };
}

let relay: RunningRelay;
let proxy: MitmRelay;
const opened: { stop(): void }[] = [];

beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay.close();
});
beforeEach(async () => {
  proxy = await MitmRelay.start(relay.url);
});
afterEach(async () => {
  for (const endpoint of opened.splice(0)) endpoint.stop();
  await proxy.close();
  const leaks = findLeaks(
    proxy.frames.map((f) => f.data),
    [SECRET_ORIGIN, SECRET_RP_ID, SECRET_CREDENTIAL_ID, SECRET_CHALLENGE, 'webauthn.get', 'get-assertion', 'Test phone'],
  );
  expect(leaks, 'the relay saw plaintext').toEqual([]);
});

interface Linked {
  extension: ExtensionEndpoint;
  phone: PhoneEndpoint;
  /**
   * The paired channel's name on the relay (what the proxy sees in the URL): session traffic, as
   * opposed to the pairing channel. Derived from the pairing, not the pairing's local id.
   */
  relayChannel: string;
}

/** Pair through the proxy, then bring both ends online on the paired channel. */
async function linkUp(): Promise<Linked> {
  const offer = await PairingOfferEndpoint.open(proxy.url('ext'));
  const phonePairing = await pairPhone(offer.link, { relayUrl: proxy.url('phone') });
  const extensionPairing = await offer.paired();
  const phone = new PhoneEndpoint(proxy.url('phone'), phonePairing);
  const extension = new ExtensionEndpoint(proxy.url('ext'), extensionPairing);
  opened.push(phone, { stop: () => extension.close() });
  await phone.connect();
  await extension.connect();
  await until(() => extension.hasChannel && phone.hasChannel, 'the first session');
  const { extensionStatic, phonePublicKey, pairedChannelId } = extensionPairing;
  const relayChannel = pairedSeat({ side: 'extension', staticKey: extensionStatic, peerPublicKey: phonePublicKey, pairedChannelId }).channel;
  return { extension, phone, relayChannel };
}

const isTransport = (f: CapturedFrame) => f.binary && f.data[0] === 0x03;
const isInit = (f: CapturedFrame) => f.binary && f.data[0] === 0x01;
const sent = (label: 'ext' | 'phone', channelId: string, kind: (f: CapturedFrame) => boolean) => (f: CapturedFrame) =>
  f.connection.label === label && f.direction === 'to-relay' && f.connection.channelId === channelId && kind(f);

/** Rewrites the first frame that matches, forwards every other one untouched. */
function onFirst(match: (f: CapturedFrame) => boolean, rewrite: (f: CapturedFrame) => Buffer[] | 'hold'): void {
  let done = false;
  proxy.interceptor = (frame) => {
    if (done || !match(frame)) return [frame.data];
    done = true;
    return rewrite(frame);
  };
}

function codes(detections: Detection[]): string[] {
  return detections.map((d) => d.code);
}

function expectAnsweredAtMostOnce(link: Linked): void {
  for (const [id, count] of link.phone.answered) expect(count, `phone answers to ${id}`).toBe(1);
  for (const [id, count] of link.extension.replies) expect(count, `replies accepted for ${id}`).toBe(1);
}

/**
 * After an attack, requests work again: a phone that refused a frame hung up and comes back with
 * a fresh handshake by itself; an extension that refused one reconnects on its next request.
 */
async function expectRecovery(link: Linked, id: string): Promise<void> {
  proxy.interceptor = (frame) => [frame.data];
  const { phone, extension } = link;
  if (phone.detections.length > 0 && extension.isConnected) {
    await until(() => phone.sessions > phone.sessionsAtLastDetection && phone.hasChannel && extension.hasChannel, 'the phone to come back');
  }
  const reply = await link.extension.ask(request(id));
  expect(reply).toMatchObject({ type: 'assertion', id });
  expectAnsweredAtMostOnce(link);
}

function flipLastByte(data: Buffer): Buffer {
  const copy = Buffer.from(data);
  copy[copy.length - 1] = copy[copy.length - 1]! ^ 0x01;
  return copy;
}

describe('hostile relay: transport frames', () => {
  it('a dropped request is never answered, and the next frame exposes the gap', async () => {
    const link = await linkUp();
    onFirst(sent('ext', link.relayChannel, isTransport), () => []);
    const first = link.extension.ask(request('r1'));
    const second = link.extension.ask(request('r2'));
    await expect(first).rejects.toThrow(/phone disconnected|relay connection closed/);
    await expect(second).rejects.toThrow();
    expect(codes(link.phone.detections)).toEqual(['decrypt']);
    expect(link.phone.answered.size).toBe(0);
    await expectRecovery(link, 'r3');
  });

  it('a duplicated request is answered once; the copy is refused', async () => {
    const link = await linkUp();
    onFirst(sent('ext', link.relayChannel, isTransport), (f) => [f.data, f.data]);
    await link.extension.ask(request('r1')).catch(() => undefined);
    await until(() => link.phone.detections.length > 0, 'the phone to refuse the copy');
    expect(codes(link.phone.detections)).toEqual(['decrypt']);
    expect(link.phone.answered.get('r1')).toBe(1);
    await expectRecovery(link, 'r2');
  });

  it('a duplicated reply is accepted once; the copy is refused', async () => {
    const link = await linkUp();
    onFirst(sent('phone', link.relayChannel, isTransport), (f) => [f.data, f.data]);
    await expect(link.extension.ask(request('r1'))).resolves.toMatchObject({ id: 'r1' });
    await until(() => link.extension.detections.length > 0, 'the extension to refuse the copy');
    expect(codes(link.extension.detections)).toEqual(['decrypt']);
    expect(link.extension.replies.get('r1')).toBe(1);
    await expectRecovery(link, 'r2');
  });

  it('reordered requests are refused and neither is answered', async () => {
    const link = await linkUp();
    let held: Buffer | null = null;
    proxy.interceptor = (frame) => {
      if (!sent('ext', link.relayChannel, isTransport)(frame)) return [frame.data];
      if (held === null) {
        held = frame.data;
        return [];
      }
      const swapped = [frame.data, held];
      proxy.interceptor = (f) => [f.data];
      return swapped;
    };
    const first = link.extension.ask(request('r1'));
    const second = link.extension.ask(request('r2'));
    await expect(first).rejects.toThrow();
    await expect(second).rejects.toThrow();
    expect(codes(link.phone.detections)).toEqual(['decrypt']);
    expect(link.phone.answered.size).toBe(0);
    await expectRecovery(link, 'r3');
  });

  it('a delayed request arrives intact and is answered once', async () => {
    const link = await linkUp();
    onFirst(sent('ext', link.relayChannel, isTransport), () => 'hold');
    const reply = link.extension.ask(request('r1'));
    const held = await until(() => proxy.held[0], 'the request to be held');
    expect(link.phone.answered.size).toBe(0);
    held.release();
    await expect(reply).resolves.toMatchObject({ id: 'r1' });
    expect(link.phone.detections).toEqual([]);
    expectAnsweredAtMostOnce(link);
  });

  it('a reply held past the deadline fails the request once and is not delivered late', async () => {
    const link = await linkUp();
    onFirst(sent('phone', link.relayChannel, isTransport), () => 'hold');
    await expect(link.extension.ask(request('r1'), 300)).rejects.toThrow(/timed out/);
    proxy.held[0]!.release();
    await until(() => link.extension.replies.get('r1') === 1, 'the late reply to arrive');
    // It decrypts (it is genuine and in order) but nobody is waiting for it any more.
    expectAnsweredAtMostOnce(link);
    await expectRecovery(link, 'r2');
  });

  const tampering: [string, (data: Buffer) => Buffer, string[]][] = [
    ['one bit of ciphertext flipped', flipLastByte, ['decrypt']],
    ['truncated', (data) => data.subarray(0, data.length - 1), ['decrypt']],
    ['extended by a byte', (data) => Buffer.concat([data, Buffer.of(0)]), ['decrypt']],
    ['relabelled as a handshake reply', (data) => Buffer.concat([Buffer.of(0x02), data.subarray(1)]), ['malformed']],
    ['emptied', () => Buffer.alloc(0), ['malformed']],
  ];
  for (const [what, tamper, expected] of tampering) {
    it(`a request ${what} is refused and never answered`, async () => {
      const link = await linkUp();
      onFirst(sent('ext', link.relayChannel, isTransport), (f) => [tamper(f.data)]);
      await expect(link.extension.ask(request('r1'))).rejects.toThrow();
      expect(codes(link.phone.detections)).toEqual(expected);
      expect(link.phone.answered.size).toBe(0);
      await expectRecovery(link, 'r2');
    });

    it(`a reply ${what} is refused and never accepted`, async () => {
      const link = await linkUp();
      onFirst(sent('phone', link.relayChannel, isTransport), (f) => [tamper(f.data)]);
      await expect(link.extension.ask(request('r1'))).rejects.toThrow(/channel to the phone failed/);
      expect(codes(link.extension.detections)).toEqual(expected);
      expect(link.extension.replies.size).toBe(0);
      await expectRecovery(link, 'r2');
    });
  }

  it('an oversize frame from the relay is refused', async () => {
    const link = await linkUp();
    const extConnection = proxy.connections.find((c) => c.label === 'ext' && c.channelId === link.relayChannel)!;
    extConnection.send('to-client', Buffer.concat([Buffer.of(0x03), Buffer.alloc(70_000, 7)]));
    await until(() => link.extension.detections.length > 0, 'the extension to refuse the frame');
    expect(codes(link.extension.detections)).toEqual(['too-large']);
    await expectRecovery(link, 'r1');
  });

  it('a request reflected back to the extension is refused', async () => {
    const link = await linkUp();
    onFirst(sent('ext', link.relayChannel, isTransport), (f) => {
      f.connection.send('to-client', f.data);
      return [];
    });
    await expect(link.extension.ask(request('r1'))).rejects.toThrow(/channel to the phone failed/);
    expect(codes(link.extension.detections)).toEqual(['decrypt']);
    expect(link.phone.answered.size).toBe(0);
    await expectRecovery(link, 'r2');
  });
});

describe('hostile relay: replays', () => {
  it('a request replayed later in the same session is refused, not answered again', async () => {
    const link = await linkUp();
    const from = proxy.nextSeq;
    await link.extension.ask(request('r1'));
    const original = await proxy.nextFrame(sent('ext', link.relayChannel, isTransport), from, 'the request frame');
    original.connection.send('to-relay', original.data);
    await until(() => link.phone.detections.length > 0, 'the phone to refuse the replay');
    expect(codes(link.phone.detections)).toEqual(['decrypt']);
    expect(link.phone.answered.get('r1')).toBe(1);
    await expectRecovery(link, 'r2');
  });

  it('frames of an old session are refused in a new one, in both directions', async () => {
    const link = await linkUp();
    const from = proxy.nextSeq;
    await link.extension.ask(request('r1'));
    const oldRequest = await proxy.nextFrame(sent('ext', link.relayChannel, isTransport), from, 'the request');
    const oldReply = await proxy.nextFrame(sent('phone', link.relayChannel, isTransport), from, 'the reply');

    // The phone's connection drops; it comes back and runs a fresh handshake.
    const sessionsBefore = link.phone.sessions;
    proxy.connections.find((c) => c.label === 'phone' && c.channelId === link.relayChannel && c.client.readyState === 1)!.kill();
    await until(() => link.phone.sessions > sessionsBefore && link.extension.hasChannel, 'a new session');

    const phoneSide = proxy.connections.filter((c) => c.label === 'phone' && c.channelId === link.relayChannel).at(-1)!;
    phoneSide.send('to-client', oldRequest.data);
    await until(() => link.phone.detections.length > 0, 'the phone to refuse the old request');
    expect(codes(link.phone.detections)).toEqual(['decrypt']);
    expect(link.phone.answered.get('r1')).toBe(1);

    await until(() => link.phone.hasChannel && link.extension.hasChannel, 'the session after that');
    const extSide = proxy.connections.filter((c) => c.label === 'ext' && c.channelId === link.relayChannel).at(-1)!;
    extSide.send('to-client', oldReply.data);
    await until(() => link.extension.detections.length > 0, 'the extension to refuse the old reply');
    expect(codes(link.extension.detections)).toEqual(['decrypt']);
    expect(link.extension.replies.get('r1')).toBe(1);
    await expectRecovery(link, 'r2');
  });

  it('a replayed handshake gets a fresh answer the relay cannot use', async () => {
    const link = await linkUp();
    const isReply = (f: CapturedFrame) => f.binary && f.data[0] === 0x02;
    const oldInit = proxy.frames.find(sent('phone', link.relayChannel, isInit))!;
    const oldAnswer = proxy.frames.find(sent('ext', link.relayChannel, isReply))!;
    const from = proxy.nextSeq;
    await link.extension.ask(request('r1'));
    const oldReply = await proxy.nextFrame(sent('phone', link.relayChannel, isTransport), from, 'the reply');

    // The relay replays the phone's first handshake message to the extension (and keeps the
    // answer from the phone, so only the relay could use the new session)…
    proxy.interceptor = (frame) => (sent('ext', link.relayChannel, isReply)(frame) ? [] : [frame.data]);
    const extSide = proxy.connections.find((c) => c.label === 'ext' && c.channelId === link.relayChannel)!;
    const answered = link.extension.handshakes;
    extSide.send('to-client', oldInit.data);
    await until(() => link.extension.handshakes > answered, 'the extension to answer the replay');
    const freshAnswer = await proxy.nextFrame(sent('ext', link.relayChannel, isReply), from, 'its answer');
    expect(freshAnswer.data.equals(oldAnswer.data)).toBe(false);

    // …but cannot speak in it: frames it has seen do not decrypt there.
    extSide.send('to-client', oldReply.data);
    await until(() => link.extension.detections.length > 0, 'the extension to refuse the frame');
    expect(codes(link.extension.detections)).toEqual(['decrypt']);
    expect(link.extension.replies.get('r1')).toBe(1);
    await expectRecovery(link, 'r2');
  });
});

describe('hostile relay: key substitution', () => {
  it('pairing: a message 1 from another key without the QR secret is refused; the real phone still pairs', async () => {
    const offer = await PairingOfferEndpoint.open(proxy.url('ext'));
    const real = parsePairingLink(offer.link);
    // The relay knows the channel and (say) the extension's public key, not the secret.
    const forged = new PairingInitiator({ ...real, secret: new Uint8Array(32).fill(1) }, generateStaticKeyPair()).start();
    let original: Buffer | null = null;
    proxy.interceptor = (frame) => {
      if (original === null && frame.connection.label === 'phone' && isInit(frame)) {
        original = frame.data;
        return [Buffer.from(forged)];
      }
      return [frame.data];
    };
    const phoneStatic = generateStaticKeyPair();
    const phone = pairPhone(offer.link, { relayUrl: proxy.url('phone'), phoneStatic });
    await until(() => offer.failures.length > 0, 'the extension to refuse the forged message');
    expect(codes(offer.failures)).toEqual(['handshake']);
    expect(offer.result).toBeNull();

    const phoneConnection = proxy.connections.find((c) => c.label === 'phone')!;
    phoneConnection.send('to-relay', original!);
    const phonePairing = await phone;
    const extensionPairing = await offer.paired();
    expect(toB64url(extensionPairing.phonePublicKey)).toBe(toB64url(phoneStatic.publicKey));
    expect(extensionPairing.confirmationCode).toBe(phonePairing.confirmationCode);
  });

  it('pairing: a reply from anyone but the extension is refused by the phone, even one who knows the secret', async () => {
    const offer = await PairingOfferEndpoint.open(proxy.url('ext'));
    const real = parsePairingLink(offer.link);
    // The strongest relay: it also photographed the QR code, and answers with its own key.
    const attacker = generateStaticKeyPair();
    const attackerInit = new PairingInitiator({ ...real, extensionPublicKey: attacker.publicKey }, generateStaticKeyPair()).start();
    const attackerReply = new PairingResponder(attacker, real.secret).respond(attackerInit).reply;
    proxy.interceptor = (frame) => (frame.connection.label === 'ext' && frame.binary && frame.data[0] === 0x02 ? [Buffer.from(attackerReply)] : [frame.data]);
    await expect(pairPhone(offer.link, { relayUrl: proxy.url('phone') })).rejects.toMatchObject({ code: 'handshake' });
    offer.close();
  });

  it('pairing: whoever photographed the QR code can pair first, but never ends up between the real phone and the extension', async () => {
    const offer = await PairingOfferEndpoint.open(proxy.url('ext'), { keepListening: true });
    const thief = await pairPhone(offer.link, { relayUrl: proxy.url('thief') });
    const extensionPairing = await offer.paired();
    // The extension paired the thief: the documented limit. Its code is the thief's…
    expect(extensionPairing.confirmationCode).toBe(thief.confirmationCode);
    // …and the real phone, arriving second, is refused, so it never shows a code at all.
    const realPhone = pairPhone(offer.link, { relayUrl: proxy.url('phone') });
    await until(() => offer.failures.length > 0, 'the extension to refuse the real phone');
    expect(offer.failures[0]!.message).toMatch(/already used/);
    // The phone app would wait for an answer until the code expires; here its connection ends.
    proxy.connections.find((c) => c.label === 'phone')!.kill();
    await expect(realPhone).rejects.toThrow(/closed the pairing channel/);
    offer.close();
  });

  it('session: a handshake from a key the extension did not pair is refused', async () => {
    const link = await linkUp();
    // Make the phone start over, and swap its handshake for one made with the relay's own key.
    const impostor = new ReconnectInitiator(generateStaticKeyPair(), link.extension.pairing.extensionStatic.publicKey, link.extension.pairing.pairedChannelId).start();
    onFirst(sent('phone', link.relayChannel, isInit), () => [Buffer.from(impostor)]);
    const handshakes = link.extension.handshakes;
    proxy.connections.find((c) => c.label === 'phone' && c.channelId === link.relayChannel && c.client.readyState === 1)!.kill();
    await until(() => link.extension.detections.length > 0, 'the extension to refuse the impostor');
    expect(codes(link.extension.detections)).toEqual(['handshake']);
    expect(link.extension.handshakes).toBe(handshakes);
    expect(link.extension.hasChannel).toBe(false);
    // The extension hung up; its next request brings the real phone back through a fresh handshake.
    await expectRecovery(link, 'r1');
  });
});

describe('hostile relay: control messages', () => {
  it('garbage control text is ignored, and a spurious peer count only restarts the session', async () => {
    const link = await linkUp();
    for (const connection of proxy.connections.filter((c) => c.channelId === link.relayChannel && c.client.readyState === 1)) {
      for (const text of ['', 'null', '{"type":"peers","count":-1}', '{"type":"peers","count":"2"}', '{"type":"dropped"}', '\u0000'.repeat(10)]) {
        connection.send('to-client', Buffer.from(text), false);
      }
    }
    const phoneSide = proxy.connections.find((c) => c.label === 'phone' && c.channelId === link.relayChannel && c.client.readyState === 1)!;
    const { sessions } = link.phone;
    const { handshakes } = link.extension;
    phoneSide.send('to-client', Buffer.from('{"type":"peers","count":2}'), false);
    await until(() => link.phone.sessions === sessions + 1 && link.extension.handshakes === handshakes + 1, 'the restarted session');
    expect(link.phone.detections).toEqual([]);
    expect(link.extension.detections).toEqual([]);
    await expectRecovery(link, 'r1');
  });
});
