import { describe, expect, it } from 'vitest';
import { medianRatioInterval, percentile, ratio, round, summarize } from './stats.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns a measured value at rank ceil(p·n)', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 99)).toBe(30);
  });

  it('refuses no samples and percentiles outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts its own copy and reports every figure', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ n: 5, min: 1, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });
});

describe('ratio', () => {
  it('divides by the baseline and refuses a baseline that is not positive', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(() => ratio(1, 0)).toThrow(RangeError);
  });
});

describe('medianRatioInterval', () => {
  it('brackets the ratio of medians and is reproducible', () => {
    const a = Array.from({ length: 50 }, (_, i) => 110 + (i % 7));
    const b = Array.from({ length: 50 }, (_, i) => 100 + (i % 7));
    const [low, high] = medianRatioInterval(a, b);
    expect(low).toBeLessThanOrEqual(1.1);
    expect(high).toBeGreaterThanOrEqual(1.1);
    expect(low).toBeGreaterThan(1);
    expect(medianRatioInterval(a, b)).toEqual([low, high]);
  });

  it('includes 1 when both samples come from the same distribution', () => {
    const a = Array.from({ length: 60 }, (_, i) => 100 + ((i * 37) % 11));
    const [low, high] = medianRatioInterval(a, [...a].reverse());
    expect(low).toBeLessThanOrEqual(1);
    expect(high).toBeGreaterThanOrEqual(1);
  });
});

describe('round', () => {
  it('keeps three significant digits', () => {
    expect(round(1234.5)).toBe(1235);
    expect(round(12.345)).toBe(12.3);
    expect(round(0.012345)).toBe(0.0123);
    expect(round(0)).toBe(0);
  });
});
