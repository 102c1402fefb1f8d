// Extension overhead: what installing Pairkey costs a page that never uses WebAuthn (page-load
// time with and without the extension, same run), the size of the script injected into every
// page, and the service worker's cold start (against an empty MV3 worker, and as the delay it
// adds to the first ceremony after Chrome stopped the idle worker).
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { pairedPhone } from '../browser/extension-ui.ts';
import { extensionId, launch, type Browser } from '../browser/launch.ts';
import { messagingFloorExtension } from '../browser/messaging-floor.ts';
import { addVirtualAuthenticator } from '../../test/support/virtual-authenticator.ts';
import { PageServer } from '../browser/pages.ts';
import { ceremonies } from '../browser/probes.ts';
import { WorkerControl } from '../browser/worker-control.ts';
import { PORTS } from '../lib/ports.ts';
import { startRelay } from '../lib/relay.ts';
import { atMost, row, type Row, type SuiteResult } from '../lib/results.ts';
import { medianRatioInterval, round, summarize } from '../lib/stats.ts';
import type { Suite, SuiteContext } from '../lib/suite.ts';

const TARGET_LOAD_RATIO = 1.02;
const TARGET_MAIN_WORLD_BYTES = 10 * 1024;

interface Manifest {
  background?: { service_worker?: string };
  content_scripts?: { js?: string[]; world?: string }[];
}

interface Sizes {
  mainWorld: { file: string; bytes: number; gzip: number };
  bridge: { file: string; bytes: number; gzip: number };
}

function scriptSizes(extensionDir: string): Sizes {
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as Manifest;
  const size = (file: string) => {
    const bytes = readFileSync(join(extensionDir, file));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  const scripts = manifest.content_scripts ?? [];
  const main = scripts.find((s) => s.world === 'MAIN')?.js?.[0];
  const bridge = scripts.find((s) => s.world !== 'MAIN')?.js?.[0];
  if (!main || !bridge) throw new Error('the manifest lists no MAIN-world script and bridge');
  return { mainWorld: size(main), bridge: size(bridge) };
}

/** An MV3 extension whose worker does nothing: the floor any extension's cold start has. */
function emptyExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pairkey-bench-empty-ext-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Empty', version: '1.0', background: { service_worker: 'sw.js' } }));
  writeFileSync(join(dir, 'sw.js'), "self.addEventListener('message', () => {});\n");
  return dir;
}

interface Load {
  /** Navigation start → load event. */
  load: number;
  domContentLoaded: number;
  /** Navigation start → the page's first own script (after every document_start content script). */
  firstScript: number;
}

async function loadOnce(page: Page, url: string): Promise<Load> {
  await page.goto(url, { waitUntil: 'load' });
  return page.evaluate(
    `(() => { const n = performance.getEntriesByType('navigation')[0]; return { load: n.loadEventStart, domContentLoaded: n.domContentLoadedEventEnd, firstScript: window.__firstScriptAt }; })()`,
  );
}

/**
 * Loads rotate between the browsers (each round in a new order), so drift in machine load hits
 * all alike: Pairkey, none, and the floor extension (two empty document_start content scripts).
 */
async function pageLoads(pages: { withExt: Page; without: Page; floor: Page }, url: string, count: number): Promise<{ withExt: Load[]; without: Load[]; floor: Load[] }> {
  const out = { withExt: [] as Load[], without: [] as Load[], floor: [] as Load[] };
  const order = ['withExt', 'without', 'floor'] as const;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < order.length; j++) {
      const which = order[(i + j) % order.length]!;
      out[which].push(await loadOnce(pages[which], url));
    }
  }
  return out;
}

/**
 * The MAIN-world script's own run time on each page: its built file, wrapped in two timestamps,
 * as an init script (document start, page world) in the browser without the extension.
 */
async function mainWorldRunTimes(page: Page, extensionDir: string, file: string, url: string, count: number): Promise<number[]> {
  const code = readFileSync(join(extensionDir, file), 'utf8');
  await page.addInitScript(`window.__mainWorldStart = performance.now();\n${code}\n;window.__mainWorldMs = performance.now() - window.__mainWorldStart;`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    await page.goto(url, { waitUntil: 'load' });
    out.push((await page.evaluate('window.__mainWorldMs')) as number);
  }
  return out;
}

/** Worker start times (stop, then start on request), alternating between the two extensions. */
async function workerStarts(pairkey: WorkerControl, empty: WorkerControl, count: number): Promise<{ pairkey: number[]; empty: number[] }> {
  const out = { pairkey: [] as number[], empty: [] as number[] };
  for (let i = 0; i < count; i++) {
    await pairkey.stop();
    out.pairkey.push(await pairkey.start());
    await empty.stop();
    out.empty.push(await empty.start());
  }
  return out;
}

/** One get ceremony right after the worker was stopped, then one with it running. */
async function coldAndWarm(worker: WorkerControl, page: Page, credentialId: string, count: number): Promise<{ cold: number[]; warm: number[] }> {
  const out = { cold: [] as number[], warm: [] as number[] };
  const once = async () => {
    const [c] = await ceremonies(page, 'get', 1, credentialId);
    return c!.end - c!.start;
  };
  for (let i = 0; i < count; i++) {
    await worker.stop();
    out.cold.push(await once());
    await worker.running();
    out.warm.push(await once());
  }
  return out;
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  // BENCH_PAGE_LOADS: the interval narrows with √n; ~1,800 each resolves ±2% on a quiet machine.
  const loads = ctx.smoke ? 6 : Number(process.env.BENCH_PAGE_LOADS ?? 150);
  const cycles = ctx.smoke ? 2 : 20;
  const emptyDir = emptyExtension();
  const relay = await startRelay(PORTS.browserRelay);
  const pages = await PageServer.start(PORTS.pages);
  const browsers: Browser[] = [];
  try {
    const [ext, plain, empty, floor] = await Promise.all([
      launch(ctx.chromium, ctx.extensionDir),
      launch(ctx.chromium, null),
      launch(ctx.chromium, emptyDir),
      launch(ctx.chromium, messagingFloorExtension()),
    ]);
    browsers.push(ext!, plain!, empty!, floor!);
    const loadPages = { withExt: await ext!.context.newPage(), without: await plain!.context.newPage(), floor: await floor!.context.newPage() };
    const url = pages.url('load.html');
    await pageLoads(loadPages, url, Math.min(5, loads)); // warm-up: caches, compiled code
    const measured = await pageLoads(loadPages, url, loads);
    ctx.log(`extension: ${loads} page loads with and without the extension`);
    const sizes = scriptSizes(ctx.extensionDir);
    const mainWorld = await mainWorldRunTimes(await plain!.context.newPage(), ctx.extensionDir, sizes.mainWorld.file, url, Math.ceil(loads / 4));

    const workers = {
      pairkey: await WorkerControl.attach(ext!.context, await extensionId(ext!.context)),
      empty: await WorkerControl.attach(empty!.context, await extensionId(empty!.context)),
    };
    const starts = await workerStarts(workers.pairkey, workers.empty, cycles);
    ctx.log(`extension: ${cycles} worker cold starts`);

    // No phone paired: the call passes through to the browser (here its virtual authenticator).
    const callPage = await ext!.context.newPage();
    await callPage.goto(pages.url('blank.html'));
    await addVirtualAuthenticator(callPage);
    const [browserCredential] = await ceremonies(callPage, 'create', 1);
    const passthrough = await coldAndWarm(workers.pairkey, callPage, browserCredential!.id, cycles);

    // Paired: the first ceremony after a stop also reopens the relay session (fresh KK handshake).
    const { popup, phone } = await pairedPhone(ext!.context, `http://127.0.0.1:${PORTS.browserRelay}`);
    await popup.page.close(); // an open popup keeps the worker awake
    try {
      const [phoneCredential] = await ceremonies(callPage, 'create', 1);
      const paired = await coldAndWarm(workers.pairkey, callPage, phoneCredential!.id, cycles);
      ctx.log(`extension: ${cycles} cold and warm ceremonies, unpaired and paired`);
      return report(ctx, { loads, cycles }, measured, sizes, mainWorld, starts, passthrough, paired);
    } finally {
      phone.close();
    }
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    await pages.stop();
    await relay.stop();
    rmSync(emptyDir, { recursive: true, force: true });
  }
}

function report(
  ctx: SuiteContext,
  params: { loads: number; cycles: number },
  loads: { withExt: Load[]; without: Load[]; floor: Load[] },
  sizes: Sizes,
  mainWorld: number[],
  starts: { pairkey: number[]; empty: number[] },
  passthrough: { cold: number[]; warm: number[] },
  paired: { cold: number[]; warm: number[] },
): SuiteResult {
  const p50 = (xs: number[]) => summarize(xs).p50;
  const pick = (ls: Load[], k: keyof Load) => ls.map((l) => l[k]);
  const noExt = (value: number) => ({ label: 'no extension', value });
  const loadRatio = p50(pick(loads.withExt, 'load')) / p50(pick(loads.without, 'load'));
  const [low, high] = medianRatioInterval(pick(loads.withExt, 'load'), pick(loads.without, 'load'));
  // What any extension pays for document_start content scripts in every frame, and Pairkey above it.
  const floorRow = (metric: string, a: Load[], b: Load[], baseline: { label: string; value: number }) => {
    const [lo, hi] = medianRatioInterval(pick(a, 'load'), pick(b, 'load'));
    return row(metric, 'ms', p50(pick(a, 'load')), { baseline, note: `95% interval of the ratio: ${round(lo)}–${round(hi)}` });
  };
  const rows: Row[] = [
    row('page load (navigation start → load event), p50', 'ms', p50(pick(loads.withExt, 'load')), {
      baseline: noExt(p50(pick(loads.without, 'load'))),
      target: atMost(TARGET_LOAD_RATIO, loadRatio, `≤ ${Math.round((TARGET_LOAD_RATIO - 1) * 100)}% overhead`),
      note: `95% interval of the ratio: ${round(low)}–${round(high)}`,
    }),
    floorRow('page load with the floor extension, p50', loads.floor, loads.without, { label: 'no extension', value: p50(pick(loads.without, 'load')) }),
    floorRow('page load with Pairkey against the floor extension, p50', loads.withExt, loads.floor, { label: 'floor extension', value: p50(pick(loads.floor, 'load')) }),
    row('DOMContentLoaded, p50', 'ms', p50(pick(loads.withExt, 'domContentLoaded')), { baseline: noExt(p50(pick(loads.without, 'domContentLoaded'))) }),
    row('first page script runs, p50', 'ms', p50(pick(loads.withExt, 'firstScript')), {
      baseline: noExt(p50(pick(loads.without, 'firstScript'))),
      note: 'after both document_start content scripts',
    }),
    row('MAIN-world script, minified', 'bytes', sizes.mainWorld.bytes, {
      target: atMost(TARGET_MAIN_WORLD_BYTES, sizes.mainWorld.bytes, '≤ 10 KB'),
      note: `${sizes.mainWorld.file}; gzip ${sizes.mainWorld.gzip} bytes`,
    }),
    row('MAIN-world script run time per page, p50', 'ms', p50(mainWorld), {
      baseline: noExt(p50(pick(loads.without, 'load'))),
      note: 'its own execution at document start; baseline: the whole page load without the extension',
    }),
    row('bridge content script, minified', 'bytes', sizes.bridge.bytes, {
      target: atMost(TARGET_MAIN_WORLD_BYTES, sizes.bridge.bytes, '≤ 10 KB'),
      note: `${sizes.bridge.file}; gzip ${sizes.bridge.gzip} bytes` }),
    row('service worker start (stopped → running), p50', 'ms', p50(starts.pairkey), { baseline: { label: 'empty MV3 worker', value: p50(starts.empty) } }),
    row('get, no phone paired, right after a worker stop, p50', 'ms', p50(passthrough.cold), {
      baseline: { label: 'same, worker running', value: p50(passthrough.warm) },
      note: 'passes through to the browser’s authenticator',
    }),
    row('get via the phone, right after a worker stop, p50', 'ms', p50(paired.cold), {
      baseline: { label: 'same, worker running', value: p50(paired.warm) },
      note: 'includes reconnecting to the relay and a fresh KK handshake with the phone',
    }),
  ];
  return {
    suite: 'extension',
    title: 'Extension overhead',
    params: { pageLoadsEach: params.loads, coldStartCycles: params.cycles },
    rows,
    tables: [],
    notes: [
      'Page loads rotate between a Chromium with the extension (no phone paired: content scripts are injected the same either way), one without, and one with the floor extension (bench/browser/messaging-floor.ts: a MAIN-world and an isolated-world document_start script of a few lines each, what any extension that must run before the page pays), loading the same page (a stylesheet, two deferred scripts, 300 list items) from a local server with caching off.',
      'Worker start is timed from DevTools `ServiceWorker.startWorker` to the worker reporting `running`. Playwright attaches to every new worker, which is included for both extensions alike; so are the cold-ceremony numbers.',
      ...(ctx.smoke ? ['Smoke run: too few loads to resolve a 2% difference.'] : []),
    ],
    details: {
      loads: { withExt: summarize(pick(loads.withExt, 'load')), without: summarize(pick(loads.without, 'load')), ratioInterval: [low, high] },
      sizes,
      mainWorldRunMs: summarize(mainWorld),
      starts: { pairkey: summarize(starts.pairkey), empty: summarize(starts.empty) },
      passthrough: { cold: summarize(passthrough.cold), warm: summarize(passthrough.warm) },
      paired: { cold: summarize(paired.cold), warm: summarize(paired.warm) },
    },
  };
}

export const extensionSuite: Suite = { name: 'extension', run };
