import { describe, expect, it } from 'vitest';
import { toB64url, utf8Encode } from '../bytes.ts';
import { encodeFrame, MAX_FRAME_BYTES, padPlaintext } from './frames.ts';
import { generateStaticKeyPair } from './keys.ts';
import { HandshakeState, type CipherState } from './noise.ts';
import { SecureChannel } from './secure-channel.ts';
import { sampleCredentialCreated, sampleGetAssertion, sampleMakeCredential, sampleMessages } from '../testing/protocol-samples.ts';

const code = (code: string) => expect.objectContaining({ name: 'ProtocolError', code });

/** A real KK session: `phone` is the initiator, `ext` the responder. */
function channels() {
  const phoneKey = generateStaticKeyPair();
  const extKey = generateStaticKeyPair();
  const initiator = new HandshakeState({ pattern: 'KK', initiator: true, s: phoneKey, rs: extKey.publicKey });
  const responder = new HandshakeState({ pattern: 'KK', initiator: false, s: extKey, rs: phoneKey.publicKey });
  responder.readMessage(initiator.writeMessage());
  initiator.readMessage(responder.writeMessage());
  // Raw access to the extension's sending cipher, to forge frames that are validly encrypted.
  const extSend: CipherState = responder.transport.send;
  return { phone: SecureChannel.fromHandshake(initiator), ext: SecureChannel.fromHandshake(responder), extSend };
}

describe('SecureChannel', () => {
  it('carries every message type both ways, in order', () => {
    const { phone, ext } = channels();
    expect(phone.handshakeHash).toEqual(ext.handshakeHash);
    for (const message of sampleMessages()) {
      expect(phone.open(ext.seal(message))).toEqual(message);
      expect(ext.open(phone.seal(message))).toEqual(message);
    }
  });

  it('emits padded transport frames whose size reveals only a 256-byte class', () => {
    const { ext } = channels();
    const small = ext.seal({ type: 'cancel', id: 'a' });
    const larger = ext.seal({ type: 'cancel', id: 'a'.repeat(64) });
    expect(small[0]).toBe(3);
    expect(small.length).toBe(1 + 256 + 16);
    expect(larger.length).toBe(small.length);
  });

  it('refuses a tampered frame with "decrypt" and is dead afterwards', () => {
    const { phone, ext } = channels();
    const frame = ext.seal(sampleMakeCredential());
    frame[40]! ^= 0x01;
    expect(() => phone.open(frame)).toThrow(code('decrypt'));
    expect(phone.isOpen).toBe(false);
    expect(() => phone.open(ext.seal(sampleGetAssertion()))).toThrow(code('closed'));
    expect(() => phone.seal(sampleCredentialCreated())).toThrow(code('closed'));
  });

  it('refuses a replayed frame', () => {
    const { phone, ext } = channels();
    const frame = ext.seal(sampleMakeCredential());
    expect(phone.open(frame).type).toBe('make-credential');
    expect(() => phone.open(frame)).toThrow(code('decrypt'));
  });

  it('refuses reordered frames, and a dropped frame delivered later', () => {
    const { phone, ext } = channels();
    const first = ext.seal(sampleMakeCredential('one'));
    const second = ext.seal(sampleMakeCredential('two'));
    expect(() => phone.open(second)).toThrow(code('decrypt'));
    expect(() => phone.open(first)).toThrow(code('closed'));

    const fresh = channels();
    const dropped = fresh.ext.seal(sampleMakeCredential('dropped'));
    const next = fresh.ext.seal(sampleMakeCredential('next'));
    expect(() => fresh.phone.open(next)).toThrow(code('decrypt'));
    expect(dropped.length).toBeGreaterThan(0);
  });

  it('refuses a frame sent in the other direction (reflected back to its sender)', () => {
    const { phone, ext } = channels();
    const frame = phone.seal(sampleCredentialCreated());
    expect(() => phone.open(frame)).toThrow(code('decrypt'));
    // The legitimate receiver still accepts it: reflection did not consume its counter.
    expect(ext.open(frame).type).toBe('credential-created');
  });

  it('refuses a frame from a different session', () => {
    const a = channels();
    const b = channels();
    expect(() => a.phone.open(b.ext.seal(sampleMakeCredential()))).toThrow(code('decrypt'));
  });

  it('refuses oversize frames with "too-large" and non-transport frames with "malformed"', () => {
    const { phone } = channels();
    expect(() => phone.open(new Uint8Array(MAX_FRAME_BYTES + 1).fill(3))).toThrow(code('too-large'));
    const other = channels();
    expect(() => other.phone.open(encodeFrame('handshake-init', new Uint8Array(48)))).toThrow(code('malformed'));
    const another = channels();
    expect(() => another.phone.seal({ type: 'cancel', id: 'a', ...{ pad: 'x'.repeat(70_000) } } as never)).toThrow(code('schema'));
  });

  it('refuses validly encrypted plaintexts with bad padding ("malformed")', () => {
    const { phone, extSend } = channels();
    const padded = padPlaintext(utf8Encode(JSON.stringify({ type: 'cancel', id: 'a' })));
    padded[padded.length - 1] = 0x55;
    expect(() => phone.open(encodeFrame('transport', extSend.encryptWithAd(new Uint8Array(0), padded)))).toThrow(code('malformed'));
  });

  it('refuses validly encrypted but schema-invalid messages ("schema")', () => {
    const forged = (value: unknown) => {
      const { phone, extSend } = channels();
      const frame = encodeFrame('transport', extSend.encryptWithAd(new Uint8Array(0), padPlaintext(utf8Encode(JSON.stringify(value)))));
      return () => phone.open(frame);
    };
    expect(forged({ type: 'make-credential', id: 'x' })).toThrow(code('schema'));
    expect(forged({ type: 'make-credential', id: 'x' })).toThrow(/make-credential/);
    expect(forged({ type: 'install-extension', id: 'x' })).toThrow(code('schema'));
    expect(forged({ ...sampleGetAssertion(), clientDataJSON: toB64url(new Uint8Array(9000)) })).toThrow(code('schema'));
  });

  it('refuses to seal an invalid message without killing the channel', () => {
    const { phone, ext } = channels();
    expect(() => ext.seal({ type: 'cancel', id: '' })).toThrow(code('schema'));
    expect(ext.isOpen).toBe(true);
    expect(phone.open(ext.seal({ type: 'cancel', id: 'ok' }))).toEqual({ type: 'cancel', id: 'ok' });
  });
});
