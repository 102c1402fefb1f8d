import { describe, expect, it } from 'vitest';
import type { FrameEvent } from '../lib/relay-server.ts';
import type { PhoneEvent } from '../browser/phone-probe.ts';
import { HOPS, splitHops, storageReads, type SwEvent } from './hops.ts';

// One ceremony from t=1000 to t=1020, every process stamping its step in order.
const sw: SwEvent[] = [['bg-in', 1001], ['bg-send', 1003], ['bg-recv', 1016]];
const relay: FrameEvent[] = [
  { dir: 'in', peer: 'extension', t: 1004, bytes: 500 },
  { dir: 'out', peer: 'phone', t: 1004.5, bytes: 500 },
  { dir: 'in', peer: 'phone', t: 1014, bytes: 400 },
  { dir: 'out', peer: 'extension', t: 1014.5, bytes: 400 },
];
const phone: PhoneEvent[] = [['request', 1006], ['sign-start', 1007], ['sign-end', 1012], ['reply', 1013]];

describe('splitHops', () => {
  it('splits the page-to-page time into hops that add up to it', () => {
    const hops = splitHops({ start: 1000, end: 1020 }, { sw, relay, phone })!;
    expect(hops).toHaveLength(HOPS.length);
    expect(hops.reduce((a, b) => a + b, 0)).toBeCloseTo(20);
    expect(hops[0]).toBe(1); // page → background
    expect(hops[HOPS.indexOf('phone: authenticator operation (signing)')]).toBe(5);
    expect(hops[HOPS.indexOf('relay forwards the request')]).toBe(0.5);
    expect(hops.at(-1)).toBe(4); // background → page
  });

  it('ignores events of other ceremonies and tolerates small clock skew', () => {
    const earlier: SwEvent[] = [['bg-in', 900], ['bg-send', 901], ['bg-recv', 950]];
    const skewed = relay.map((e, i) => (i === 0 ? { ...e, t: 999.5 } : e));
    const hops = splitHops({ start: 1000, end: 1020 }, { sw: [...earlier, ...sw], relay: skewed, phone })!;
    expect(hops[0]).toBe(1);
    expect(hops[2]).toBeCloseTo(-3.5); // background → relay reads negative: the relay's clock is early
  });

  it('returns null when a timestamp is missing', () => {
    expect(splitHops({ start: 1000, end: 1020 }, { sw, relay: relay.slice(0, 2), phone })).toBeNull();
    expect(splitHops({ start: 1000, end: 1020 }, { sw: [], relay, phone })).toBeNull();
  });
});

describe('storageReads', () => {
  it('counts the reads between the request arriving and the frame leaving, overlaps once', () => {
    const log: SwEvent[] = [
      ['storage-get', 999, 999.5], // before this ceremony reached the background
      ['bg-in', 1001],
      ['storage-get', 1001.2, 1001.8],
      ['storage-get', 1001.5, 1002.0], // overlaps the previous one: 0.2 ms more wall time
      ['storage-get', 1002.5, 1002.7],
      ['bg-send', 1003],
      ['storage-get', 1010, 1011], // after the request left
      ['bg-recv', 1016],
    ];
    const reads = storageReads({ start: 1000, end: 1020 }, log)!;
    expect(reads.count).toBe(3);
    expect(reads.ms).toBeCloseTo(1.0);
  });

  it('returns null when the request never reached the background', () => {
    expect(storageReads({ start: 1000, end: 1020 }, [['storage-get', 1001, 1002]])).toBeNull();
  });
});
