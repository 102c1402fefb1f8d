import { describe, expect, it } from 'vitest';
import { RequestLimits } from './request-limits.ts';

describe('RequestLimits', () => {
  it('gives a frame one slot: a second modal request is refused until the first releases', () => {
    const limits = new RequestLimits();
    const first = limits.claim('tab 1 frame 0', false, () => expect.fail('a modal request is never superseded'));
    expect(first).not.toBeNull();
    expect(limits.claim('tab 1 frame 0', false, () => undefined)).toBeNull();
    expect(limits.claim('tab 1 frame 0', true, () => undefined)).toBeNull();
    // Another frame has its own slot.
    expect(limits.claim('tab 1 frame 3', false, () => undefined)).not.toBeNull();
    first!.release();
    expect(limits.claim('tab 1 frame 0', false, () => undefined)).not.toBeNull();
  });

  it('lets a modal request replace a waiting conditional one, but not another conditional one', () => {
    const limits = new RequestLimits();
    let superseded = 0;
    const conditional = limits.claim('f', true, () => superseded++);
    expect(limits.claim('f', true, () => undefined)).toBeNull();
    expect(superseded).toBe(0);
    const modal = limits.claim('f', false, () => undefined);
    expect(modal).not.toBeNull();
    expect(superseded).toBe(1);
    // The superseded request's late release does not free the modal request's slot.
    conditional!.release();
    expect(limits.claim('f', false, () => undefined)).toBeNull();
  });

  it('treats a conditional request the person picked as a modal one', () => {
    const limits = new RequestLimits();
    const conditional = limits.claim('f', true, () => expect.fail('a picked request is never superseded'));
    conditional!.picked();
    expect(limits.claim('f', false, () => undefined)).toBeNull();
  });

  it('allows a burst per origin, then one request per refill period', () => {
    let now = 0;
    const limits = new RequestLimits(3, 10_000, () => now);
    expect([1, 2, 3, 4].map(() => limits.take('https://a.example'))).toEqual([true, true, true, false]);
    expect(limits.take('https://b.example')).toBe(true);
    now += 9_999;
    expect(limits.take('https://a.example')).toBe(false);
    now += 1;
    expect(limits.take('https://a.example')).toBe(true);
    expect(limits.take('https://a.example')).toBe(false);
    // Refused attempts do not push the next token further away.
    now += 10_000;
    expect(limits.take('https://a.example')).toBe(true);
    now += 1_000_000;
    expect([1, 2, 3, 4].map(() => limits.take('https://a.example'))).toEqual([true, true, true, false]);
  });

  it('gives back the token of a request the person approved', () => {
    const limits = new RequestLimits(2, 60_000, () => 0);
    for (let i = 0; i < 10; i++) {
      expect(limits.take('https://a.example')).toBe(true);
      limits.refund('https://a.example');
    }
    expect([1, 2, 3].map(() => limits.take('https://a.example'))).toEqual([true, true, false]);
    limits.refund('https://a.example');
    limits.refund('https://a.example');
    limits.refund('https://a.example');
    expect([1, 2, 3].map(() => limits.take('https://a.example'))).toEqual([true, true, false]);
  });

  it('forgets refilled buckets once many origins were seen', () => {
    let now = 0;
    const limits = new RequestLimits(2, 1_000, () => now);
    for (let i = 0; i < 300; i++) limits.take(`https://s${i}.example`);
    now += 2_000;
    limits.take('https://last.example');
    expect((limits as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThan(10);
  });
});
