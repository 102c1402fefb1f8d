import { describe, expect, it } from 'vitest';
import { toB64url } from '../../shared/bytes.ts';
import { prfResults } from './prf.ts';

const key = new Uint8Array(32).fill(1);
const s = (n: number) => toB64url(new Uint8Array(32).fill(n));

describe('virtual phone PRF', () => {
  it('is stable per credential and salt, and differs per salt, per key and with or without UV', () => {
    const a = prfResults(key, true, { first: s(2), second: s(3) });
    expect(prfResults(key, true, { first: s(2) }).first).toBe(a.first);
    expect(a.second).not.toBe(a.first);
    expect(prfResults(new Uint8Array(32).fill(9), true, { first: s(2) }).first).not.toBe(a.first);
    expect(prfResults(key, false, { first: s(2) }).first).not.toBe(a.first);
    expect(Buffer.from(a.first, 'base64url')).toHaveLength(32);
  });
});
