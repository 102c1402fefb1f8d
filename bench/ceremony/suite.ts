// Ceremony latency: navigator.credentials.create/get from a page, through the extension, the
// relay (its own process) and the virtual phone (in this process), back to the page; against the
// same calls answered by Chrome's DevTools virtual authenticator in a second browser without the
// extension. The two are measured in alternating blocks so that load from elsewhere on the
// machine weighs on both.
import type { Page, Worker } from 'playwright-core';
import type { VirtualPhone } from '../../phone/virtual/phone.ts';
import { pairedPhone } from '../browser/extension-ui.ts';
import { launch, serviceWorker, type Browser } from '../browser/launch.ts';
import { addVirtualAuthenticator } from '../../test/support/virtual-authenticator.ts';
import { PageServer } from '../browser/pages.ts';
import type { PhoneEvent } from '../browser/phone-probe.ts';
import { ceremonies, probeCall, type Ceremony } from '../browser/probes.ts';
import { PORTS } from '../lib/ports.ts';
import { startRelay } from '../lib/relay.ts';
import type { FrameEvent } from '../lib/relay-server.ts';
import { atMost, row, type Row, type SuiteResult } from '../lib/results.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import type { Suite, SuiteContext } from '../lib/suite.ts';
import { HOPS, splitHops, storageReads, type SwEvent } from './hops.ts';
import { floorTrips, messagingFloorExtension, type FloorTrip } from '../browser/messaging-floor.ts';

type Kind = 'create' | 'get';
const KINDS: Kind[] = ['create', 'get'];
const TARGET_RATIO = 2;
const TARGET_P99_MS = 50;
const TARGET_HOP_MS = 0.5;

interface Samples {
  pairkey: Ceremony[];
  baseline: Ceremony[];
  /** Per Pairkey ceremony whose every timestamp was found: ms per hop, in HOPS order. */
  hops: number[][];
  /** Per Pairkey ceremony: storage reads while the background handled the request. */
  storage: { count: number; ms: number }[];
  unattributed: number;
}

/** Hop indexes in HOPS of the two page ↔ background hops. */
const TO_BACKGROUND = 0;
const TO_PAGE = HOPS.length - 1;

/** Chromium with the extension, paired with an instrumented in-process phone, on a blank page. */
class PairkeyBrowser {
  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    readonly worker: Worker,
    readonly phone: VirtualPhone,
    readonly phoneEvents: PhoneEvent[],
  ) {}

  static async start(ctx: SuiteContext, relayUrl: string, pageUrl: string): Promise<PairkeyBrowser> {
    const browser = await launch(ctx.chromium, ctx.extensionDir);
    try {
      // The probe goes in first: the extension may open its relay socket as soon as it is paired.
      const worker = await serviceWorker(browser.context);
      await worker.evaluate(probeCall('sw-probe'));
      const { popup, phone, events: phoneEvents } = await pairedPhone(browser.context, relayUrl);
      // As in use: nobody has the popup open while signing in (an open one is sent every state change).
      await popup.page.close();
      const page = await browser.context.newPage();
      await page.goto(pageUrl);
      return new PairkeyBrowser(browser, page, worker, phone, phoneEvents);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** The worker's log since the last call; reinstalls the probe if the worker was restarted. */
  async takeSwEvents(): Promise<SwEvent[] | null> {
    const events = (await this.worker.evaluate('globalThis.__pairkeyBench ? globalThis.__pairkeyBench.splice(0) : null')) as SwEvent[] | null;
    if (events === null) await this.worker.evaluate(probeCall('sw-probe'));
    return events;
  }

  async close(): Promise<void> {
    this.phone.close();
    await this.browser.close();
  }
}

const durations = (cs: Ceremony[]) => cs.map((c) => c.end - c.start);

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const perKind = ctx.smoke ? 6 : 200;
  const block = ctx.smoke ? 3 : 25;
  const warmup = ctx.smoke ? 1 : 10;

  const relay = await startRelay(PORTS.browserRelay, { capture: true });
  const pages = await PageServer.start(PORTS.pages);
  let pairkey: PairkeyBrowser | null = null;
  let plain: Browser | null = null;
  let floor: Browser | null = null;
  try {
    pairkey = await PairkeyBrowser.start(ctx, `http://127.0.0.1:${PORTS.browserRelay}`, pages.url('blank.html'));
    plain = await launch(ctx.chromium, null);
    const basePage = await plain.context.newPage();
    await basePage.goto(pages.url('blank.html'));
    await addVirtualAuthenticator(basePage);
    floor = await launch(ctx.chromium, messagingFloorExtension());
    const floorPage = await floor.context.newPage();
    await floorPage.goto(pages.url('blank.html'));
    await floorTrips(floorPage, warmup);
    const floorSamples: FloorTrip[] = [];
    ctx.log('ceremony: paired; warming up');

    // Warm-up (discarded) also creates the credential each side's get ceremonies use.
    const credential = {
      pairkey: (await ceremonies(pairkey.page, 'create', warmup))[0]!.id,
      baseline: (await ceremonies(basePage, 'create', warmup))[0]!.id,
    };
    await ceremonies(pairkey.page, 'get', warmup, credential.pairkey);
    await ceremonies(basePage, 'get', warmup, credential.baseline);

    const samples: Record<Kind, Samples> = {
      create: { pairkey: [], baseline: [], hops: [], storage: [], unattributed: 0 },
      get: { pairkey: [], baseline: [], hops: [], storage: [], unattributed: 0 },
    };
    for (let done = 0; done < perKind; done += block) {
      for (const kind of KINDS) {
        const n = Math.min(block, perKind - done);
        // Drop whatever the probes logged before this block (warm-up, the other kind).
        await relay.request<FrameEvent[]>('frames');
        await pairkey.takeSwEvents();
        pairkey.phoneEvents.splice(0);

        const measured = await ceremonies(pairkey.page, kind, n, credential.pairkey);
        const streams = { relay: await relay.request<FrameEvent[]>('frames'), sw: (await pairkey.takeSwEvents()) ?? [], phone: pairkey.phoneEvents.splice(0) };
        samples[kind].pairkey.push(...measured);
        for (const c of measured) {
          const hops = splitHops(c, streams);
          if (hops) samples[kind].hops.push(hops);
          else samples[kind].unattributed++;
          const reads = storageReads(c, streams.sw);
          if (reads) samples[kind].storage.push(reads);
        }
        samples[kind].baseline.push(...(await ceremonies(basePage, kind, n, credential.baseline)));
        floorSamples.push(...(await floorTrips(floorPage, n)));
      }
      ctx.log(`ceremony: ${Math.min(done + block, perKind)}/${perKind} of each kind`);
    }
    // Every Pairkey ceremony must have been answered by the phone, never by the browser itself.
    const answered = pairkey.phone.outcomes.filter((o) => o.reply !== 'cancelled').length;
    if (answered !== 2 * warmup + 2 * perKind) throw new Error(`the phone answered ${answered} requests for ${2 * warmup + 2 * perKind} ceremonies`);
    return report(ctx, perKind, block, samples, floorSamples);
  } finally {
    await pairkey?.close();
    await plain?.close();
    await floor?.close();
    await pages.stop();
    await relay.stop();
  }
}

function report(
  ctx: SuiteContext,
  perKind: number,
  block: number,
  samples: Record<Kind, Samples>,
  floor: FloorTrip[],
): SuiteResult {
  const rows: Row[] = [];
  const details: Record<string, { pairkey: Summary; baseline: Summary }> = {};
  for (const kind of KINDS) {
    const pk = summarize(durations(samples[kind].pairkey));
    const base = summarize(durations(samples[kind].baseline));
    details[kind] = { pairkey: pk, baseline: base };
    const baseline = (value: number) => ({ label: 'virtual authenticator', value });
    rows.push(
      row(`${kind} p50`, 'ms', pk.p50, { baseline: baseline(base.p50), target: atMost(TARGET_RATIO, pk.p50 / base.p50, `≤ ${TARGET_RATIO}× baseline`) }),
      row(`${kind} p95`, 'ms', pk.p95, { baseline: baseline(base.p95) }),
      row(`${kind} p99`, 'ms', pk.p99, { baseline: baseline(base.p99), target: atMost(TARGET_P99_MS, pk.p99, `≤ ${TARGET_P99_MS} ms`) }),
    );
  }
  if (samples.create.hops.length === 0 || samples.get.hops.length === 0) throw new Error('no ceremony could be split into hops: a probe is not reporting');
  const hopSummaries = KINDS.map((kind) => HOPS.map((_, i) => summarize(samples[kind].hops.map((h) => h[i]!))));
  const meanTotal = KINDS.map((_, k) => hopSummaries[k]!.reduce((sum, s) => sum + s.mean, 0));
  const floorLabel = (value: number) => ({ label: 'bare extension messaging, same path', value });
  const floorTo = { background: summarize(floor.map((f) => f.toBackground)), page: summarize(floor.map((f) => f.toPage)) };
  const getHop = (i: number) => hopSummaries[KINDS.indexOf('get')]![i]!.p50;
  rows.push(
    row('page → background hop (get), p50', 'ms', getHop(TO_BACKGROUND), {
      baseline: floorLabel(floorTo.background.p50),
      target: atMost(TARGET_HOP_MS, getHop(TO_BACKGROUND), `≤ ${TARGET_HOP_MS} ms`),
    }),
    row('background → page hop (get), p50', 'ms', getHop(TO_PAGE), {
      baseline: floorLabel(floorTo.page.p50),
      target: atMost(TARGET_HOP_MS, getHop(TO_PAGE), `≤ ${TARGET_HOP_MS} ms`),
    }),
  );
  return {
    suite: 'ceremony',
    title: 'Ceremony latency (page → extension → relay → phone → page)',
    params: { ceremoniesPerKindAndPath: perKind, blockSize: block },
    rows,
    tables: [
      {
        title: `Where the time goes (ms; ${samples.create.hops.length} create and ${samples.get.hops.length} get ceremonies with every timestamp)`,
        columns: ['hop', 'create p50', 'create mean', 'get p50', 'get mean', 'share of get (mean)'],
        rows: HOPS.map((hop, i) => [
          hop,
          hopSummaries[0]![i]!.p50,
          hopSummaries[0]![i]!.mean,
          hopSummaries[1]![i]!.p50,
          hopSummaries[1]![i]!.mean,
          `${Math.round((hopSummaries[1]![i]!.mean / meanTotal[1]!) * 100)}%`,
        ]),
      },
      {
        title: 'Stored-state reads (IndexedDB get) while the background handles one request, before it leaves for the relay',
        columns: ['kind', 'reads p50', 'reads max', 'wall time p50 ms', 'background hop p50 ms'],
        rows: KINDS.filter((kind) => samples[kind].storage.length > 0).map((kind) => {
          const reads = samples[kind].storage;
          const counts = summarize(reads.map((r) => r.count));
          return [kind, counts.p50, counts.max, summarize(reads.map((r) => r.ms)).p50, hopSummaries[KINDS.indexOf(kind)]![1]!.p50];
        }),
      },
    ],
    notes: [
      'Baseline: the same page and options in a second headless Chromium without the extension, answered by the DevTools virtual authenticator (CTAP2, USB, UV, automatic presence).',
      'Messaging floor: a third Chromium with an extension that only passes a message from a MAIN-world script through a MessageChannel to an isolated-world bridge and one long-lived runtime port to its service worker, which answers at once (bench/browser/messaging-floor.ts), interleaved with the ceremony blocks. The Pairkey hops also include the page script\'s option conversion (to background) and decrypting the reply and building the credential (to page).',
      'The virtual phone runs in the benchmark process (in-memory store); the relay in its own process. The person\'s approval is instant.',
      'Hop timestamps: page (performance.timeOrigin + now), service worker (a probe evaluated over DevTools wraps WebSocket and adds runtime listeners), relay (listeners prepended on each socket), phone (its decide/record steps and authenticator wrapped). Clocks of different processes agree to a fraction of a millisecond, so single hops of ~0.1 ms can read slightly negative.',
      `Ceremonies whose timestamps could not all be matched: create ${samples.create.unattributed}, get ${samples.get.unattributed}.`,
      ...(ctx.smoke ? ['Smoke run: too few ceremonies for p95/p99 to mean anything.'] : []),
    ],
    details: { summaries: details, floor: floorTo, hops: Object.fromEntries(KINDS.map((k, i) => [k, Object.fromEntries(HOPS.map((h, j) => [h, hopSummaries[i]![j]]))])) },
  };
}

export const ceremonySuite: Suite = { name: 'ceremony', run };
