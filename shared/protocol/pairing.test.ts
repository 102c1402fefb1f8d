import { describe, expect, it } from 'vitest';
import { toB64url } from '../bytes.ts';
import { pairingPrologue, pairingPsk } from './derive.ts';
import { decodeFrame, encodeFrame } from './frames.ts';
import { decodeJsonPayload, encodeJsonPayload, HANDSHAKE_PAYLOAD_BYTES } from './handshake-payloads.ts';
import { ReconnectInitiator } from './reconnect.ts';
import { generateStaticKeyPair } from './keys.ts';
import { HandshakeState } from './noise.ts';
import { PairingInitiator, PairingResponder, pairingChannelId } from './pairing.ts';
import { createPairingOffer, encodePairingLink, parsePairingLink, type PairingOffer } from './qr-link.ts';
import { sampleCredentialCreated, sampleMakeCredential } from '../testing/protocol-samples.ts';

const code = (code: string) => expect.objectContaining({ name: 'ProtocolError', code });

function setup() {
  const extensionStatic = generateStaticKeyPair();
  const phoneStatic = generateStaticKeyPair();
  const shown = createPairingOffer('wss://relay.example', extensionStatic.publicKey, 300_000);
  // The phone gets the offer the way it really does: through the link.
  const offer = parsePairingLink(encodePairingLink('https://phone.example/', shown));
  return { extensionStatic, phoneStatic, offer, responder: new PairingResponder(extensionStatic, shown.secret) };
}

/** Flip one bit of a frame's body at `index` (counted from the start of the body). */
function flip(frame: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(frame);
  copy[1 + index]! ^= 0x20;
  return copy;
}

describe('pairing (Noise_IKpsk2)', () => {
  it('pairs end to end: same code and paired channel id, keys exchanged, messages flow both ways', () => {
    const { extensionStatic, phoneStatic, offer, responder } = setup();
    const initiator = new PairingInitiator(offer, phoneStatic, { name: 'Pixel 9' });
    const init = initiator.start();
    expect(decodeFrame(init).kind).toBe('handshake-init');
    const { reply, result: ext } = responder.respond(init);
    expect(decodeFrame(reply).kind).toBe('handshake-reply');
    const phone = initiator.finish(reply);

    expect(phone.confirmationCode).toMatch(/^\d{6}$/);
    expect(phone.confirmationCode).toBe(ext.confirmationCode);
    expect(phone.pairedChannelId).toBe(ext.pairedChannelId);
    expect(phone.pairedChannelId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(phone.pairedChannelId).not.toBe(pairingChannelId(offer.secret));
    expect(phone.channel.handshakeHash).toEqual(ext.channel.handshakeHash);
    expect(phone.peerPublicKey).toEqual(extensionStatic.publicKey);
    expect(ext.peerPublicKey).toEqual(phoneStatic.publicKey);
    expect(ext.peerName).toBe('Pixel 9');
    expect(phone.peerName).toBeUndefined();

    const request = sampleMakeCredential();
    expect(phone.channel.open(ext.channel.seal(request))).toEqual(request);
    const response = sampleCredentialCreated();
    expect(ext.channel.open(phone.channel.seal(response))).toEqual(response);
  });

  it('pads the phone name: the relay sees the same frame size for every name (issue 20.6)', () => {
    const sizes = new Set<number>();
    for (const name of [undefined, 'A', 'Pixel 9', 'x'.repeat(64), '\uD800'.repeat(64), '"'.repeat(64), '😀'.repeat(32)]) {
      const { phoneStatic, offer, responder } = setup();
      const init = new PairingInitiator(offer, phoneStatic, name === undefined ? {} : { name }).start();
      sizes.add(init.length);
      expect(responder.respond(init).result.peerName).toBe(name);
    }
    expect([...sizes]).toEqual([1 + 32 + 48 + HANDSHAKE_PAYLOAD_BYTES + 16]);
    // A session handshake that carries a name is padded the same way.
    const { extensionStatic, phoneStatic } = setup();
    const kkSizes = ['A', 'x'.repeat(64)].map((name) => new ReconnectInitiator(phoneStatic, extensionStatic.publicKey, 'channel', { name }).start().length);
    expect(kkSizes[0]).toBe(kkSizes[1]);
  });

  it('refuses a handshake payload that is not padded exactly', () => {
    const json = new TextEncoder().encode('{"name":"x"}');
    expect(() => decodeJsonPayload(json, 'payload')).toThrow(code('malformed'));
    const padded = encodeJsonPayload({ name: 'x' });
    expect(decodeJsonPayload(padded, 'payload')).toEqual({ name: 'x' });
    const dirty = Uint8Array.from(padded);
    dirty[HANDSHAKE_PAYLOAD_BYTES - 1] = 1;
    expect(() => decodeJsonPayload(dirty, 'payload')).toThrow(code('malformed'));
    const lying = Uint8Array.from(padded);
    new DataView(lying.buffer).setUint32(0, HANDSHAKE_PAYLOAD_BYTES, false);
    expect(() => decodeJsonPayload(lying, 'payload')).toThrow(code('malformed'));
  });

  it('leaves the device name optional', () => {
    const { phoneStatic, offer, responder } = setup();
    const initiator = new PairingInitiator(offer, phoneStatic);
    const { reply, result } = responder.respond(initiator.start());
    expect(result.peerName).toBeUndefined();
    expect(initiator.finish(reply).confirmationCode).toBe(result.confirmationCode);
  });

  it('gives different pairings different codes and channel ids', () => {
    const a = setup();
    const b = setup();
    const ia = new PairingInitiator(a.offer, a.phoneStatic);
    const ib = new PairingInitiator(b.offer, b.phoneStatic);
    const ra = ia.finish(a.responder.respond(ia.start()).reply);
    const rb = ib.finish(b.responder.respond(ib.start()).reply);
    expect(ra.pairedChannelId).not.toBe(rb.pairedChannelId);
  });

  it('refuses a phone with the wrong secret', () => {
    const { phoneStatic, offer, responder } = setup();
    const wrong: PairingOffer = { ...offer, secret: createPairingOffer(offer.relayUrl, offer.extensionPublicKey, 1000).secret };
    expect(() => responder.respond(new PairingInitiator(wrong, phoneStatic).start())).toThrow(code('handshake'));
  });

  it('refuses an initiator that knows the channel id and extension key but not the secret (no proof)', () => {
    // The relay sees the pairing channel id; an old QR code may have leaked the extension key.
    // Without the proof the extension must not answer, even though IKpsk2 alone would let it.
    const { offer, responder } = setup();
    const attacker = new HandshakeState({
      pattern: 'IKpsk2',
      initiator: true,
      prologue: pairingPrologue(pairingChannelId(offer.secret)),
      s: generateStaticKeyPair(),
      rs: offer.extensionPublicKey,
      psks: [new Uint8Array(32).fill(7)],
    });
    const init = encodeFrame('handshake-init', attacker.writeMessage(encodeJsonPayload({ proof: toB64url(new Uint8Array(32)) })));
    expect(() => responder.respond(init)).toThrow(code('handshake'));
    expect(() => responder.respond(init)).toThrow(/secret/);
  });

  it('makes the phone refuse a reply made without the right PSK', () => {
    // A responder with the extension's key and the channel id, but a wrong PSK (and no proof check).
    const { extensionStatic, phoneStatic, offer } = setup();
    const impostor = new HandshakeState({
      pattern: 'IKpsk2',
      initiator: false,
      prologue: pairingPrologue(pairingChannelId(offer.secret)),
      s: extensionStatic,
      psks: [pairingPsk(new Uint8Array(32).fill(9))],
    });
    const initiator = new PairingInitiator(offer, phoneStatic);
    impostor.readMessage(decodeFrame(initiator.start()).body);
    const reply = encodeFrame('handshake-reply', impostor.writeMessage(new Uint8Array(0)));
    expect(() => initiator.finish(reply)).toThrow(code('handshake'));
  });

  it('refuses a QR code carrying the wrong extension key', () => {
    const { phoneStatic, offer, responder } = setup();
    const swapped: PairingOffer = { ...offer, extensionPublicKey: generateStaticKeyPair().publicKey };
    expect(() => responder.respond(new PairingInitiator(swapped, phoneStatic).start())).toThrow(code('handshake'));
  });

  it('refuses a responder holding a different extension key, even with the right secret', () => {
    const { phoneStatic, offer } = setup();
    const impostor = new PairingResponder(generateStaticKeyPair(), offer.secret);
    expect(() => impostor.respond(new PairingInitiator(offer, phoneStatic).start())).toThrow(code('handshake'));
  });

  it('refuses a tampered init anywhere in it, and stays usable for the real one', () => {
    const { phoneStatic, offer, responder } = setup();
    const initiator = new PairingInitiator(offer, phoneStatic, { name: 'Phone' });
    const init = initiator.start();
    const bodyLength = init.length - 1;
    // ephemeral key, encrypted static key, its tag, encrypted payload, final tag
    for (const index of [0, 31, 32, 63, 64, 79, 80, bodyLength - 1]) {
      expect(() => responder.respond(flip(init, index)), `byte ${index}`).toThrow(code('handshake'));
    }
    expect(() => responder.respond(init.subarray(0, 60))).toThrow(code('handshake'));
    expect(() => responder.respond(encodeFrame('handshake-reply', init.subarray(1)))).toThrow(code('handshake'));
    const { reply } = responder.respond(init);
    expect(initiator.finish(reply).confirmationCode).toMatch(/^\d{6}$/);
  });

  it('makes the phone refuse a tampered reply', () => {
    for (const index of [0, 31, 32, 47]) {
      const { phoneStatic, offer, responder } = setup();
      const initiator = new PairingInitiator(offer, phoneStatic);
      const { reply } = responder.respond(initiator.start());
      expect(reply.length).toBe(1 + 32 + 16);
      expect(() => initiator.finish(flip(reply, index)), `byte ${index}`).toThrow(code('handshake'));
    }
  });

  it('uses the secret once: a second handshake after success is refused', () => {
    const { phoneStatic, offer, responder } = setup();
    responder.respond(new PairingInitiator(offer, phoneStatic).start());
    expect(() => responder.respond(new PairingInitiator(offer, generateStaticKeyPair()).start())).toThrow(/already used/);
  });

  it('refuses after the offer expired when given the expiry', () => {
    const { extensionStatic, phoneStatic, offer } = setup();
    let now = offer.expiresAt - 1;
    const responder = new PairingResponder(extensionStatic, offer.secret, { expiresAt: offer.expiresAt, now: () => now });
    const init = new PairingInitiator(offer, phoneStatic).start();
    now = offer.expiresAt;
    expect(() => responder.respond(init)).toThrow(code('expired'));
  });

  it('enforces start-then-finish once on the phone side', () => {
    const { phoneStatic, offer, responder } = setup();
    const initiator = new PairingInitiator(offer, phoneStatic);
    expect(() => initiator.finish(new Uint8Array([2, 0]))).toThrow(code('handshake'));
    const init = initiator.start();
    expect(() => initiator.start()).toThrow(code('handshake'));
    const { reply } = responder.respond(init);
    initiator.finish(reply);
    expect(() => initiator.finish(reply)).toThrow(code('handshake'));
  });

  it('validates the device label', () => {
    const { phoneStatic, offer } = setup();
    expect(() => new PairingInitiator(offer, phoneStatic, { name: 'bad\nname' })).toThrow(code('schema'));
    expect(() => new PairingInitiator(offer, phoneStatic, { name: 'x'.repeat(65) })).toThrow(code('schema'));
    expect(() => new PairingInitiator(offer, phoneStatic, { name: '' })).toThrow(code('schema'));
  });

  it('is deterministic given injected ephemerals', () => {
    const { extensionStatic, phoneStatic, offer } = setup();
    const phoneEphemeral = generateStaticKeyPair();
    const extEphemeral = generateStaticKeyPair();
    const run = () => {
      const initiator = new PairingInitiator(offer, phoneStatic, { ephemeral: phoneEphemeral });
      const init = initiator.start();
      const { reply } = new PairingResponder(extensionStatic, offer.secret, { ephemeral: extEphemeral }).respond(init);
      return { init: toB64url(init), reply: toB64url(reply), code: initiator.finish(reply).confirmationCode };
    };
    expect(run()).toEqual(run());
  });
});
