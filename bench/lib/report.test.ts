import { describe, expect, it } from 'vitest';
import { BEGIN_MARKER, END_MARKER, renderSuite, spliceGenerated } from './report.ts';
import { atLeast, atMost, row, type SuiteResult } from './results.ts';

describe('row', () => {
  it('computes the ratio against the baseline', () => {
    expect(row('p50', 'ms', 30, { baseline: { label: 'b', value: 10 } }).ratio).toBe(3);
    expect(row('size', 'bytes', 5).ratio).toBeUndefined();
  });

  it('judges targets without asserting them', () => {
    expect(atMost(50, 49, '≤ 50 ms').met).toBe(true);
    expect(atMost(50, 51, '≤ 50 ms').met).toBe(false);
    expect(atLeast(1000, 999, '≥ 1000/s').met).toBe(false);
  });
});

describe('renderSuite', () => {
  const suite: SuiteResult = {
    suite: 'x',
    title: 'Example',
    params: { n: 3 },
    rows: [row('get p50', 'ms', 12.345, { baseline: { label: 'virtual | auth', value: 4 }, target: atMost(2, 3, '≤ 2× baseline') })],
    tables: [{ title: 'Hops', columns: ['hop', 'ms'], rows: [['a', 1.23456]] }],
    notes: ['a note'],
  };

  it('shows value, baseline, ratio and a missed target, escaping pipes', () => {
    const text = renderSuite(suite);
    expect(text).toContain('| get p50 | 12.3 ms | 4 ms (virtual \\| auth) | 3.09× | ≤ 2× baseline: **missed** |');
    expect(text).toContain('| a | 1.23 |');
    expect(text).toContain('Parameters: n=3.');
    expect(text).toContain('- a note');
  });
});

describe('spliceGenerated', () => {
  it('replaces only the text between the markers', () => {
    const doc = `# Perf\n\nintro\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\n## Analysis\nkept\n`;
    const out = spliceGenerated(doc, 'new');
    expect(out).toContain('intro');
    expect(out).toContain('## Analysis\nkept');
    expect(out).toContain('new');
    expect(out).not.toContain('old');
    expect(spliceGenerated(out, 'newer')).not.toContain('new\n');
  });

  it('appends the section when the markers are missing', () => {
    expect(spliceGenerated('# Perf\n', 'tables')).toBe(`# Perf\n\n${BEGIN_MARKER}\n\ntables\n\n${END_MARKER}\n`);
  });
});
