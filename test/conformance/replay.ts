// Replay one corpus case in one target: optional setup registration, the page (and frame), the
// call with its abort plan, and what the site saw.
import type { Frame, Page } from 'playwright-core';
import type { CaseSpec, Corpus } from './corpus.ts';
import type { Target } from './targets.ts';

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

type Harness = {
  __conf: {
    start(spec: unknown): { sync: string | null; message?: string };
    result(): Promise<Observed>;
    abort(reason?: unknown): void;
    frame(spec: unknown): Promise<void>;
  };
};

const start = (frame: Frame, spec: unknown) => frame.evaluate((s) => (window as unknown as Harness).__conf.start(s), spec);
const result = (frame: Frame) => frame.evaluate(() => (window as unknown as Harness).__conf.result());
const abort = (frame: Frame, reason: unknown) => frame.evaluate((r) => (window as unknown as Harness).__conf.abort(r), reason);

function limit<T>(promise: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), CASE_LIMIT_MS)))]).finally(() => clearTimeout(timer));
}

async function register(page: Page, corpus: Corpus, spec: CaseSpec): Promise<string | Observed> {
  const setup = spec.setup!;
  const origin = setup.origin ?? spec.frame?.src ?? spec.origin;
  await page.goto(`${origin}/`);
  const base = corpus.base.create as Record<string, unknown>;
  const publicKey = {
    ...base,
    ...(setup.rpId ? { rp: { ...(base.rp as object), id: setup.rpId } } : {}),
    user: { ...(base.user as object), id: { $bytes: 16, seed: 9 } },
    authenticatorSelection: { residentKey: setup.discoverable === false ? 'discouraged' : 'required' },
  };
  await start(page.mainFrame(), { call: 'create', publicKey });
  const observed = await limit(result(page.mainFrame()), { outcome: 'runner-timeout' });
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
    let frame = page.mainFrame();
    if (spec.frame) {
      const f = spec.frame;
      await frame.evaluate((s) => (window as unknown as Harness).__conf.frame(s), {
        ...f,
        ...(f.src ? { src: `${f.src}/` } : {}),
        name: 'target',
      });
      // A sandboxed (opaque) frame's name is not always reported; it is the page's only frame.
      const found = page.frame({ name: 'target' }) ?? page.mainFrame().childFrames()[0];
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
