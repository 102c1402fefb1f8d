// Every ceremony in progress, from whichever path it came (the page script, or Chrome's
// webAuthenticationProxy): validation, the route (the phone or the browser's own authenticators,
// by site rule or by asking the person), reaching the phones, the deadline, and cancellation from
// the page, the person or the clock. The browser's own call is only made once the phone is out of
// the picture: the two never race.
import { WebAuthnError } from '../../shared/errors.ts';
import type { CeremonyResult } from '../../shared/webauthn/ceremony-contract.ts';
import type { CreationOptions, RequestOptions } from '../../shared/webauthn/options.ts';
import type { Choice, RequestStage, RequestView, SiteRule, WakeState } from '../runtime-messages.ts';
import type { Caller } from './caller.ts';
import { aborted, alreadyPending, cancelled, fromAuthenticator, notAllowed, passthrough, resultOfError, stopOutcome } from './ceremony-outcomes.ts';
import { CeremonyStop } from './ceremony-stop.ts';
import { clearHandoff, noteHandoff } from './handoff.ts';
import type { PhoneLink } from './phone-link.ts';
import { PhoneUnreachableError, phones } from './phones.ts';
import { closePrompt, openPrompt } from './prompt.ts';
import { getConfirmedPhones, getSettings, getSiteRules, setSiteRule } from './storage.ts';
import { chargeOf, RequestLimits, type Charge, type Slot } from './request-limits.ts';
import { prepare, type Ceremony } from './webauthn-client.ts';
import { RequestWake } from './wake.ts';

/** How long a ceremony waits for a phone to come online before the browser takes over. */
export const REACH_MS = 4_000;

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

const pending = new Map<string, CeremonyRun>();
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
  return [...pending.values()].map((run) => run.view);
}

/** The person's answer from the prompt window or the popup. */
export async function choose(requestId: string, choice: Choice, remember: boolean): Promise<void> {
  const run = pending.get(requestId);
  if (!run) return;
  if (remember && choice !== 'cancel') await setSiteRule(run.view.origin, choice);
  run.choose(choice);
}

/** Run one ceremony to its end. Never throws: every outcome is a CeremonyResult. */
export async function runCeremony(input: CeremonyInput): Promise<CeremonyResult> {
  // With no phone paired the browser handles the call itself, untouched: Pairkey never breaks a site.
  if ((await getConfirmedPhones()).length === 0) {
    return input.canUseBrowser ? passthrough() : resultOfError(notAllowed('No phone is paired with Pairkey'));
  }
  const run = new CeremonyRun(input);
  try {
    const ceremony = await run.validate();
    run.claimFrame(ceremony);
    const explicit = await run.route();
    const links = await run.reachPhone(explicit);
    return await run.askPhones(links, ceremony);
  } catch (error) {
    return run.outcomeOf(error);
  } finally {
    run.end();
  }
}

/** A stage ended the ceremony early with this result (handed to the browser, refused, cancelled). */
class CeremonyEnded extends Error {
  constructor(readonly result: CeremonyResult) {
    super('ceremony ended');
  }
}

const endWith = (result: CeremonyResult): never => {
  throw new CeremonyEnded(result);
};

/** One ceremony's state while it runs; each stage of runCeremony is a method. */
class CeremonyRun {
  readonly id = crypto.randomUUID();
  readonly conditional: boolean;
  readonly stop = new CeremonyStop();
  view: RequestView;
  /** The ceremony's clamped timeout, known once the options are valid. */
  private timeout = 0;
  /** When the phone must have answered; none for a conditional request until the person picks Pairkey. */
  private deadline = Infinity;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private slot: Slot | null = null;
  /** Set while the person is being asked (prompt, popup button). */
  private answer: ((choice: Choice) => void) | null = null;
  /**
   * The prompt-budget tokens this request took while no person has seen it yet: a request that ends
   * before the prompt is shown or before it is sent to the phone (aborted by the page while the
   * phone is being reached, no phone reachable, handed to the browser) gives them back, or a page
   * that calls and aborts would drain every site's budget unseen. Once shown or sent, it stays
   * charged unless approved: abort-and-retry must not be a way to spam the phone.
   */
  private unseen: Charge | null = null;
  private readonly releaseLinks = phones.acquire();
  private readonly onPageGone = () => this.stop.stop('page');
  /** Aborted when no wake-up is on its way any more after one was (reachPhone stops waiting for it). */
  private readonly wakeFailed = new AbortController();

  constructor(private readonly input: CeremonyInput) {
    this.conditional = input.mediation === 'conditional';
    this.view = { id: this.id, origin: input.caller.origin, kind: input.kind, stage: this.conditional ? 'conditional' : 'reaching-phone', startedAt: Date.now() };
    input.pageSignal.addEventListener('abort', this.onPageGone, { once: true });
  }

  /** Options, rpId, clientDataJSON and the frame's permission: refused here, nothing was charged. */
  async validate(): Promise<Ceremony> {
    const options = this.input.parse();
    const ceremony = await prepare(this.input.kind, this.input.caller, options);
    if ('authenticatorSelection' in options) {
      // The popup names what is being made: a site that discourages a resident key registers a
      // security key (a second factor), not a passkey.
      this.view = { ...this.view, credential: options.authenticatorSelection.residentKey === 'discouraged' ? 'security-key' : 'passkey' };
    }
    await this.input.checkFrame();
    if (this.stop.signal.aborted) endWith(aborted());
    if (ceremony.browserOnly) endWith(this.input.canUseBrowser ? passthrough() : resultOfError(notAllowed('This site asked for an authenticator built into this device')));
    return ceremony;
  }

  /** Take the frame's one pending-request slot, list the request, and start its clock. */
  claimFrame(ceremony: Ceremony): void {
    this.slot = limits.claim(slotKey(this.input.caller), this.conditional, () => this.stop.stop('superseded'));
    if (!this.slot) endWith(alreadyPending());
    pending.set(this.id, this);
    changed();
    this.timeout = ceremony.timeout;
    // The clock runs from the call; for conditional requests, from the moment the person picks Pairkey.
    if (!this.conditional) this.startClock(this.view.startedAt);
  }

  /**
   * Where the request goes, by the site's rule or the person's choice. Returns normally when it goes
   * to the phone (`explicit`: the person asked for the phone), else ends the ceremony.
   */
  async route(): Promise<boolean> {
    const rule = await ruleFor(this.input.caller.origin);
    const canUseBrowser = this.input.canUseBrowser;
    if (this.conditional) {
      // Nothing is sent to the phone until the person picks Pairkey (popup). Under 'ask', the
      // browser's own passkey autofill stays offered alongside; the page takes whichever comes first.
      if (rule === 'browser' && canUseBrowser) endWith(passthrough());
      if (rule === 'ask') this.input.startNativeAlongside?.();
      const choice = await this.ask(false);
      if (choice === 'browser' && canUseBrowser) endWith(passthrough());
      if (choice !== 'phone') endWith(this.stop.reason === 'superseded' ? aborted() : cancelled());
      this.slot!.picked();
      this.startClock(Date.now());
      return true;
    }
    if (rule === 'browser' && canUseBrowser) endWith(passthrough());
    // Past here the phone (or the prompt) would be bothered: a flooding page is refused first.
    if (!limits.take(chargeOf(this.input.caller))) endWith(resultOfError(notAllowed('Too many requests from this site; try again shortly')));
    if (rule !== 'ask') {
      this.unseen = chargeOf(this.input.caller);
      return false;
    }
    // The prompt window opens: the person sees the request, it stays charged.
    this.setStage('choosing');
    const choice = await this.ask(true);
    if (choice === 'browser' && canUseBrowser) endWith(passthrough());
    if (choice !== 'phone') endWith(cancelled());
    return true;
  }

  /**
   * The links of the phones online. Asked for explicitly, the phone gets the whole timeout to come
   * online; otherwise a few seconds, then the browser's own authenticators take over, unless a
   * phone is being woken by Web Push (wake.ts): then it too gets the whole timeout.
   */
  async reachPhone(explicit: boolean): Promise<PhoneLink[]> {
    this.setStage('reaching-phone');
    const stopWaking = this.wakeAbsentPhones();
    try {
      const reachBy = explicit ? this.deadline : Math.min(this.deadline, Date.now() + REACH_MS);
      try {
        return await withStop(phones.reachable(reachBy), this.stop.signal);
      } catch (error) {
        if (!(error instanceof PhoneUnreachableError) || reachBy >= this.deadline || this.view.wake !== 'waking') throw error;
        // A phone is being woken: it gets the request's whole time, unless its wake-up fails.
        return await withStop(phones.reachable(this.deadline), this.stop.signal, this.wakeFailed.signal);
      }
    } catch (error) {
      if (!(error instanceof PhoneUnreachableError)) throw error;
      if (!this.input.canUseBrowser) return endWith(resultOfError(notAllowed('No paired phone is reachable')));
      // The person sees only the browser's own dialog now: the popup tells them why.
      noteHandoff(this.view, 'no-phone-online');
      return endWith(passthrough());
    } finally {
      stopWaking();
    }
  }

  /**
   * While the phone is being reached: wake each paired phone the relay says is absent, once. The
   * request's view says how that goes; returns the function that ends it (no wake-up afterwards).
   */
  private wakeAbsentPhones(): () => void {
    if (!Number.isFinite(this.deadline)) return () => undefined;
    const wake = new RequestWake(
      { type: 'pairkey-wake', kind: this.input.kind === 'get' ? 'sign-in' : 'registration', site: new URL(this.input.caller.origin).hostname, request: this.id, expiresAt: Math.round(this.deadline) },
      { onChange: (state) => this.setWake(state), onGone: (phoneId) => void phones.forgetPush(phoneId).catch(() => undefined) },
    );
    const consider = () => wake.consider(phones.wakeTargets());
    const unsubscribe = phones.subscribe(consider);
    consider();
    return () => {
      wake.stop();
      unsubscribe();
      this.setWake(null);
    };
  }

  /** Send the request to the phones; the first success is the credential. */
  async askPhones(links: PhoneLink[], ceremony: Ceremony): Promise<CeremonyResult> {
    this.setStage('on-phone');
    clearHandoff();
    // Sent to the phone from here on: its person sees a card.
    this.unseen = null;
    const reply = await phones.ask(links, ceremony.request, this.stop.signal).catch((error: unknown) => {
      throw fromAuthenticator(error);
    });
    limits.refund(chargeOf(this.input.caller));
    return { status: 'ok', credential: ceremony.finish(reply) };
  }

  /** What a stage's throw means for the page: an early end, a stop, or a failure. */
  outcomeOf(error: unknown): CeremonyResult {
    if (error instanceof CeremonyEnded) return error.result;
    if (this.stop.reason) return stopOutcome(this.stop.reason, this.input.canUseBrowser);
    return resultOfError(error);
  }

  end(): void {
    if (this.unseen) limits.refund(this.unseen);
    this.slot?.release();
    clearTimeout(this.deadlineTimer);
    this.input.pageSignal.removeEventListener('abort', this.onPageGone);
    this.releaseLinks();
    if (pending.delete(this.id)) changed();
    void closePrompt(this.id);
  }

  /** The person's answer; while the phone is being asked, they can still cancel or move to the browser. */
  choose(choice: Choice): void {
    if (this.answer) this.answer(choice);
    else if (choice !== 'phone') this.stop.stop(choice);
  }

  private startClock(from: number): void {
    this.deadline = from + this.timeout;
    this.deadlineTimer = setTimeout(() => this.stop.stop('timeout'), Math.max(0, this.deadline - Date.now()));
  }

  private setWake(wake: WakeState | null): void {
    if ((this.view.wake ?? null) === wake) return;
    const view: RequestView = { ...this.view };
    if (wake) view.wake = wake;
    else delete view.wake;
    this.view = view;
    if (wake === 'open-phone') this.wakeFailed.abort();
    changed();
  }

  private setStage(stage: RequestStage): void {
    this.view = { ...this.view, stage };
    changed();
  }

  /** Wait for the person's choice (in the prompt window when `prompt`, else from the popup). */
  private ask(prompt: boolean): Promise<Choice> {
    return new Promise<Choice>((resolve) => {
      const settle = (choice: Choice) => {
        this.answer = null;
        this.stop.signal.removeEventListener('abort', onStop);
        resolve(choice);
      };
      const onStop = () => settle(this.stop.reason === 'browser' ? 'browser' : 'cancel');
      this.answer = settle;
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      if (prompt) void openPrompt(this.id, () => this.answer?.('cancel'));
    });
  }
}

async function ruleFor(origin: string): Promise<SiteRule> {
  const [rules, settings] = await Promise.all([getSiteRules(), getSettings()]);
  return rules[origin] ?? settings.defaultRule;
}

/** `promise`, unless `signal` aborts first (AbortError) or `unreachable` does (PhoneUnreachableError). */
function withStop<T>(promise: Promise<T>, signal: AbortSignal, unreachable?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new WebAuthnError('AbortError', 'Stopped'));
    const onUnreachable = () => reject(new PhoneUnreachableError());
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      unreachable?.removeEventListener('abort', onUnreachable);
    };
    if (signal.aborted) return onAbort();
    if (unreachable?.aborted) return onUnreachable();
    signal.addEventListener('abort', onAbort, { once: true });
    unreachable?.addEventListener('abort', onUnreachable, { once: true });
    promise.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}
