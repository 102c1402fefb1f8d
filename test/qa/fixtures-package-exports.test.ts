// The QA harness as a consumer gets it: `pairkey/qa` and `pairkey/qa/playwright` through the
// package's exports, compiled to plain JavaScript (dist/lib, part of `npm run build`), imported by
// plain Node with no TypeScript loader — as from node_modules, where nothing transforms .ts.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function exportsOf(specifier: string): string[] {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

test('pairkey/qa loads in plain Node and offers the phone, the launchers and the TOTP helpers', () => {
  expect(exportsOf('pairkey/qa')).toEqual(expect.arrayContaining(['QaPhone', 'launchPairkeyChromium', 'launchPairkeyFirefox', 'readQrFromPng', 'totpCode']));
});

test('pairkey/qa/playwright offers the test fixture and expect', () => {
  expect(exportsOf('pairkey/qa/playwright')).toEqual(expect.arrayContaining(['test', 'expect']));
});
