// The key hierarchy of the screen-lock / PIN unlock with real WebCrypto: a data key wrapped by a
// PRF-derived and a PIN-derived key opens with either and with nothing else.
import { describe, expect, it } from 'vitest';
import { generateDataKey, kekFromPin, kekFromPrf, randomSalt, unwrapDataKey, unwrapPrivateKey, wrapDataKey, wrapPrivateKey } from './key-wrapping.ts';

const FEW_ITERATIONS = 1000; // the derivation, not its cost, is under test

describe('data key wrapping', () => {
  it('one data key, wrapped for the screen lock and for the PIN, opens with either; a wrong secret fails', async () => {
    const dataKey = await generateDataKey();
    const prf = randomSalt(32);
    const hkdfSalt = randomSalt();
    const pinSalt = randomSalt(16);
    const byPrf = await wrapDataKey(dataKey, await kekFromPrf(prf, hkdfSalt));
    const byPin = await wrapDataKey(dataKey, await kekFromPin('482913', pinSalt, FEW_ITERATIONS));
    expect(byPrf).toHaveLength(40); // AES-KW: 32 bytes + 8-byte integrity block

    const viaPrf = await unwrapDataKey(byPrf, await kekFromPrf(prf, hkdfSalt));
    const viaPin = await unwrapDataKey(byPin, await kekFromPin('482913', pinSalt, FEW_ITERATIONS));
    expect(viaPrf.extractable).toBe(false);

    // A private key wrapped under the original opens under both unwrapped copies, non-extractable.
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const wrapped = await wrapPrivateKey(pair.privateKey, dataKey, 'cred-1');
    for (const key of [viaPrf, viaPin]) {
      const privateKey = await unwrapPrivateKey(wrapped, key, 'cred-1', pair.publicKey.algorithm);
      expect(privateKey.extractable).toBe(false);
      const data = new TextEncoder().encode('signed');
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data);
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, signature, data)).toBe(true);
    }

    const wrongPrf = Uint8Array.from(prf, (b, i) => (i === 0 ? b ^ 1 : b));
    await expect(unwrapDataKey(byPrf, await kekFromPrf(wrongPrf, hkdfSalt))).rejects.toThrow();
    await expect(unwrapDataKey(byPin, await kekFromPin('482914', pinSalt, FEW_ITERATIONS))).rejects.toThrow();
    await expect(kekFromPrf(prf.subarray(0, 16), hkdfSalt)).rejects.toThrow(/too short/);
  });

  it('uses a fresh IV for every wrapped private key', async () => {
    const dataKey = await generateDataKey();
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const [a, b] = await Promise.all([wrapPrivateKey(pair.privateKey, dataKey, 'x'), wrapPrivateKey(pair.privateKey, dataKey, 'x')]);
    expect(a.iv).not.toEqual(b.iv);
    expect(a.ciphertext).not.toEqual(b.ciphertext);
  });
});
