import { describe, expect, it } from 'vitest';
import { generateStaticKeyPair } from './keys.ts';
import { decodeFrame } from './frames.ts';
import { PairingInitiator, PairingResponder } from './pairing.ts';
import { createPairingOffer } from './qr-link.ts';
import { ReconnectInitiator, ReconnectResponder, STRAY_REPLIES } from './reconnect.ts';
import { sampleCredentialCreated, sampleGetAssertion, sampleMakeCredential } from '../testing/protocol-samples.ts';

const code = (code: string) => expect.objectContaining({ name: 'ProtocolError', code });

/** A completed pairing: what each side stored. */
function paired() {
  const extensionStatic = generateStaticKeyPair();
  const phoneStatic = generateStaticKeyPair();
  const offer = createPairingOffer('wss://relay.example', extensionStatic.publicKey, 60_000);
  const initiator = new PairingInitiator(offer, phoneStatic);
  const { reply } = new PairingResponder(extensionStatic, offer.secret).respond(initiator.start());
  const { pairedChannelId } = initiator.finish(reply);
  return { extensionStatic, phoneStatic, pairedChannelId };
}

type Pairing = ReturnType<typeof paired>;

function session(p: Pairing, options: { name?: string } = {}) {
  const initiator = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId, options);
  const init = initiator.start();
  const { reply, result: ext } = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(init);
  const phone = initiator.finish(reply);
  return { init, reply, phone, ext };
}

describe('reconnect (Noise_KK)', () => {
  it('opens a session between the stored keys; messages flow both ways', () => {
    const p = paired();
    const { init, phone, ext } = session(p);
    expect(decodeFrame(init).kind).toBe('handshake-init');
    expect(phone.peerPublicKey).toEqual(p.extensionStatic.publicKey);
    expect(ext.peerPublicKey).toEqual(p.phoneStatic.publicKey);
    expect(phone.pairedChannelId).toBe(p.pairedChannelId);
    expect(ext.pairedChannelId).toBe(p.pairedChannelId);
    expect(phone.confirmationCode).toBe(ext.confirmationCode);
    expect(phone.channel.handshakeHash).toEqual(ext.channel.handshakeHash);

    const request = sampleGetAssertion();
    expect(phone.channel.open(ext.channel.seal(request))).toEqual(request);
    const response = sampleCredentialCreated();
    expect(ext.channel.open(phone.channel.seal(response))).toEqual(response);
  });

  it('carries the optional device label', () => {
    const p = paired();
    expect(session(p, { name: 'Work phone' }).ext.peerName).toBe('Work phone');
    expect(session(p).ext.peerName).toBeUndefined();
  });

  it('uses fresh keys every session', () => {
    const p = paired();
    const one = session(p);
    const two = session(p);
    expect(one.phone.channel.handshakeHash).not.toEqual(two.phone.channel.handshakeHash);
    // Same message, same counter (0), same direction: different ciphertext means different keys.
    const message = sampleMakeCredential();
    const a = one.ext.channel.seal(message);
    const b = two.ext.channel.seal(message);
    expect(a).not.toEqual(b);
    expect(() => two.phone.channel.open(a)).toThrow(code('decrypt'));
  });

  it('refuses a phone whose key is not the stored one', () => {
    const p = paired();
    const stranger = generateStaticKeyPair();
    const init = new ReconnectInitiator(stranger, p.extensionStatic.publicKey, p.pairedChannelId).start();
    const responder = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId);
    expect(() => responder.respond(init)).toThrow(code('handshake'));
  });

  it('refuses when the phone holds a different extension key or channel id', () => {
    const p = paired();
    const responder = () => new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId);
    const otherKey = new ReconnectInitiator(p.phoneStatic, generateStaticKeyPair().publicKey, p.pairedChannelId).start();
    expect(() => responder().respond(otherKey)).toThrow(code('handshake'));
    const otherChannel = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, paired().pairedChannelId).start();
    expect(() => responder().respond(otherChannel)).toThrow(code('handshake'));
  });

  it('makes the phone refuse a reply from anyone but the paired extension', () => {
    const p = paired();
    const initiator = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId);
    initiator.start();
    // A reply from a real KK session of a different pairing.
    const other = session(paired());
    expect(() => initiator.finish(other.reply)).toThrow(code('handshake'));
  });

  it('stays open for its own reply after a reply to an earlier handshake (a replaced connection), a bounded number of times', () => {
    const p = paired();
    // The phone's handshake on a connection it has since replaced, and the extension's late answer.
    const earlier = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId).start();
    const lateReply = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(earlier).reply;
    const initiator = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId, { name: 'Phone' });
    const init = initiator.start();
    expect(initiator.awaitingReply).toBe(false);
    expect(() => initiator.finish(lateReply)).toThrow(code('handshake'));
    expect(initiator.awaitingReply).toBe(true);
    const { reply, result: ext } = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(init);
    const phone = initiator.finish(reply);
    expect(ext.peerName).toBe('Phone');
    expect(ext.channel.open(phone.channel.seal(sampleCredentialCreated('r1')))).toMatchObject({ id: 'r1' });
    expect(initiator.awaitingReply).toBe(false);
    expect(() => initiator.finish(reply)).toThrow(code('handshake'));

    // Only STRAY_REPLIES of them: one more and this handshake is over, even for its own reply.
    const bounded = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId);
    const own = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(bounded.start()).reply;
    for (let i = 0; i <= STRAY_REPLIES; i++) expect(() => bounded.finish(lateReply)).toThrow(code('handshake'));
    expect(bounded.awaitingReply).toBe(false);
    expect(() => bounded.finish(own)).toThrow(code('handshake'));
  });

  it('refuses tampered handshake messages', () => {
    const p = paired();
    const initiator = new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId);
    const init = initiator.start();
    for (const index of [1, 32, init.length - 1]) {
      const bad = Uint8Array.from(init);
      bad[index]! ^= 1;
      expect(() => new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(bad)).toThrow(code('handshake'));
    }
    const { reply } = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(init);
    const badReply = Uint8Array.from(reply);
    badReply[40]! ^= 1;
    expect(() => initiator.finish(badReply)).toThrow(code('handshake'));
  });

  it('gives a replayed handshake-init a session the attacker cannot use', () => {
    const p = paired();
    // Session 1, recorded by the relay: the phone's init and its first encrypted answer.
    const first = session(p);
    const recordedAnswer = first.phone.channel.seal(sampleCredentialCreated('req-1'));

    // Later the attacker replays the old init. KK cannot tell a replay from a fresh init, so the
    // extension answers — but with a fresh ephemeral key, so the session keys are new.
    const replayed = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(first.init).result;
    expect(replayed.channel.handshakeHash).not.toEqual(first.ext.channel.handshakeHash);

    // The recorded frame from the old session does not open in the replayed one…
    expect(() => replayed.channel.open(recordedAnswer)).toThrow(code('decrypt'));
    // …nor does a new frame from the real phone in its current session.
    const live = session(p);
    const replayedAgain = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId).respond(first.init).result;
    const liveFrame = live.phone.channel.seal(sampleCredentialCreated('req-2'));
    expect(() => replayedAgain.channel.open(liveFrame)).toThrow(code('decrypt'));
    // The real session is unaffected: the same frame opens where it belongs.
    expect(live.ext.channel.open(liveFrame)).toMatchObject({ id: 'req-2' });
  });

  it('answers one handshake per responder and validates its inputs', () => {
    const p = paired();
    const responder = new ReconnectResponder(p.extensionStatic, p.phoneStatic.publicKey, p.pairedChannelId);
    responder.respond(new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId).start());
    expect(() => responder.respond(new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, p.pairedChannelId).start())).toThrow(
      code('handshake'),
    );
    expect(() => new ReconnectResponder(p.extensionStatic, new Uint8Array(3), p.pairedChannelId)).toThrow(code('malformed'));
    expect(() => new ReconnectInitiator(p.phoneStatic, p.extensionStatic.publicKey, 'not/base64url')).toThrow(code('malformed'));
  });
});
