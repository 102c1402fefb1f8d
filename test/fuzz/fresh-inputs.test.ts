// Issue 21: the fuzzer edited its own seed values. `nastyValue` handed out shared `[]`, `{}` and a
// nested array, `mutatedValue` inserted them without copying and later edits changed them in
// place, so later targets got other inputs than the seed promised (one shared object even held a
// cycle, and generating from it overflowed the stack). These tests hold the generators to
// "every value is fresh": what a consumer does to one input never reaches another one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutatedBytes, mutatedValue, nastyValue } from './support/arbitraries.ts';
import { ciRuns, type FuzzSession, type RunnableGroup } from './support/registry.ts';
import { ALL_GROUPS } from './targets/index.ts';

const SEED = 1156645359;

/**
 * What careless code under test may do to its input: push into every array and add a member to
 * every object, at any depth (byte arrays get their first byte changed).
 */
function vandalise(value: unknown, seen = new Set<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Uint8Array) {
    if (value.length > 0) value[0] = value[0]! ^ 0xff;
    return;
  }
  const children = Array.isArray(value) ? [...value] : Object.values(value);
  for (const child of children) vandalise(child, seen);
  if (Array.isArray(value)) value.push('vandalised');
  else if (Object.isExtensible(value)) (value as Record<string, unknown>).vandalised = true;
}

/** Every object, array and byte array inside `value`, each listed once per place it appears. */
function containers(value: unknown, out: object[] = [], path = new Set<object>()): object[] {
  if (value === null || typeof value !== 'object') return out;
  out.push(value);
  if (path.has(value) || ArrayBuffer.isView(value)) return out;
  path.add(value);
  for (const child of Array.isArray(value) ? value : Object.values(value)) containers(child, out, path);
  path.delete(value);
  return out;
}

const text = (values: unknown[]) => values.map((v) => fc.stringify(v));

describe('fuzz inputs are generated fresh (issue 21)', () => {
  it('nastyValue: changing the values it handed out changes none of the values it hands out later', () => {
    const params = { seed: SEED, numRuns: 5_000 };
    const before = text(fc.sample(nastyValue, params));
    for (const value of fc.sample(nastyValue, params)) vandalise(value);
    expect(text(fc.sample(nastyValue, params))).toEqual(before);
  });

  it('mutatedValue: 20 000 documents share no object with each other nor with the template, and generating them changes no later document', () => {
    const template = { id: 'AQID', list: [1, { deep: [[]] }], nested: { empty: {}, bytes: new Uint8Array(4) } };
    const templateText = fc.stringify(template);
    const params = { seed: SEED, numRuns: 2_000 };
    const before = text(fc.sample(mutatedValue(template), params));

    const seen = new Set<object>(containers(template));
    let shared = 0;
    for (const doc of fc.sample(mutatedValue(template), { seed: SEED + 1, numRuns: 20_000 })) {
      for (const c of containers(doc)) {
        if (seen.has(c)) shared += 1;
        seen.add(c);
      }
      vandalise(doc);
    }
    expect(shared).toBe(0);
    expect(fc.stringify(template)).toBe(templateText);
    expect(text(fc.sample(mutatedValue(template), params))).toEqual(before);
  });

  it('mutatedBytes never writes to its template, not even a Node Buffer (whose slice() is a view of the same memory)', () => {
    // The CBOR encoder returns Buffers: the attestation object the CBOR targets damage is one.
    const template = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
    const before = text(fc.sample(mutatedBytes(template), { seed: SEED, numRuns: 2_000 }));
    const generated = fc.sample(mutatedBytes(template), { seed: SEED, numRuns: 2_000 });
    expect([...template]).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (const bytes of generated) vandalise(bytes);
    expect([...template]).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(text(fc.sample(mutatedBytes(template), { seed: SEED, numRuns: 2_000 }))).toEqual(before);
  });

  it('every target gets the same inputs from one seed, alone or after all the other targets ran on it', async () => {
    const sessions: { group: RunnableGroup; session: FuzzSession }[] = [];
    try {
      for (const group of ALL_GROUPS) sessions.push({ group, session: await group.open() });
      const inputs = () =>
        Object.fromEntries(
          sessions.flatMap(({ group, session }) => group.targets.map((t) => [t.name, text(session.sample(t.name, { seed: SEED, numRuns: 100 }))])),
        );
      const alone = inputs();
      // Every target, in the long pass's order, with the real code under test: whatever it keeps
      // or changes of its inputs must not reach any later target's inputs.
      for (const { group, session } of sessions) {
        for (const target of group.targets) await session.run(target.name, { seed: SEED, numRuns: target.cost === 'cheap' ? ciRuns('cheap') : 10 });
      }
      expect(inputs()).toEqual(alone);
    } finally {
      for (const { session } of sessions) await session.close();
    }
  }, 240_000);
});
