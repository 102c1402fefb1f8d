import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { ProtocolError, isProtocolError } from './errors.ts';
import { dh, generateStaticKeyPair, staticKeyPairFromPrivate } from './keys.ts';

describe('static keys', () => {
  it('derives the RFC 7748 §6.1 public keys and shared secret', () => {
    const alice = staticKeyPairFromPrivate(hexToBytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const bob = staticKeyPairFromPrivate(hexToBytes('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(bytesToHex(alice.publicKey)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(bytesToHex(bob.publicKey)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(bytesToHex(dh(alice.privateKey, bob.publicKey))).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('generates distinct 32-byte key pairs that round-trip through the private key', () => {
    const a = generateStaticKeyPair();
    const b = generateStaticKeyPair();
    expect(a.privateKey).toHaveLength(32);
    expect(a.publicKey).toHaveLength(32);
    expect(bytesToHex(a.privateKey)).not.toBe(bytesToHex(b.privateKey));
    expect(staticKeyPairFromPrivate(a.privateKey).publicKey).toEqual(a.publicKey);
  });

  it('copies the private key so later mutation of the input cannot change it', () => {
    const raw = new Uint8Array(32).fill(1);
    const pair = staticKeyPairFromPrivate(raw);
    raw.fill(2);
    expect(pair.privateKey).toEqual(new Uint8Array(32).fill(1));
  });

  it('refuses private keys of the wrong length with a ProtocolError', () => {
    expect(() => staticKeyPairFromPrivate(new Uint8Array(31))).toThrow(ProtocolError);
    try {
      staticKeyPairFromPrivate(new Uint8Array(33));
    } catch (error) {
      expect(isProtocolError(error, 'malformed')).toBe(true);
      expect((error as ProtocolError).name).toBe('ProtocolError');
    }
  });
});
