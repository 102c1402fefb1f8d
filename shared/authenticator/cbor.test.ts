import { describe, expect, it } from 'vitest';
import { CborError, cborDecode, cborDecodeFirst, cborEncode } from './cbor.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => new Uint8Array(s.match(/../g)!.map((h) => parseInt(h, 16)));

function expectCborError(fn: () => unknown, pattern?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CborError);
  if (pattern) expect((caught as Error).message).toMatch(pattern);
}

describe('cborEncode (CTAP2 canonical)', () => {
  it('sorts text keys length-first, then bytewise', () => {
    const bytes = cborEncode({ authData: new Uint8Array([1]), attStmt: {}, fmt: 'none' });
    // a3 | 63 "fmt" 64 "none" | 67 "attStmt" a0 | 68 "authData" 41 01
    expect(hex(bytes)).toBe('a363666d74646e6f6e656761747453746d74a06861757468446174614101');
  });

  it('keeps integer keys as integers and sorts them canonically (1, 3, -1, -2)', () => {
    const bytes = cborEncode(new Map<number, number>([[-2, 0], [-1, 1], [3, -7], [1, 2]]));
    expect(hex(bytes)).toBe('a4010203262001' + '2100');
  });

  it('uses the shortest integer and length encodings', () => {
    expect(hex(cborEncode(23))).toBe('17');
    expect(hex(cborEncode(24))).toBe('1818');
    expect(hex(cborEncode(-7))).toBe('26');
    expect(hex(cborEncode(new Uint8Array(32))).slice(0, 4)).toBe('5820');
  });

  it('round-trips through the decoder, maps as Map', () => {
    const value = new Map<unknown, unknown>([
      ['a', 1],
      [2, new Uint8Array([9, 8])],
      ['nested', new Map([['x', [1, 2, 'three']]])],
    ]);
    const decoded = cborDecode(cborEncode(value));
    expect(decoded).toEqual(value);
  });
});

describe('cborDecode (strict)', () => {
  it('rejects trailing bytes but cborDecodeFirst reports the length', () => {
    expectCborError(() => cborDecode(unhex('0102')), /trailing/);
    expect(cborDecodeFirst(unhex('a1616101ff'))).toEqual({ value: new Map([['a', 1]]), length: 4 });
  });

  it.each([
    ['indefinite-length array', '9f01ff'],
    ['non-minimal integer', '1801'],
    ['undefined', 'f7'],
    ['NaN', 'f97e00'],
    ['a tag', 'c11a514b67b0'],
    ['a duplicate map key', 'a2616101616102'],
    ['a break outside a container', 'ff'],
    ['a truncated byte string', '5a00010000aabb'],
    ['a truncated array', '8301'],
    ['an integer beyond 2^53', '1bffffffffffffffff'],
    ['empty input', ''],
  ])('rejects %s', (_name, input) => {
    expectCborError(() => cborDecode(unhex(input || '00').subarray(0, input.length / 2)));
  });

  it('stops hostile nesting with a clean error instead of a stack overflow', () => {
    const deep = new Uint8Array(100_000).fill(0x81); // [[[[…
    expectCborError(() => cborDecode(deep, { maxBytes: 200_000 }), /nesting/);
  });

  it('does not allocate for huge claimed lengths', () => {
    expectCborError(() => cborDecode(unhex('9b001fffffffffffff')), /ends inside|not enough/);
    expectCborError(() => cborDecode(unhex('5b001fffffffffffff00')));
  });

  it('enforces the size and item limits', () => {
    expectCborError(() => cborDecode(new Uint8Array(70_000)), /limit/);
    const many = cborEncode(Array.from({ length: 5000 }, (_, i) => i));
    expectCborError(() => cborDecode(many), /items/);
    expect((cborDecode(many, { maxItems: 10_000 }) as number[]).length).toBe(5000);
  });

  it('never throws anything but CborError on random garbage', () => {
    // Deterministic xorshift so a failure is reproducible.
    let seed = 0x9e3779b9;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    // Bias the first byte towards containers so the decoder goes deeper than one token.
    const starts = [0x80, 0x81, 0x98, 0xa1, 0xa5, 0xb8, 0x58, 0x78, 0xc0, 0xd8, 0xf9, 0xfa, 0xfb, 0x9f, 0xbf];
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const input = new Uint8Array(1 + (next() % 64));
      for (let j = 0; j < input.length; j++) input[j] = next() & 0xff;
      if (i % 2 === 0) input[0] = starts[next() % starts.length]!;
      try {
        cborDecode(input);
      } catch (err) {
        if (!(err instanceof CborError)) throw new Error(`non-CborError for ${hex(input)}: ${String(err)}`);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(2000); // the loop really exercised the error paths
  });

  it('rejects non-Uint8Array input cleanly', () => {
    expectCborError(() => cborDecode('a1' as unknown as Uint8Array));
  });
});
