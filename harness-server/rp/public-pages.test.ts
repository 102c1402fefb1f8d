// The RP's browser scripts have no build step, so nothing else would notice a syntax error
// before a browser does: each one must parse as an ES module. And every string a script passes
// to t() has a German entry in i18n/de.json (the e2e German spec checks the rendered pages).
import { transform } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const scripts = readdirSync(`${PUBLIC_DIR}js`).filter((f) => f.endsWith('.js'));
const german = JSON.parse(readFileSync(`${PUBLIC_DIR}i18n/de.json`, 'utf8')) as Record<string, string>;

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{\w+\}/g)].map((m) => m[0]))].sort();

describe('RP page scripts', () => {
  it.each(scripts)('%s parses as an ES module', async (file) => {
    await expect(transform(readFileSync(`${PUBLIC_DIR}js/${file}`, 'utf8'), { format: 'esm', loader: 'js' })).resolves.toBeTruthy();
  });

  it("every element a script looks up with $('id') exists in a page (or common.js's header)", () => {
    const markup = [...readdirSync(PUBLIC_DIR).filter((f) => f.endsWith('.html')).map((f) => readFileSync(`${PUBLIC_DIR}${f}`, 'utf8')), readFileSync(`${PUBLIC_DIR}js/common.js`, 'utf8')].join('\n');
    const missing = scripts.flatMap((file) => [...readFileSync(`${PUBLIC_DIR}js/${file}`, 'utf8').matchAll(/\$\('([\w-]+)'\)/g)].map((m) => m[1]!)).filter((id) => !new RegExp(`\\sid="${id}"`).test(markup));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('every literal t() string has a German translation with the same placeholders', () => {
    const missing: string[] = [];
    for (const file of scripts) {
      const source = readFileSync(`${PUBLIC_DIR}js/${file}`, 'utf8');
      for (const match of source.matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)) {
        const english = match[1]!.replace(/\\'/g, "'");
        const translated = german[english];
        if (translated === undefined) missing.push(`${file}: ${english}`);
        else expect(placeholders(translated), english).toEqual(placeholders(english));
      }
    }
    expect(missing).toEqual([]);
  });
});
