// `npm run conformance`: replay the corpus in native Chromium and in Chromium with Pairkey, write
// the report (test-results/conformance/), and fail when agreement is below floor.json.
//   --subset ci        only the cases marked `ci: true` (the part `npm test` runs)
//   --filter REGEXP    only matching case ids (development)
//   --headed           show the browsers
//   --browser B        chromium (default), firefox, or both: Firefox ESR with and without Pairkey,
//                      reported on its own (report-firefox.{md,json}, no floor: measured)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compare, isClientOutcome, markdownReport, type KnownCause } from './compare.ts';
import { hostsOf, loadCorpus, type CaseSpec } from './corpus.ts';
import { replay, type CaseResult } from './replay.ts';
import { startSites } from './sites.ts';
import { extensionTarget, nativeTarget, siteFlags, type Target } from './targets.ts';
import { firefoxExtensionTarget, firefoxNativeTarget, type FirefoxSites } from './targets-firefox.ts';
import { makeThrowAwayCert } from './tls.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const { values: args } = parseArgs({
  options: {
    subset: { type: 'string' },
    filter: { type: 'string' },
    headed: { type: 'boolean', default: false },
    browser: { type: 'string', default: 'chromium' },
    /** Replay in one browser only and save its outcomes to OUT/<target>.json (development). */
    only: { type: 'string' },
    /** Compare the saved OUT/native.json and OUT/extension.json instead of replaying. */
    saved: { type: 'boolean', default: false },
    out: { type: 'string', default: 'test-results/conformance' },
  },
});

const FLOOD = /^Too many requests from this site/;
/** One site token's refill time (extension/background/request-limits.ts BUDGETS.site), plus margin. */
const FLOOD_REFILL_MS = 13_000;

interface Floor {
  outcome: number;
  shape: number;
}

async function runAll(target: Target, corpus: ReturnType<typeof loadCorpus>, cases: CaseSpec[], port: number): Promise<Map<string, CaseResult>> {
  const results = new Map<string, CaseResult>();
  for (const spec of cases) {
    let r = await replay(target, corpus, spec, port);
    // Pairkey refuses a site's calls over its flood budget (docs/extension.md "Limits"); the corpus
    // makes hundreds of failing calls on one site in a row, which no real site does: wait for the
    // budget to refill and replay the call (reported as a retry).
    for (let retry = 1; retry <= 3 && FLOOD.test(r.message ?? ''); retry++) {
      process.stdout.write(`${target.name.padEnd(17)} ${spec.id.padEnd(60)} flood budget: retry ${retry}\n`);
      await new Promise((resolve) => setTimeout(resolve, FLOOD_REFILL_MS));
      r = await replay(target, corpus, spec, port);
    }
    results.set(spec.id, r);
    process.stdout.write(`${target.name.padEnd(17)} ${spec.id.padEnd(60)} ${r.outcome}\n`);
  }
  return results;
}

const saved = (name: string) => new Map(Object.entries(JSON.parse(readFileSync(`${args.out}/${name}.json`, 'utf8')) as Record<string, CaseResult>));
const save = (name: string, results: Map<string, CaseResult>) => writeFileSync(`${args.out}/${name}.json`, JSON.stringify(Object.fromEntries(results), null, 1));

async function main(): Promise<number> {
  const corpus = loadCorpus();
  let cases = corpus.cases;
  if (args.subset === 'ci') cases = cases.filter((c) => c.ci);
  if (args.filter) cases = cases.filter((c) => new RegExp(args.filter!).test(c.id));
  mkdirSync(args.out!, { recursive: true });
  const browser = args.browser;
  if (browser !== 'chromium' && browser !== 'firefox' && browser !== 'both') throw new Error(`--browser ${browser}: chromium, firefox or both`);
  const chromiumToo = browser !== 'firefox';
  const firefoxToo = browser !== 'chromium';
  if (args.saved) {
    if (firefoxToo) firefoxReport(cases, saved('firefox-native'), saved('firefox-extension'), 0, '');
    return chromiumToo ? report(cases, saved('native'), saved('extension'), 0) : 0;
  }
  const cert = makeThrowAwayCert(hostsOf(corpus.cases, corpus.wellKnown));
  const sites = await startSites(cert, corpus.wellKnown);
  try {
    if (firefoxToo) await runFirefox(corpus, cases, { port: sites.port, ca: cert.ca });
    return chromiumToo ? await runChromium(corpus, cases, sites.port, cert.spkiHash) : 0;
  } finally {
    await sites.close();
  }
}

async function runFirefox(corpus: ReturnType<typeof loadCorpus>, cases: CaseSpec[], sites: FirefoxSites): Promise<void> {
  const port = sites.port;
  const headless = !args.headed;
  const started = Date.now();
  let native = new Map<string, CaseResult>();
  let extension = new Map<string, CaseResult>();
  let authenticator = '';
  if (args.only !== 'extension') {
    const n = await firefoxNativeTarget(sites, headless);
    authenticator = n.virtualAuthenticator ? 'WebDriver virtual authenticator (Marionette)' : 'none (no virtual authenticator reachable)';
    try {
      native = await runAll(n, corpus, cases, port);
    } finally {
      await n.close();
    }
    save('firefox-native', native);
  }
  if (args.only === 'native') return;
  const e = await firefoxExtensionTarget(sites, headless);
  try {
    extension = await runAll(e, corpus, cases, port);
  } finally {
    await e.close();
  }
  save('firefox-extension', extension);
  if (args.only === 'extension') return;
  firefoxReport(cases, native, extension, Date.now() - started, authenticator);
}

/** Firefox's agreement, reported on its own: measured, no floor. */
function firefoxReport(cases: CaseSpec[], native: Map<string, CaseResult>, extension: Map<string, CaseResult>, elapsedMs: number, authenticator: string): void {
  const causes = JSON.parse(readFileSync(here('./causes-firefox.json'), 'utf8')) as KnownCause[];
  const all = compare(cases, native, extension, causes);
  // The calls Firefox answers without any authenticator (validation, origin and RP ID checks).
  const clientOnly = cases.filter((c) => isClientOutcome(native.get(c.id)?.outcome ?? ''));
  const client = compare(clientOnly, native, extension, causes);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const meta = {
    browser: 'Firefox ESR (puppeteer-core over WebDriver BiDi)',
    cases: `${cases.length}${args.subset ? ` (subset ${args.subset})` : ''}${args.filter ? ` (filter ${args.filter})` : ''}`,
    ...(authenticator ? { "Firefox's own authenticator": authenticator } : {}),
    'answered by the client alone (native outcome needs no authenticator)': `${client.outcomeAgree} / ${client.total} outcomes (${pct(client.outcomeRate)}), ${client.shapeAgree} / ${client.total} shapes`,
    ...(elapsedMs ? { 'run time': `${Math.round(elapsedMs / 1000)} s` } : {}),
  };
  writeFileSync(`${args.out}/report-firefox.json`, JSON.stringify({ meta, ...all, clientOnly: { ...client, differences: undefined }, native: Object.fromEntries(native), extension: Object.fromEntries(extension) }, null, 2));
  const md = markdownReport(all, meta, 'Firefox ESR');
  writeFileSync(`${args.out}/report-firefox.md`, md);
  process.stdout.write(`\n${md}\nreport: ${args.out}/report-firefox.md and report-firefox.json\n`);
}

async function runChromium(corpus: ReturnType<typeof loadCorpus>, cases: CaseSpec[], port: number, spkiHash: string): Promise<number> {
  const flags = siteFlags(port, spkiHash);
  const headless = !args.headed;
  const started = Date.now();
  let native = new Map<string, CaseResult>();
  let extension = new Map<string, CaseResult>();
  if (args.only !== 'extension') {
    const n = await nativeTarget(flags, headless);
    try {
      native = await runAll(n, corpus, cases, port);
    } finally {
      await n.close();
    }
    save('native', native);
  }
  if (args.only === 'native') return 0;
  const e = await extensionTarget(flags, headless);
  try {
    extension = await runAll(e, corpus, cases, port);
  } finally {
    await e.close();
  }
  save('extension', extension);
  if (args.only === 'extension') return 0;
  return report(cases, native, extension, Date.now() - started);
}

function report(cases: CaseSpec[], native: Map<string, CaseResult>, extension: Map<string, CaseResult>, elapsedMs: number): number {
  const causes = JSON.parse(readFileSync(here('./causes.json'), 'utf8')) as KnownCause[];
  const comparison = compare(cases, native, extension, causes);
  const floors = JSON.parse(readFileSync(here('./floor.json'), 'utf8')) as Record<'full' | 'ci', Floor>;
  const floor = args.subset === 'ci' ? floors.ci : floors.full;
  const meta = {
    cases: `${cases.length}${args.subset ? ` (subset ${args.subset})` : ''}${args.filter ? ` (filter ${args.filter})` : ''}`,
    'floor (outcome / shape)': `${floor.outcome} / ${floor.shape}`,
    ...(elapsedMs ? { 'run time': `${Math.round(elapsedMs / 1000)} s` } : {}),
  };
  writeFileSync(`${args.out}/report.json`, JSON.stringify({ meta, ...comparison, native: Object.fromEntries(native), extension: Object.fromEntries(extension) }, null, 2));
  const md = markdownReport(comparison, meta);
  writeFileSync(`${args.out}/report.md`, md);
  process.stdout.write(`\n${md}\nreport: ${args.out}/report.md and report.json\n`);
  // The floor is judged on the whole corpus or the CI subset, not on a development filter.
  if (!args.filter && (comparison.outcomeRate < floor.outcome || comparison.shapeRate < floor.shape)) {
    process.stderr.write(`Conformance below the floor: outcome ${comparison.outcomeRate.toFixed(3)} (floor ${floor.outcome}), shape ${comparison.shapeRate.toFixed(3)} (floor ${floor.shape})\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
