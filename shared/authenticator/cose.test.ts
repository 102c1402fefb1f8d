import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, toArrayBuffer } from '../bytes.ts';
import { CborError, cborEncode } from './cbor.ts';
import { coseKeyFromP256, coseToRawP256, coseToSpki, parseCoseKey, rawP256ToSpki } from './cose.ts';
import { generateNobleP256Key } from './keys.ts';

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
