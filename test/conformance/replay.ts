// Replay one corpus case in one target: optional setup registration, the page (and frame), the
// call with its abort plan, and what the site saw. Browser-neutral: a target hands over its pages
// as CasePage (Playwright for Chromium, puppeteer over WebDriver BiDi for Firefox).
import type { CaseSpec, Corpus } from './corpus.ts';
import type { Target } from './targets.ts';

/** A frame the harness runs in: evaluates an expression there (a promise is awaited). */
export interface CaseFrame {
  run<T>(expression: string): Promise<T>;
}

/** One case's tab. */
export interface CasePage {
  goto(url: string): Promise<void>;
  main: CaseFrame;
  /** The frame the harness opened in this page (its only child frame), once loaded. */
  child(): CaseFrame | undefined;
}

/** What the site saw, as the page harness records it (test/conformance/page/harness.js). */
export interface Observed {
  outcome: string;
  message?: string;
  shape?: Record<string, unknown>;
  authenticator?: { credentialId: string } & Record<string, unknown>;
  reads?: string[] | null;
  /**
   * Timeout cases only: the ceremony timeout the authenticator was given, in ms. Native: Chromium
   * outside its virtual environment, modelled by the page harness; extension: what the phone received.
   */
  timeoutMs?: number;
}

export interface CaseResult extends Observed {
  id: string;
}

/** Longest a case may take before it counts as never settling (no corpus case should come near). */
const CASE_LIMIT_MS = 25_000;

// The page harness's entry points (test/conformance/page/harness.js), called by expression so no
// bundler's helpers travel with a function into the page. The arguments are corpus data (JSON).
const json = (v: unknown) => (v === undefined ? 'undefined' : JSON.stringify(v));
const start = (frame: CaseFrame, spec: unknown) => frame.run<{ sync: string | null; message?: string }>(`window.__conf.start(${json(spec)})`);
const result = (frame: CaseFrame) => frame.run<Observed>('window.__conf.result()');
const abort = (frame: CaseFrame, reason: unknown) => frame.run<void>(`void window.__conf.abort(${json(reason)})`);
const openFrame = (frame: CaseFrame, spec: unknown) => frame.run<void>(`window.__conf.frame(${json(spec)})`);

function limit<T>(promise: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), CASE_LIMIT_MS)))]).finally(() => clearTimeout(timer));
}

async function register(page: CasePage, corpus: Corpus, spec: CaseSpec): Promise<string | Observed> {
  const setup = spec.setup!;
  const origin = setup.origin ?? spec.frame?.src ?? spec.origin;
  await page.goto(`${origin}/`);
  const base = corpus.base.create as Record<string, unknown>;
  const publicKey = {
    ...base,
    ...(setup.rpId ? { rp: { ...(base.rp as object), id: setup.rpId } } : {}),
    user: { ...(base.user as object), id: { $bytes: 16, seed: 9 } },
    authenticatorSelection: { residentKey: setup.discoverable === false ? 'discouraged' : 'required' },
    ...(setup.largeBlob ? { extensions: { largeBlob: { support: 'preferred' } } } : {}),
  };
  await start(page.main, { call: 'create', publicKey });
  const observed = await limit(result(page.main), { outcome: 'runner-timeout' });
  if (observed.outcome !== 'resolved' || !observed.authenticator) return { outcome: `setup:${observed.outcome}`, ...(observed.message ? { message: observed.message } : {}) };
  return observed.authenticator.credentialId;
}

/** Origins may name the sites' own port as `{port}` (IP-address origins are not mapped by name). */
function withPort(spec: CaseSpec, port: number): CaseSpec {
  const fill = (s: string | undefined) => s?.replace('{port}', String(port));
  return {
    ...spec,
    origin: fill(spec.origin)!,
    ...(spec.frame ? { frame: { ...spec.frame, ...(spec.frame.src ? { src: fill(spec.frame.src)! } : {}) } } : {}),
    ...(spec.setup ? { setup: { ...spec.setup, ...(spec.setup.origin ? { origin: fill(spec.setup.origin)! } : {}) } } : {}),
  };
}

export async function replay(target: Target, corpus: Corpus, original: CaseSpec, port: number): Promise<CaseResult> {
  const spec = withPort(original, port);
  const page = await target.openPage(spec, spec.setup ? 'approve' : spec.answer);
  try {
    let credId: string | undefined;
    if (spec.setup) {
      const registered = await register(page, corpus, spec);
      if (typeof registered !== 'string') return { id: spec.id, ...registered };
      credId = registered;
      if (spec.answer !== 'approve') await target.setAnswer(page, spec.answer);
    }
    await page.goto(`${spec.origin}/`);
    let frame = page.main;
    if (spec.frame) {
      const f = spec.frame;
      await openFrame(frame, { ...f, ...(f.src ? { src: `${f.src}/` } : {}), name: 'target' });
      const found = page.child();
      if (!found) return { id: spec.id, outcome: 'runner:no-frame' };
      frame = found;
    }
    // A conditional request reaches no authenticator until the person picks one: it is held by the
    // browser (or Pairkey) from the moment the call returned.
    const held = spec.mediation === 'conditional' ? target.settled() : target.requestHeld();
    // Timeout cases: Chromium uses the page's timeout as given only inside the DevTools virtual
    // environment; the native run models it outside (docs/extension.md "Conformance").
    const timeoutCase = spec.group === 'timeout';
    target.callStarts();
    const started = await start(frame, {
      call: spec.call,
      publicKey: spec.publicKey,
      ...(spec.mediation !== undefined ? { mediation: spec.mediation } : {}),
      ...(spec.abort ? { abort: spec.abort } : {}),
      ...(spec.abortReason !== undefined ? { abortReason: spec.abortReason } : {}),
      ...(spec.trace ? { trace: true } : {}),
      ...(credId ? { credId } : {}),
      ...(timeoutCase && target.name === 'native' ? { modelTimeout: true } : {}),
    });
    const settled = result(frame);
    if (!started.sync && spec.abort === 'waiting') {
      // Abort once the authenticator holds the request, unless the call settled before that.
      const first = await limit(Promise.race([held.then(() => 'held' as const), settled.then(() => 'settled' as const)]), 'settled' as const);
      if (first === 'held') await abort(frame, spec.abortReason);
    }
    const observed: Observed = await limit(settled, { outcome: 'runner-timeout' });
    if (spec.abort === 'after') await abort(frame, spec.abortReason);
    if (timeoutCase && target.name === 'extension') {
      delete observed.timeoutMs;
      const received = target.phoneTimeout();
      if (received !== undefined) observed.timeoutMs = received;
    }
    return { id: spec.id, ...observed };
  } catch (error) {
    return { id: spec.id, outcome: 'runner-error', message: String(error instanceof Error ? error.message : error).split('\n')[0]! };
  } finally {
    await target.closePage(page).catch(() => undefined);
  }
}
