// The phone app's German catalog covers every string the app's code passes through t(), with the
// same {placeholders}; the e2e test (test/e2e/phone-app-german.spec.ts) checks the rendered screens.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const german = JSON.parse(readFileSync(join(SRC, 'i18n/de.json'), 'utf8')) as Record<string, string>;

function sources(): string[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  return [...files.map((f) => readFileSync(join(SRC, f), 'utf8')), readFileSync(join(SRC, '../sw.ts'), 'utf8')];
}

/** Every literal given to t(), including both arms of a `t(cond ? 'a' : 'b')`. */
function keys(): Set<string> {
  const found = new Set<string>();
  for (const text of sources()) {
    for (const call of text.matchAll(/\bt\(\s*((?:[^()'"]|'(?:[^'\\]|\\.)*'|\([^()]*\))*?)\s*(?:,\s*\{|\))/gs)) {
      // Literals compared against (`source === 'opened' ? … : …`) are conditions, not text.
      for (const literal of call[1]!.matchAll(/([=!]==\s*)?'((?:[^'\\]|\\.)*)'/g)) if (!literal[1]) found.add(literal[2]!);
    }
  }
  return found;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the phone app’s German catalog', () => {
  it('translates every string the code passes through t()', () => {
    const all = keys();
    expect(all.size).toBeGreaterThan(80);
    expect([...all].filter((key) => !(key in german))).toEqual([]);
  });

  it('keeps every {placeholder} of the English text', () => {
    for (const [english, translated] of Object.entries(german)) expect(placeholders(translated), english).toEqual(placeholders(english));
  });
});
