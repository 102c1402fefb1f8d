// All user-visible strings live in _locales/en/messages.json: every key the pages, scripts and
// manifest use exists there, and every message there is used.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const messages = JSON.parse(readFileSync(join(ROOT, 'extension/public/_locales/en/messages.json'), 'utf8')) as Record<string, { message: string; description?: string }>;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).filter((f) => /\.(ts|html)$/.test(f) && !f.endsWith('.test.ts')).map((f) => readFileSync(join(ROOT, dir, f), 'utf8'));
}

function usedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const text of [...sources('extension/ui'), ...sources('extension/background'), readFileSync(join(ROOT, 'manifest.json'), 'utf8')]) {
    for (const m of text.matchAll(/data-i18n(?:-[a-z-]+)?="([A-Za-z0-9_]+)"/g)) keys.add(m[1]!);
    for (const m of text.matchAll(/\bt\('([A-Za-z0-9_]+)'/g)) keys.add(m[1]!);
    for (const m of text.matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) keys.add(m[1]!);
    // Keys chosen from a table: `STATUS_KEYS`, `STAGE_KEYS`, `RULE_KEYS` values.
    for (const table of text.matchAll(/_KEYS[^=]*=\s*\{([^}]*)\}/g)) for (const m of table[1]!.matchAll(/'([A-Za-z0-9_]+)'\s*(?:,|$)/gm)) keys.add(m[1]!);
  }
  return keys;
}

describe('messages.json', () => {
  it('has every key the extension uses', () => {
    const missing = [...usedKeys()].filter((k) => !(k in messages));
    expect(missing).toEqual([]);
  });

  it('has no message nobody uses', () => {
    const used = usedKeys();
    expect(Object.keys(messages).filter((k) => !used.has(k))).toEqual([]);
  });

  it('describes every message for translators and uses only $1-style substitutions', () => {
    for (const [key, { message, description }] of Object.entries(messages)) {
      expect(description, key).toBeTruthy();
      expect(message.replace(/\$[1-9]/g, ''), key).not.toMatch(/\$/);
    }
  });
});

describe('the German catalog (_locales/de)', () => {
  const german = JSON.parse(readFileSync(join(ROOT, 'extension/public/_locales/de/messages.json'), 'utf8')) as Record<string, { message: string }>;

  it('translates only keys English has, with the same $1-style substitutions', () => {
    expect(Object.keys(german).filter((k) => !(k in messages))).toEqual([]);
    for (const [key, { message }] of Object.entries(german)) {
      expect(message.match(/\$[1-9]/g)?.sort() ?? [], key).toEqual(messages[key]!.message.match(/\$[1-9]/g)?.sort() ?? []);
    }
  });
});
