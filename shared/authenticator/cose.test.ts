import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, toArrayBuffer } from '../bytes.ts';
import { CborError, cborEncode } from './cbor.ts';
import { COSE_ALG_RS256 } from './algorithms.ts';
import { coseKeyFromP256, coseKeyOf, coseToRawP256, coseToSpki, parseCoseKey, rawP256ToSpki, spkiOf } from './cose.ts';
import { generateNobleEd25519Key, generateNobleP256Key, generateWebCryptoKey } from './keys.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('COSE_Key (ES256)', () => {
  const { key } = generateNobleP256Key();

  it('encodes kty 2, alg -7, crv 1, x, y in canonical order', () => {
    const cose = coseKeyFromP256(key.publicKey);
    // a5 | 01 02 | 03 26 | 20 01 | 21 58 20 <x> | 22 58 20 <y>
    expect(hex(cose)).toBe(
      'a5010203262001215820' + hex(key.publicKey.slice(1, 33)) + '225820' + hex(key.publicKey.slice(33)),
    );
  });

  it('round-trips through parseCoseKey / coseToRawP256', () => {
    const parsed = parseCoseKey(coseKeyFromP256(key.publicKey));
    expect(parsed).toMatchObject({ kty: 2, alg: -7, crv: 1 });
    expect(coseToRawP256(coseKeyFromP256(key.publicKey))).toEqual(key.publicKey);
  });

  it('rejects other algorithms, curves, and points off the curve', () => {
    const x = key.publicKey.slice(1, 33);
    const y = key.publicKey.slice(33);
    const make = (entries: [number, number | Uint8Array][]) => cborEncode(new Map(entries));
    expect(() => parseCoseKey(make([[1, 2], [3, -8], [-1, 1], [-2, x], [-3, y]]))).toThrow(CborError);
    expect(() => parseCoseKey(make([[1, 2], [3, -7], [-1, 2], [-2, x], [-3, y]]))).toThrow(CborError);
    expect(() => parseCoseKey(make([[1, 1], [3, -7], [-1, 1], [-2, x], [-3, y]]))).toThrow(CborError);
    const badY = y.slice();
    badY[31]! ^= 1;
    expect(() => parseCoseKey(make([[1, 2], [3, -7], [-1, 1], [-2, x], [-3, badY]]))).toThrow(/curve/);
    expect(() => coseKeyFromP256(p256.getPublicKey(p256.utils.randomSecretKey(), true))).toThrow(/65-byte/);
  });

  it('produces a DER SPKI that WebCrypto imports and that verifies the key’s signatures', async () => {
    const spki = coseToSpki(coseKeyFromP256(key.publicKey));
    expect(spki).toEqual(rawP256ToSpki(key.publicKey));
    expect(spki.length).toBe(91);
    const imported = await crypto.subtle.importKey('spki', toArrayBuffer(spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    // The imported key is the same point.
    expect(new Uint8Array(await crypto.subtle.exportKey('raw', imported))).toEqual(key.publicKey);
    const data = new TextEncoder().encode('signed by the credential');
    const der = await key.sign(data);
    const raw = p256.Signature.fromBytes(der, 'der').toBytes('compact');
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, imported, toArrayBuffer(raw), data)).toBe(true);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, imported, toArrayBuffer(raw), toArrayBuffer(concatBytes(data, new Uint8Array([0]))))).toBe(false);
  });
});

describe('COSE_Key (EdDSA and RS256)', () => {
  const make = (entries: [number, number | Uint8Array][]) => cborEncode(new Map(entries));

  it('encodes an Ed25519 key as OKP (kty 1, alg -8, crv 6, x) and its SPKI as RFC 8410', async () => {
    const { key } = generateNobleEd25519Key();
    const cose = coseKeyOf(key);
    // a4 | 01 01 | 03 27 | 20 06 | 21 58 20 <x>
    expect(hex(cose)).toBe('a4010103272006215820' + hex(key.publicKey));
    expect(parseCoseKey(cose)).toEqual({ kty: 1, alg: -8, crv: 6, x: key.publicKey });
    const spki = spkiOf(key);
    expect(coseToSpki(cose)).toEqual(spki);
    const imported = await crypto.subtle.importKey('spki', toArrayBuffer(spki), { name: 'Ed25519' }, true, ['verify']);
    const data = new TextEncoder().encode('signed by the credential');
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, imported, toArrayBuffer(await key.sign(data)), data)).toBe(true);
  });

  it('refuses an Ed25519 key of the wrong length, the wrong curve, or not on the curve', () => {
    const { key } = generateNobleEd25519Key();
    expect(() => parseCoseKey(make([[1, 1], [3, -8], [-1, 6], [-2, key.publicKey.slice(1)]]))).toThrow(/32 bytes/);
    expect(() => parseCoseKey(make([[1, 1], [3, -8], [-1, 4], [-2, key.publicKey]]))).toThrow(/crv/);
    // y = 2 is not the y coordinate of any Ed25519 point.
    const offCurve = new Uint8Array(32);
    offCurve[0] = 2;
    expect(() => parseCoseKey(make([[1, 1], [3, -8], [-1, 6], [-2, offCurve]]))).toThrow(/curve/);
  });

  it('encodes an RSA key as kty 3, alg -257, n, e and hands out WebCrypto’s SPKI', async () => {
    const key = await generateWebCryptoKey(COSE_ALG_RS256);
    if (key.alg !== COSE_ALG_RS256) throw new Error('expected an RS256 key');
    const parsed = parseCoseKey(coseKeyOf(key));
    expect(parsed).toEqual({ kty: 3, alg: -257, n: key.publicKey.n, e: key.publicKey.e });
    expect(key.publicKey.n.length).toBe(256);
    expect(key.publicKey.e).toEqual(new Uint8Array([1, 0, 1]));
    expect(spkiOf(key)).toEqual(new Uint8Array(await crypto.subtle.exportKey('spki', key.pair.publicKey)));
  });

  it('refuses RSA moduli under 2048 bits, even ones, and exponents of 1 or even', async () => {
    const key = await generateWebCryptoKey(COSE_ALG_RS256);
    if (key.alg !== COSE_ALG_RS256) throw new Error('expected an RS256 key');
    const { n, e } = key.publicKey;
    expect(() => parseCoseKey(make([[1, 3], [3, -257], [-1, n.slice(0, 128)], [-2, e]]))).toThrow(/2048/);
    const even = n.slice();
    even[even.length - 1]! &= 0xfe;
    expect(() => parseCoseKey(make([[1, 3], [3, -257], [-1, even], [-2, e]]))).toThrow(/odd/);
    expect(() => parseCoseKey(make([[1, 3], [3, -257], [-1, n], [-2, new Uint8Array([1])]]))).toThrow(/exponent/);
    expect(() => parseCoseKey(make([[1, 3], [3, -257], [-1, n], [-2, new Uint8Array([1, 0, 0])]]))).toThrow(/exponent/);
    // An RSA key under another algorithm is not one we know.
    expect(() => parseCoseKey(make([[1, 3], [3, -7], [-1, n], [-2, e]]))).toThrow(CborError);
  });
});
