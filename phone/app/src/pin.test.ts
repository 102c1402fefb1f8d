import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { FREE_ATTEMPTS, hashPin, nextAttemptAt, PIN_ITERATIONS, PinFormatError, verifyPin } from './pin.ts';

// Fewer iterations keep the tests fast; the production count is checked separately.
const FAST = 1000;

describe('app PIN', () => {
  it('stores a salted hash, never the PIN, and verifies only the right PIN', async () => {
    const stored = await hashPin('482913', FAST);
    expect(stored.hash).toHaveLength(32);
    expect(stored.salt).toHaveLength(16);
    expect(stored.iterations).toBe(FAST);
    expect(new TextDecoder().decode(stored.hash)).not.toContain('482913');
    expect(await verifyPin('482913', stored)).toBe(true);
    expect(await verifyPin('482914', stored)).toBe(false);
    expect(await verifyPin('', stored)).toBe(false);
  });

  it('salts every hash: the same PIN twice gives different records', async () => {
    const [a, b] = await Promise.all([hashPin('1234', FAST), hashPin('1234', FAST)]);
    expect(a.salt).not.toEqual(b.salt);
    expect(a.hash).not.toEqual(b.hash);
  });

  it('is plain PBKDF2-HMAC-SHA256: an independent implementation (@noble/hashes) agrees', async () => {
    const stored = await hashPin('482913', FAST);
    expect(pbkdf2(sha256, '482913', stored.salt, { c: FAST, dkLen: 32 })).toEqual(stored.hash);
    const salt = new Uint8Array(16).fill(7);
    expect(await verifyPin('1234', { salt, hash: pbkdf2(sha256, '1234', salt, { c: 3, dkLen: 32 }), iterations: 3 })).toBe(true);
  });

  it('uses the current OWASP iteration count by default', async () => {
    expect(PIN_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect((await hashPin('9999')).iterations).toBe(PIN_ITERATIONS);
  });

  it('accepts 4 to 12 digits only', async () => {
    for (const bad of ['123', '1234567890123', '12a4', ' 1234']) await expect(hashPin(bad, FAST)).rejects.toBeInstanceOf(PinFormatError);
  });

  it('lets a few wrong PINs pass, then makes each further attempt wait longer, up to an hour', () => {
    const at = 1_000_000;
    expect(nextAttemptAt({ count: FREE_ATTEMPTS - 1, lastAt: at })).toBe(0);
    expect(nextAttemptAt({ count: FREE_ATTEMPTS, lastAt: at })).toBe(at + 30_000);
    expect(nextAttemptAt({ count: FREE_ATTEMPTS + 1, lastAt: at })).toBe(at + 60_000);
    expect(nextAttemptAt({ count: FREE_ATTEMPTS + 20, lastAt: at })).toBe(at + 3_600_000);
  });
});
