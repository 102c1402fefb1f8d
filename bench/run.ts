// `npm run bench` / `npm run bench:smoke`: builds the Chrome extension, runs the suites one after
// another, writes bench/results/<suite>.json and the tables in docs/performance.md.
//
//   tsx bench/run.ts [--smoke] [--only ceremony,relay,...] [--dist DIR]
//
// --smoke: tiny iteration counts; prints the tables and writes bench/results/smoke/, never the
// docs. --dist: use an already built extension (DIR/chrome) instead of building one.
// --docs-only: measure nothing; rewrite the tables in docs/performance.md from bench/results/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumPath } from '../qa/browser/browsers.ts';
import { ceremonySuite } from './ceremony/suite.ts';
import { extensionSuite } from './extension/suite.ts';
import { describeMachine, sampleLoad, wasBusy } from './lib/machine.ts';
import { renderReport, spliceGenerated } from './lib/report.ts';
import { writeResults, type RunInfo, type SuiteResult } from './lib/results.ts';
import type { Suite } from './lib/suite.ts';
import { pairingSuite } from './pairing/suite.ts';
import { relaySuite } from './relay/suite.ts';
import { rpSuite } from './rp/suite.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');
const DOC = join(ROOT, 'docs', 'performance.md');
const SUITES: Suite[] = [ceremonySuite, pairingSuite, extensionSuite, relaySuite, rpSuite];
const BROWSER_SUITES = new Set(['ceremony', 'pairing', 'extension']);
const BUDGET_S = 600;

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    dist: { type: 'string' },
    'docs-only': { type: 'boolean', default: false },
  },
});

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

function selectedSuites(): Suite[] {
  if (!values.only) return SUITES;
  const names = values.only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  return SUITES.filter((s) => names.includes(s.name));
}

/** The extension as the browser suites load it: built from the current sources unless --dist. */
function extensionDir(): { dir: string; cleanup: () => void } {
  if (values.dist) {
    const dir = join(values.dist, 'chrome');
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} holds no built extension`);
    return { dir, cleanup: () => undefined };
  }
  const owned = !process.env.PAIRKEY_DIST_DIR;
  const distDir = process.env.PAIRKEY_DIST_DIR ?? mkdtempSync(join(tmpdir(), 'pairkey-bench-dist-'));
  log(`building the Chrome extension into ${distDir}`);
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'extension/build.ts', 'chrome'], {
    cwd: ROOT,
    env: { ...process.env, PAIRKEY_DIST_DIR: distDir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) throw new Error('the extension build failed');
  return { dir: join(distDir, 'chrome'), cleanup: () => owned && rmSync(distDir, { recursive: true, force: true }) };
}

/** Every full result on disk (this run's and earlier ones for suites not run now), by run. */
function renderDocSection(): string {
  const files = readdirSync(RESULTS).filter((f) => f.endsWith('.json'));
  const byRun = new Map<string, { run: RunInfo; suites: SuiteResult[] }>();
  for (const file of files) {
    const { run, ...suite } = JSON.parse(readFileSync(join(RESULTS, file), 'utf8')) as SuiteResult & { run: RunInfo };
    const group = byRun.get(run.startedAt) ?? { run, suites: [] };
    group.suites.push(suite);
    byRun.set(run.startedAt, group);
  }
  // Suites in the runner's order; a run that measured only some suites appears where its first one does.
  const order = (suite: SuiteResult) => SUITES.findIndex((s) => s.name === suite.suite);
  return [...byRun.values()]
    .map(({ run, suites }) => ({ run, suites: suites.sort((a, b) => order(a) - order(b)) }))
    .sort((a, b) => order(a.suites[0]!) - order(b.suites[0]!))
    .map(({ run, suites }) => renderReport(run, suites))
    .join('\n\n---\n\n');
}

function writeDoc(): void {
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Performance\n';
  writeFileSync(DOC, spliceGenerated(doc, renderDocSection()));
  log('updated docs/performance.md');
}

async function main(): Promise<number> {
  if (values['docs-only']) {
    writeDoc();
    return 0;
  }
  const suites = selectedSuites();
  const chromium = chromiumPath();
  const machine = describeMachine(chromium);
  const before = sampleLoad();
  const startedAt = new Date();
  log(`${values.smoke ? 'smoke' : 'full'} run: ${suites.map((s) => s.name).join(', ')}; load average ${before.loadavg.join(' / ')}`);

  const needsExtension = suites.some((s) => BROWSER_SUITES.has(s.name));
  const extension = needsExtension ? extensionDir() : { dir: '', cleanup: () => undefined };
  const results: SuiteResult[] = [];
  const failures: string[] = [];
  try {
    for (const suite of suites) {
      const t = Date.now();
      log(`suite ${suite.name}`);
      try {
        results.push(await suite.run({ smoke: values.smoke, extensionDir: extension.dir, chromium, log }));
        log(`suite ${suite.name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
      } catch (error) {
        failures.push(suite.name);
        log(`suite ${suite.name} FAILED: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
  } finally {
    extension.cleanup();
  }

  const after = sampleLoad();
  const finishedAt = new Date();
  const run: RunInfo = {
    mode: values.smoke ? 'smoke' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    machine,
    load: { before, after },
    otherWorkRunning: wasBusy(before, machine.cores),
  };
  const written = writeResults(values.smoke ? join(RESULTS, 'smoke') : RESULTS, run, results);
  console.log(`\n${renderReport(run, results)}\n`);
  log(`wrote ${written.map((p) => p.slice(ROOT.length)).join(', ')}`);
  if (!values.smoke && results.length > 0) writeDoc();
  log(`finished in ${run.durationS.toFixed(0)} s; load average after ${after.loadavg.join(' / ')}`);
  if (run.durationS > BUDGET_S) log(`WARNING: the run took longer than its ${BUDGET_S} s budget`);
  if (failures.length > 0) log(`failed suites: ${failures.join(', ')}`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
