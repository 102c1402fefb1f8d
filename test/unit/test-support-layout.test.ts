// The rule docs/development.md states for test support: test-only modules live in a `testing/`
// folder of the layer they help test (shared/testing, harness-server/testing) or in test/support;
// production code never imports them. Reads the tracked sources, so a new file is covered at once.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sources = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

const isTestSupport = (path: string): boolean => path.startsWith('test/') || /(^|\/)testing\//.test(path);
/** Test files, the benchmark, and the root-level tool configs may use test support. */
const mayUseTestSupport = (path: string): boolean =>
  isTestSupport(path) || /\.(test|spec)\.ts$/.test(path) || path.startsWith('bench/') || !path.includes('/');

function relativeImports(path: string): string[] {
  const text = readFileSync(join(root, path), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) =>
    normalize(join(dirname(path), match[1]!)),
  );
}

describe('test support', () => {
  it('is imported by no production module', () => {
    const offenders = sources
      .filter((path) => !mayUseTestSupport(path))
      .flatMap((path) => relativeImports(path).filter(isTestSupport).map((target) => `${path} → ${relative('.', target)}`));
    expect(offenders).toEqual([]);
  });

  it('has no test-only module at the top of a production folder', () => {
    const strays = sources.filter((path) => !isTestSupport(path) && /(^|\/)(testing|test-[^/]*)\.ts$/.test(path) && !path.endsWith('test-hooks.ts'));
    expect(strays).toEqual([]);
  });
});
