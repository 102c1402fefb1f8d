import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.ts';
import { generateStaticKeyPair, staticKeyPairFromPrivate } from './keys.ts';
import { CipherState, HandshakeState, resolvePattern, SymmetricState } from './noise.ts';
import fixture from './vectors/noise-vectors.json' with { type: 'json' };

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_psks?: string[];
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_psks?: string[];
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const vectors = fixture.vectors as Vector[];
const keyPair = (hex: string | undefined) => (hex === undefined ? undefined : staticKeyPairFromPrivate(hexToBytes(hex)));
const bytes = (hex: string | undefined) => (hex === undefined ? undefined : hexToBytes(hex));

describe('Noise test vectors (cacophony, via snow)', () => {
  it('covers the two protocols Pairkey runs', () => {
    const names = vectors.map((v) => v.protocol_name);
    expect(names).toContain('Noise_IKpsk2_25519_ChaChaPoly_SHA256');
    expect(names).toContain('Noise_KK_25519_ChaChaPoly_SHA256');
  });

  for (const v of vectors) {
    it(`replays ${v.protocol_name} byte for byte`, () => {
      const pattern = /^Noise_([A-Za-z0-9+]+)_25519_ChaChaPoly_SHA256$/.exec(v.protocol_name)![1]!;
      // The vector's remote static keys must be the public halves of the other side's keys;
      // checking this catches a mistyped fixture before it can mask a real bug.
      if (v.init_remote_static) expect(bytesToHex(keyPair(v.resp_static)!.publicKey)).toBe(v.init_remote_static);
      if (v.resp_remote_static) expect(bytesToHex(keyPair(v.init_static)!.publicKey)).toBe(v.resp_remote_static);

      const initiator = new HandshakeState({
        pattern,
        initiator: true,
        prologue: hexToBytes(v.init_prologue),
        s: keyPair(v.init_static),
        e: keyPair(v.init_ephemeral),
        rs: bytes(v.init_remote_static),
        psks: v.init_psks?.map(hexToBytes),
        generateKeyPair: () => {
          throw new Error('the vector fixes every ephemeral');
        },
      });
      const responder = new HandshakeState({
        pattern,
        initiator: false,
        prologue: hexToBytes(v.resp_prologue),
        s: keyPair(v.resp_static),
        e: keyPair(v.resp_ephemeral),
        rs: bytes(v.resp_remote_static),
        psks: v.resp_psks?.map(hexToBytes),
        generateKeyPair: () => {
          throw new Error('the vector fixes every ephemeral');
        },
      });

      const handshakeLength = initiator.pattern.messages.length;
      v.messages.forEach((message, i) => {
        const initiatorSends = i % 2 === 0; // the vectors alternate, handshake and transport alike
        const [sender, receiver] = initiatorSends ? [initiator, responder] : [responder, initiator];
        const payload = hexToBytes(message.payload);
        let ciphertext: Uint8Array;
        let decrypted: Uint8Array;
        if (i < handshakeLength) {
          ciphertext = sender.writeMessage(payload);
          expect(bytesToHex(ciphertext), `handshake message ${i}`).toBe(message.ciphertext);
          decrypted = receiver.readMessage(ciphertext);
        } else {
          ciphertext = sender.transport.send.encryptWithAd(new Uint8Array(0), payload);
          expect(bytesToHex(ciphertext), `transport message ${i}`).toBe(message.ciphertext);
          decrypted = receiver.transport.receive.decryptWithAd(new Uint8Array(0), ciphertext);
        }
        expect(bytesToHex(decrypted)).toBe(message.payload);
        if (i === handshakeLength - 1) {
          expect(initiator.isComplete && responder.isComplete).toBe(true);
          expect(bytesToHex(initiator.handshakeHash)).toBe(v.handshake_hash);
          expect(bytesToHex(responder.handshakeHash)).toBe(v.handshake_hash);
        }
      });
      expect(v.messages.length).toBeGreaterThan(handshakeLength);
    });
  }
});

describe('resolvePattern', () => {
  it('applies psk modifiers where §9.2 puts them', () => {
    expect(resolvePattern('IKpsk2').messages).toEqual([
      ['e', 'es', 's', 'ss'],
      ['e', 'ee', 'se', 'psk'],
    ]);
    expect(resolvePattern('NNpsk0+psk2').messages).toEqual([
      ['psk', 'e'],
      ['e', 'ee', 'psk'],
    ]);
    expect(resolvePattern('KK').psk).toBe(false);
  });

  it('refuses unknown patterns and misplaced modifiers', () => {
    expect(() => resolvePattern('ZZ')).toThrow(ProtocolError);
    expect(() => resolvePattern('KKpsk3')).toThrow(/does not fit/);
    expect(() => resolvePattern('KK psk2')).toThrow(ProtocolError);
  });
});

describe('CipherState', () => {
  it('encodes the counter little-endian after 4 zero bytes (§12.3) and counts up', () => {
    const key = new Uint8Array(32).fill(7);
    const a = new CipherState(key);
    const b = new CipherState(key);
    const first = a.encryptWithAd(new Uint8Array(0), new Uint8Array([1]));
    const second = a.encryptWithAd(new Uint8Array(0), new Uint8Array([1]));
    expect(bytesToHex(first)).not.toBe(bytesToHex(second));
    expect(a.nonce).toBe(2n);
    expect(b.decryptWithAd(new Uint8Array(0), first)).toEqual(new Uint8Array([1]));
    expect(b.decryptWithAd(new Uint8Array(0), second)).toEqual(new Uint8Array([1]));
  });

  it('does not advance the counter on an authentication failure', () => {
    const key = new Uint8Array(32).fill(9);
    const sender = new CipherState(key);
    const receiver = new CipherState(key);
    const good = sender.encryptWithAd(new Uint8Array(0), new Uint8Array([5]));
    const bad = Uint8Array.from(good);
    bad[0]! ^= 1;
    expect(() => receiver.decryptWithAd(new Uint8Array(0), bad)).toThrow(expect.objectContaining({ code: 'decrypt' }));
    expect(receiver.nonce).toBe(0n);
    expect(receiver.decryptWithAd(new Uint8Array(0), good)).toEqual(new Uint8Array([5]));
  });

  it('passes data through before a key is set (§5.1)', () => {
    const c = new CipherState();
    expect(c.hasKey()).toBe(false);
    expect(c.encryptWithAd(new Uint8Array(0), new Uint8Array([3, 4]))).toEqual(new Uint8Array([3, 4]));
  });
});

describe('SymmetricState', () => {
  it('pads short protocol names and hashes long ones (§5.2)', () => {
    const short = new SymmetricState('Noise_KK_25519_ChaChaPoly_SHA256'); // exactly 32 bytes
    expect(new TextDecoder().decode(short.handshakeHash)).toBe('Noise_KK_25519_ChaChaPoly_SHA256');
    const long = new SymmetricState('Noise_IKpsk2_25519_ChaChaPoly_SHA256');
    expect(long.handshakeHash).toHaveLength(32);
    expect(new TextDecoder().decode(long.handshakeHash)).not.toContain('Noise_IK');
  });
});

describe('HandshakeState misuse and tampering', () => {
  const kk = () => {
    const i = generateStaticKeyPair();
    const r = generateStaticKeyPair();
    return {
      initiator: new HandshakeState({ pattern: 'KK', initiator: true, s: i, rs: r.publicKey }),
      responder: new HandshakeState({ pattern: 'KK', initiator: false, s: r, rs: i.publicKey }),
    };
  };

  it('completes a fresh KK handshake with random ephemerals', () => {
    const { initiator, responder } = kk();
    responder.readMessage(initiator.writeMessage());
    initiator.readMessage(responder.writeMessage());
    expect(initiator.handshakeHash).toEqual(responder.handshakeHash);
    const ct = initiator.transport.send.encryptWithAd(new Uint8Array(0), new Uint8Array([42]));
    expect(responder.transport.receive.decryptWithAd(new Uint8Array(0), ct)).toEqual(new Uint8Array([42]));
  });

  it('refuses to act out of turn', () => {
    const { initiator, responder } = kk();
    expect(() => responder.writeMessage()).toThrow(/peer’s turn/);
    expect(() => initiator.readMessage(new Uint8Array(48))).toThrow(/our turn/);
  });

  it('fails a tampered message with code "handshake" and stays failed', () => {
    const { initiator, responder } = kk();
    const message = initiator.writeMessage(new Uint8Array([1, 2, 3]));
    message[message.length - 1]! ^= 0x80;
    expect(() => responder.readMessage(message)).toThrow(expect.objectContaining({ code: 'handshake' }));
    expect(() => responder.readMessage(message)).toThrow(/already failed/);
  });

  it('fails a truncated message', () => {
    const { initiator, responder } = kk();
    const message = initiator.writeMessage();
    expect(() => responder.readMessage(message.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'handshake' }));
  });

  it('checks pre-message keys and PSK count up front', () => {
    expect(() => new HandshakeState({ pattern: 'KK', initiator: true, s: generateStaticKeyPair() })).toThrow(/remote static/);
    expect(
      () => new HandshakeState({ pattern: 'IKpsk2', initiator: true, s: generateStaticKeyPair(), rs: generateStaticKeyPair().publicKey }),
    ).toThrow(/needs 1 PSK/);
    expect(
      () =>
        new HandshakeState({
          pattern: 'IKpsk2',
          initiator: true,
          s: generateStaticKeyPair(),
          rs: generateStaticKeyPair().publicKey,
          psks: [new Uint8Array(16)],
        }),
    ).toThrow(/32 bytes/);
  });

  it('refuses a low-order remote ephemeral key', () => {
    const { responder } = kk();
    // u = 0 is a low-order point; DH with it yields all zeros, which @noble/curves rejects.
    const message = new Uint8Array(32 + 16);
    expect(() => responder.readMessage(message)).toThrow(expect.objectContaining({ code: 'handshake' }));
  });
});
