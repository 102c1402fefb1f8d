import { describe, expect, it } from 'vitest';
import { convertOptions } from './webidl.ts';

/** Wrap every object in a proxy that records the members read, as the conformance harness does. */
function traced<T extends object>(value: T, path: string, reads: string[]): T {
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string') reads.push(path ? `${path}.${key}` : key);
      const v = Reflect.get(target, key, receiver) as unknown;
      return v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v) && !(v instanceof AbortSignal)
        ? traced(v, path ? `${path}.${String(key)}` : String(key), reads)
        : v;
    },
  });
}

const creation = () => ({
  rp: { name: 'Example', id: 'example.com' },
  user: { id: new Uint8Array(16), name: 'alice', displayName: 'Alice' },
  challenge: new Uint8Array(32),
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
});

describe('convertOptions', () => {
  it("reads members once each, in Chromium's order (lexicographic, inherited entity name first)", () => {
    const reads: string[] = [];
    convertOptions('create', traced({ publicKey: { ...creation(), attestation: 'none' } }, '', reads));
    expect(reads).toEqual([
      'digital', 'federated', 'mediation', 'password', 'publicKey',
      'publicKey.attestation', 'publicKey.authenticatorSelection', 'publicKey.challenge', 'publicKey.excludeCredentials',
      'publicKey.extensions', 'publicKey.hints', 'publicKey.pubKeyCredParams',
      'publicKey.rp', 'publicKey.rp.name', 'publicKey.rp.id', 'publicKey.timeout',
      'publicKey.user', 'publicKey.user.name', 'publicKey.user.displayName', 'publicKey.user.id', 'signal',
    ]);
  });

  it('converts as WebIDL does: long and unsigned long wrap, DOMStrings stringify, BufferSources are copied', () => {
    const challenge = new Uint8Array([1, 2, 3]);
    const { publicKey } = convertOptions('create', {
      publicKey: { ...creation(), challenge, timeout: -1, pubKeyCredParams: [{ type: 'public-key', alg: 'abc' }], user: { id: new ArrayBuffer(0), name: 42, displayName: 'A' } },
    });
    challenge[0] = 9;
    expect(publicKey).toMatchObject({ timeout: 4294967295, pubKeyCredParams: [{ type: 'public-key', alg: 0 }], user: { name: '42' } });
    expect(publicKey!.challenge).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('throws TypeError for an unknown mediation, a missing required member and a non-buffer challenge', () => {
    expect(() => convertOptions('get', { mediation: 'immediate', publicKey: { challenge: new Uint8Array(1) } })).toThrow(TypeError);
    expect(() => convertOptions('create', { publicKey: { ...creation(), rp: {} } })).toThrow(TypeError);
    expect(() => convertOptions('get', { publicKey: { challenge: 'abc' } })).toThrow(TypeError);
  });

  it('lets a throwing getter throw during conversion, and reads nothing after it', () => {
    const reads: string[] = [];
    const publicKey = { ...creation() };
    Object.defineProperty(publicKey, 'challenge', { enumerable: true, get: () => { throw new RangeError('boom'); } });
    expect(() => convertOptions('create', traced({ publicKey }, '', reads))).toThrow(RangeError);
    expect(reads.at(-1)).toBe('publicKey.challenge');
  });

  it('marks calls for other credential types, which the browser handles', () => {
    expect(convertOptions('get', { password: true }).other).toBe(true);
    expect(convertOptions('get', { publicKey: { challenge: new Uint8Array(1) } }).other).toBe(false);
  });
});
