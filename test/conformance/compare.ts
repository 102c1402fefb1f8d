// Compare the two runs case by case: agreement at outcome level (resolved, or the same error
// name) and at result-shape level (same outcome, and for resolved calls the same core fields the
// site sees; authenticator-specific values such as flags and transports are left out).
import { isDeepStrictEqual } from 'node:util';
import type { CaseSpec } from './corpus.ts';
import type { CaseResult } from './replay.ts';

export interface Difference {
  id: string;
  group: string;
  level: 'outcome' | 'shape';
  native: string;
  extension: string;
  /** Which fields differ (shape level). */
  fields?: string[];
  cause: string;
}

export interface Comparison {
  total: number;
  outcomeAgree: number;
  shapeAgree: number;
  outcomeRate: number;
  shapeRate: number;
  differences: Difference[];
}

export interface KnownCause {
  /** A regular expression matched against the case id. */
  match: string;
  level?: 'outcome' | 'shape';
  cause: string;
}

/** Each run serves its sites on its own port: origins that carry it (localhost, IPs) compare without it. */
const withoutPort = (shape: Record<string, unknown> | undefined): Record<string, unknown> =>
  JSON.parse(JSON.stringify(shape ?? {}).replace(/(localhost|127\.0\.0\.1):\d+/g, '$1:{port}')) as Record<string, unknown>;

function shapeDiff(a: CaseResult, b: CaseResult): string[] {
  const fields = new Set<string>();
  const sa = withoutPort(a.shape);
  const sb = withoutPort(b.shape);
  for (const k of new Set([...Object.keys(sa), ...Object.keys(sb)])) if (!isDeepStrictEqual(sa[k], sb[k])) fields.add(k);
  if (a.reads || b.reads) if (!isDeepStrictEqual(a.reads, b.reads)) fields.add('reads');
  // Timeout cases: the timeout the authenticator was given (the page's value as converted and clamped).
  if (a.timeoutMs !== undefined || b.timeoutMs !== undefined) if (a.timeoutMs !== b.timeoutMs) fields.add('timeoutMs');
  return [...fields];
}

export function compare(cases: CaseSpec[], native: Map<string, CaseResult>, extension: Map<string, CaseResult>, causes: KnownCause[]): Comparison {
  const differences: Difference[] = [];
  let outcomeAgree = 0;
  let shapeAgree = 0;
  let total = 0;
  const causeOf = (id: string, level: 'outcome' | 'shape') =>
    causes.find((c) => (c.level === undefined || c.level === level) && new RegExp(c.match).test(id))?.cause ?? 'unexplained';
  for (const spec of cases) {
    const n = native.get(spec.id);
    const e = extension.get(spec.id);
    if (!n || !e) continue;
    total++;
    if (n.outcome !== e.outcome) {
      differences.push({
        id: spec.id,
        group: spec.group,
        level: 'outcome',
        native: n.outcome,
        extension: e.outcome + (e.message ? ` (${e.message.slice(0, 90)})` : ''),
        cause: causeOf(spec.id, 'outcome'),
      });
      continue;
    }
    outcomeAgree++;
    const fields = shapeDiff(n, e);
    if (fields.length === 0) {
      shapeAgree++;
      continue;
    }
    const pick = (r: CaseResult) => JSON.stringify(Object.fromEntries(fields.map((f) => [f, f === 'reads' ? r.reads : f === 'timeoutMs' ? r.timeoutMs : r.shape?.[f]]))).slice(0, 300);
    differences.push({ id: spec.id, group: spec.group, level: 'shape', native: pick(n), extension: pick(e), fields, cause: causeOf(spec.id, 'shape') });
  }
  return {
    total,
    outcomeAgree,
    shapeAgree,
    outcomeRate: total ? outcomeAgree / total : 0,
    shapeRate: total ? shapeAgree / total : 0,
    differences,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function markdownReport(c: Comparison, meta: Record<string, string>, browser = 'Chromium'): string {
  const lines = [
    `# WebAuthn conformance: Pairkey vs native ${browser}`,
    '',
    ...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`),
    '',
    `| level | agree | total | rate |`,
    `| --- | --- | --- | --- |`,
    `| outcome | ${c.outcomeAgree} | ${c.total} | ${pct(c.outcomeRate)} |`,
    `| result shape | ${c.shapeAgree} | ${c.total} | ${pct(c.shapeRate)} |`,
    '',
    `## Differences (${c.differences.length})`,
    '',
    '| case | level | native | extension | cause |',
    '| --- | --- | --- | --- | --- |',
    ...c.differences.map((d) => `| ${d.id} | ${d.level}${d.fields ? ` (${d.fields.join(', ')})` : ''} | ${esc(d.native)} | ${esc(d.extension)} | ${esc(d.cause)} |`),
    '',
  ];
  return lines.join('\n');
}

/**
 * Outcomes a browser reaches without asking any authenticator: argument and option errors, the
 * origin and RP ID checks, unsupported requests, an abort before the call, a synchronous throw.
 */
const CLIENT_OUTCOMES = new Set(['TypeError', 'SecurityError', 'NotSupportedError', 'SyntaxError', 'DataError', 'InvalidCharacterError']);
export const isClientOutcome = (outcome: string): boolean => CLIENT_OUTCOMES.has(outcome) || outcome.startsWith('sync:');

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
