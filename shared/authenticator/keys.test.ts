import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { generateNobleP256Key, generateWebCryptoP256Key, nobleP256KeyFromPrivate } from './keys.ts';

const data = new TextEncoder().encode('authenticatorData || clientDataHash');

describe('noble P-256 signing keys', () => {
  it('signs DER ECDSA over SHA-256(data) with a 65-byte uncompressed public key', async () => {
    const { key, privateKey } = generateNobleP256Key();
    expect(key.alg).toBe(-7);
    expect(key.publicKey.length).toBe(65);
    expect(key.publicKey[0]).toBe(0x04);
    const sig = await key.sign(data);
    expect(sig[0]).toBe(0x30); // DER SEQUENCE
    expect(p256.verify(sig, data, key.publicKey, { format: 'der' })).toBe(true); // prehash default: SHA-256
    expect(p256.verify(sig, data.slice(1), key.publicKey, { format: 'der' })).toBe(false);
    // Rebuilding from the private key gives the same public key.
    expect(nobleP256KeyFromPrivate(privateKey).publicKey).toEqual(key.publicKey);
  });

  it('rejects an invalid private key', () => {
    expect(() => nobleP256KeyFromPrivate(new Uint8Array(32))).toThrow();
  });
});

describe('WebCrypto P-256 signing keys', () => {
  it('converts WebCrypto r||s signatures to DER that noble verifies', async () => {
    const key = await generateWebCryptoP256Key();
    expect(key.pair.privateKey.extractable).toBe(false);
    expect(key.publicKey.length).toBe(65);
    for (let i = 0; i < 5; i++) {
      const sig = await key.sign(data);
      expect(sig[0]).toBe(0x30);
      expect(p256.verify(sig, data, key.publicKey, { format: 'der', lowS: false })).toBe(true);
    }
  });
});
