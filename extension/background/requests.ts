// Every ceremony in progress, from whichever path it came (the page script, or Chrome's
// webAuthenticationProxy): validation, the route (the phone or the browser's own authenticators,
// by site rule or by asking the person), reaching the phones, the deadline, and cancellation from
// the page, the person or the clock. The browser's own call is only made once the phone is out of
// the picture: the two never race.
import { WebAuthnError, isWebAuthnErrorName } from '../../shared/errors.ts';
import type { CreationOptions, RequestOptions } from '../../shared/webauthn/options.ts';
import type { PageResult } from '../page/messages.ts';
import type { RequestStage, RequestView, SiteRule } from '../runtime-messages.ts';
import type { Caller } from './caller.ts';
import { PhoneUnreachableError, phones } from './phones.ts';
import { closePrompt, openPrompt } from './prompt.ts';
import { getConfirmedPhones, getSettings, getSiteRules, setSiteRule } from './storage.ts';
import { PrfSyntaxError } from './prf.ts';
import { chargeOf, RequestLimits, type Charge, type Slot } from './request-limits.ts';
import { prepare } from './webauthn-client.ts';

/** How long a ceremony waits for a phone to come online before the browser takes over. */
export const REACH_MS = 4_000;

export type Choice = 'phone' | 'browser' | 'cancel';

export interface CeremonyInput {
  kind: 'create' | 'get';
  caller: Caller;
  mediation: string | undefined;
  /** Validates the options; throws TypeError / NotSupportedError as WebIDL would. */
  parse: () => CreationOptions | RequestOptions;
  /** Frame checks that need the options' kind (permissions policy); throws NotAllowedError. */
  checkFrame: () => Promise<void>;
  /** False on the proxy path: the browser cannot be handed the call back. */
  canUseBrowser: boolean;
  /** Conditional mediation: let the page run the browser's own conditional call alongside. */
  startNativeAlongside?: () => void;
  /** The page went away or aborted: stop everything, nobody is listening any more. */
  pageSignal: AbortSignal;
}

interface Pending {
  view: RequestView;
  /** Set while the person is being asked (prompt, popup button). */
  choose: ((choice: Choice) => void) | null;
  /** Aborts the phone stage: the person cancelled or switched to the browser. */
  stop: AbortController;
}

const pending = new Map<string, Pending>();
const listeners = new Set<() => void>();
const limits = new RequestLimits();

/** The frame a request comes from; on the proxy path (no tab named) the origin stands for it. */
const slotKey = (caller: Caller) => (caller.tabId >= 0 ? `tab ${caller.tabId} frame ${caller.frameId}` : `origin ${caller.origin}`);

export function onRequestsChange(listener: () => void): void {
  listeners.add(listener);
}

function changed(): void {
  for (const listener of listeners) listener();
}

export function requestViews(): RequestView[] {
  return [...pending.values()].map((p) => p.view);
}

function setStage(p: Pending, stage: RequestStage): void {
  p.view = { ...p.view, stage };
  changed();
}

/** The person's answer from the prompt window or the popup. */
export async function choose(requestId: string, choice: Choice, remember: boolean): Promise<void> {
  const p = pending.get(requestId);
  if (!p) return;
  if (remember && choice !== 'cancel') await setSiteRule(p.view.origin, choice);
  if (p.choose) {
    p.choose(choice);
    return;
  }
  // While the phone is being asked, the person can still cancel or move to the browser.
  if (choice !== 'phone') p.stop.abort(choice);
}

export function toPageResult(error: unknown): PageResult {
  if (error instanceof WebAuthnError) return { status: 'error', name: error.errorName, message: error.message };
  if (error instanceof Error && (isWebAuthnErrorName(error.name) || error instanceof PrfSyntaxError)) return { status: 'error', name: error.name, message: error.message };
  // Anything unexpected is reported without internals; the spec's catch-all for a failed ceremony
  // the page cannot act on is NotAllowedError.
  console.error('Pairkey: ceremony failed', error);
  return { status: 'error', name: 'NotAllowedError', message: 'The operation failed' };
}

async function ruleFor(origin: string): Promise<SiteRule> {
  const [rules, settings] = await Promise.all([getSiteRules(), getSettings()]);
  return rules[origin] ?? settings.defaultRule;
}

const notAllowed = (message: string) => new WebAuthnError('NotAllowedError', message);
const cancelled = () => toPageResult(notAllowed('The request was cancelled'));
const aborted = () => toPageResult(new WebAuthnError('AbortError', 'The operation was aborted'));

/** Run one ceremony to its end. Never throws: every outcome is a PageResult. */
export async function runCeremony(input: CeremonyInput): Promise<PageResult> {
  // With no phone paired the browser handles the call itself, untouched: Pairkey never breaks a site.
  if ((await getConfirmedPhones()).length === 0) {
    return input.canUseBrowser ? { status: 'passthrough' } : toPageResult(notAllowed('No phone is paired with Pairkey'));
  }
  const id = crypto.randomUUID();
  const conditional = input.mediation === 'conditional';
  const p: Pending = {
    view: { id, origin: input.caller.origin, kind: input.kind, stage: conditional ? 'conditional' : 'reaching-phone', startedAt: Date.now() },
    choose: null,
    stop: new AbortController(),
  };
  const release = phones.acquire();
  const onPageGone = () => p.stop.abort('page');
  input.pageSignal.addEventListener('abort', onPageGone, { once: true });
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  let slot: Slot | null = null;
  // The prompt-budget tokens this request took while no person has seen it yet: a request that ends
  // before the prompt is shown or before it is sent to the phone (aborted by the page while the
  // phone is being reached, no phone reachable, handed to the browser) gives them back, or a page
  // that calls and aborts would drain every site's budget unseen. Once shown or sent, it stays
  // charged unless approved: abort-and-retry must not be a way to spam the phone.
  let unseen: Charge | null = null;
  try {
    const ceremony = prepare(input.kind, input.caller, input.parse());
    await input.checkFrame();
    if (p.stop.signal.aborted) return aborted();
    slot = limits.claim(slotKey(input.caller), conditional, () => p.stop.abort('superseded'));
    // Chromium's answer to a second call while one is pending in the frame.
    if (!slot) return { status: 'error', name: 'OperationError', message: 'A request is already pending.' };
    pending.set(id, p);
    changed();
    const startClock = (from: number) => {
      const deadline = from + ceremony.timeout;
      deadlineTimer = setTimeout(() => p.stop.abort('timeout'), Math.max(0, deadline - Date.now()));
      return deadline;
    };
    // The clock runs from the call; for conditional requests, from the moment the person picks Pairkey.
    let deadline = conditional ? Infinity : startClock(p.view.startedAt);

    const rule = await ruleFor(input.caller.origin);
    const canUseBrowser = input.canUseBrowser;
    let explicit = false;
    if (conditional) {
      // Nothing is sent to the phone until the person picks Pairkey (popup). Under 'ask', the
      // browser's own passkey autofill stays offered alongside; the page takes whichever comes first.
      if (rule === 'browser' && canUseBrowser) return { status: 'passthrough' };
      if (rule === 'ask' && input.startNativeAlongside) input.startNativeAlongside();
      const choice = await ask(p, false);
      if (choice === 'browser' && canUseBrowser) return { status: 'passthrough' };
      if (choice !== 'phone') return p.stop.signal.reason === 'superseded' ? aborted() : cancelled();
      slot.picked();
      explicit = true;
      deadline = startClock(Date.now());
    } else if (rule === 'browser' && canUseBrowser) {
      return { status: 'passthrough' };
    } else if (!limits.take(chargeOf(input.caller))) {
      // Past here the phone (or the prompt) would be bothered: a flooding page is refused first.
      return toPageResult(notAllowed('Too many requests from this site; try again shortly'));
    } else if (rule === 'ask') {
      // The prompt window opens: the person sees the request, it stays charged.
      setStage(p, 'choosing');
      const choice = await ask(p, true);
      if (choice === 'browser' && canUseBrowser) return { status: 'passthrough' };
      if (choice !== 'phone') return cancelled();
      explicit = true;
    } else {
      unseen = chargeOf(input.caller);
    }

    setStage(p, 'reaching-phone');
    let links;
    try {
      // Asked for explicitly, the phone gets the whole timeout to come online; otherwise a few
      // seconds, then the browser's own authenticators take over.
      links = await withStop(phones.reachable(explicit ? deadline : Math.min(deadline, Date.now() + REACH_MS)), p.stop.signal);
    } catch (error) {
      if (error instanceof PhoneUnreachableError) {
        return canUseBrowser ? { status: 'passthrough' } : toPageResult(notAllowed('No paired phone is reachable'));
      }
      throw error;
    }
    setStage(p, 'on-phone');
    // Sent to the phone from here on: its person sees a card.
    unseen = null;
    const reply = await phones.ask(links, ceremony.request, p.stop.signal);
    limits.refund(chargeOf(input.caller));
    return { status: 'ok', credential: ceremony.finish(reply) };
  } catch (error) {
    const reason: unknown = p.stop.signal.reason;
    if (p.stop.signal.aborted) {
      if (reason === 'browser' && input.canUseBrowser) return { status: 'passthrough' };
      if (reason === 'timeout') return toPageResult(notAllowed('The operation timed out'));
      if (reason === 'page' || reason === 'superseded') return aborted();
      return cancelled();
    }
    return toPageResult(error);
  } finally {
    if (unseen) limits.refund(unseen);
    slot?.release();
    clearTimeout(deadlineTimer);
    input.pageSignal.removeEventListener('abort', onPageGone);
    release();
    if (pending.delete(id)) changed();
    void closePrompt(id);
  }
}

/** Wait for the person's choice (in the prompt window when `prompt`, else from the popup). */
function ask(p: Pending, prompt: boolean): Promise<Choice> {
  return new Promise<Choice>((resolve) => {
    const settle = (choice: Choice) => {
      p.choose = null;
      p.stop.signal.removeEventListener('abort', onStop);
      resolve(choice);
    };
    const onStop = () => settle(p.stop.signal.reason === 'browser' ? 'browser' : 'cancel');
    p.choose = settle;
    p.stop.signal.addEventListener('abort', onStop, { once: true });
    if (prompt) void openPrompt(p.view.id, () => p.choose?.('cancel'));
  });
}

function withStop<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new WebAuthnError('AbortError', 'Stopped'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
