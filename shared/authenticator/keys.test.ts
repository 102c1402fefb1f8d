import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { toArrayBuffer } from '../bytes.ts';
import { spkiOf } from './cose.ts';
import { exportableKeyFromPrivate, generateExportableKey, generateNobleP256Key, generateWebCryptoP256Key, nobleP256KeyFromPrivate } from './keys.ts';

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

describe('exportable keys (the virtual phone keeps their private bytes)', () => {
  it.each([-7, -8, -257] as const)('alg %i: the key rebuilt from its private bytes signs for the same public key', async (alg) => {
    const { key, privateKey } = await generateExportableKey(alg);
    expect(key.alg).toBe(alg);
    const again = exportableKeyFromPrivate(alg, privateKey, key.alg === -257 ? key.publicKey : undefined);
    expect(again.publicKey).toEqual(key.publicKey);
    const spki = await crypto.subtle.importKey('spki', toArrayBuffer(spkiOf(key)), alg === -7 ? { name: 'ECDSA', namedCurve: 'P-256' } : alg === -8 ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    const signature = await again.sign(data);
    const raw = alg === -7 ? p256.Signature.fromBytes(signature, 'der').toBytes('compact') : signature;
    const params = alg === -7 ? { name: 'ECDSA', hash: 'SHA-256' } : alg === -8 ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5' };
    expect(await crypto.subtle.verify(params, spki, toArrayBuffer(raw), toArrayBuffer(data))).toBe(true);
  });

  it('an RSA key cannot be rebuilt without its public key', async () => {
    const { privateKey } = await generateExportableKey(-257);
    expect(() => exportableKeyFromPrivate(-257, privateKey)).toThrow(/public key/);
  });
});
