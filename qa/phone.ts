// The QA suite's phone: an in-process virtual phone (the phone web app's own core: pairing, relay
// session, request checks and authenticator, with this module's decider in its answer hook) that a
// test drives request by request. It answers with what the
// test queued (approveNext / denyNext), else with its default policy; it records what it was asked;
// and it can misbehave at the protocol level for negative tests of a relying party.
import type { RequestView } from '../phone/core/requests.ts';
import { MISBEHAVIOUR_MODES, type MisbehaviourMode } from '../phone/virtual/misbehaviour.ts';
import { VirtualPhone, type Decision } from '../phone/virtual/phone.ts';
import { toB64url } from '../shared/bytes.ts';

export { MISBEHAVIOUR_MODES, type MisbehaviourMode, type RequestView };

/** What the phone does with a request nothing was queued for; 'wait' holds it until a test answers. */
export type DefaultPolicy = 'approve' | 'deny' | 'wait';

export interface QaPhoneOptions {
  /** Default 'approve'. */
  policy?: DefaultPolicy;
  /** Whether approvals verify the user (app PIN or biometrics) unless approveNext says otherwise. Default true. */
  userVerified?: boolean;
  /** The name the browser shows for this phone. Default 'QA phone'. */
  name?: string;
  /** Where the phone's own log lines go (requests, misbehaviour); default nowhere. */
  log?: (line: string) => void;
}

export interface QaCredential {
  /** base64url */
  credentialId: string;
  rpId: string;
  userName: string;
  /** base64url */
  userHandle: string;
  signCount: number;
  discoverable: boolean;
  createdAt: Date;
}

/** How the phone finished with one request. */
export interface QaAnswer {
  request: RequestView | null;
  reply: 'credential-created' | 'assertion' | 'error' | 'cancelled';
  /** The misbehaviour this answer carried; empty when it was honest. */
  misbehaved: MisbehaviourMode[];
  /** An error reply's message: why it was denied, or why an armed mode could not apply. */
  error?: string;
}

export class QaPhone {
  private readonly phone: VirtualPhone;
  private readonly queued: Decision[] = [];
  /** Requests held by the 'wait' policy: each resolves with the test's answer. */
  private readonly held: ((decision: Decision) => void)[] = [];
  private readonly seen: RequestView[] = [];
  private handedOut = 0;
  private readonly requestWaiters: (() => void)[] = [];

  private constructor(private readonly options: QaPhoneOptions) {
    this.phone = VirtualPhone.open({
      name: options.name ?? 'QA phone',
      decider: (view, signal) => this.decide(view, signal),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /**
   * Pair with the browser from the pairing link the extension shows (its QR code), then stay
   * online. The caller still has to confirm `confirmationCode` in the extension's popup.
   */
  static async pair(link: string, options: QaPhoneOptions = {}): Promise<{ phone: QaPhone; confirmationCode: string }> {
    const phone = new QaPhone(options);
    const pending = await phone.phone.pair(link);
    // The virtual phone never keeps a pairing silently: QA confirms it on the phone here, and the
    // fixture then checks that the popup shows this same code before confirming it there.
    pending.confirm();
    const { confirmationCode } = pending;
    await phone.phone.goOnline();
    return { phone, confirmationCode };
  }

  /** Approve the next request (or the one being held under the 'wait' policy). */
  approveNext(opts: { userVerified?: boolean } = {}): void {
    this.queue({ decision: 'approve', userVerified: opts.userVerified ?? this.options.userVerified ?? true });
  }

  /** Deny the next request: the page sees NotAllowedError. */
  denyNext(): void {
    this.queue('deny');
  }

  /**
   * The oldest request the phone has received that this method has not returned yet; waits for one
   * if there is none. Every request is recorded, so calling this after the page's action is safe.
   */
  async nextRequest(): Promise<RequestView> {
    while (this.handedOut >= this.seen.length) await new Promise<void>((resolve) => this.requestWaiters.push(resolve));
    return this.seen[this.handedOut++]!;
  }

  /**
   * Every request the phone has finished with, oldest first. A check that armed a misbehaviour
   * should confirm the answer carried it: a mode that cannot apply (a counter rollback on a passkey
   * never used, a replay with nothing to replay) makes the phone answer UnknownError instead, which
   * a site would rightly refuse for another reason.
   */
  answers(): QaAnswer[] {
    return this.phone.outcomes.map(({ view, reply, misbehaved, error }) => ({
      request: view,
      reply,
      misbehaved: misbehaved ?? [],
      ...(error !== undefined ? { error } : {}),
    }));
  }

  /** Every passkey the phone holds. */
  async credentials(): Promise<QaCredential[]> {
    return (await this.phone.store.list()).map((c) => ({
      credentialId: toB64url(c.id),
      rpId: c.rpId,
      userName: c.userName,
      userHandle: toB64url(c.userHandle),
      signCount: c.signCount,
      discoverable: c.discoverable,
      createdAt: new Date(c.createdAt),
    }));
  }

  /** Forget every passkey (the pairings stay): a fresh authenticator, as a new security key is. */
  async forgetPasskeys(): Promise<void> {
    for (const c of await this.phone.store.list()) await this.phone.store.delete(c.id);
  }

  /**
   * Make the next answer `mode` applies to wrong in that way (every such answer, with
   * `persistent`). See docs/qa.md for what each mode sends and what a relying party must do.
   */
  misbehave(mode: MisbehaviourMode, opts: { persistent?: boolean } = {}): void {
    if (!MISBEHAVIOUR_MODES.includes(mode)) throw new TypeError(`Unknown misbehaviour mode ${String(mode)}`);
    this.phone.misbehaviour.set(mode, opts);
  }

  /** Clear every misbehaviour mode: the phone answers honestly again. */
  behave(): void {
    this.phone.misbehaviour.clear();
  }

  /** Go offline: requests then time out in the browser, as with a phone out of reach. */
  close(): void {
    this.phone.close();
  }

  private queue(decision: Decision): void {
    const held = this.held.shift();
    if (held) held(decision);
    else this.queued.push(decision);
  }

  private decide(view: RequestView, signal: AbortSignal): Promise<Decision> {
    this.seen.push(view);
    for (const wake of this.requestWaiters.splice(0)) wake();
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    const policy = this.options.policy ?? 'approve';
    if (policy === 'deny') return Promise.resolve('deny');
    if (policy === 'approve') return Promise.resolve({ decision: 'approve', userVerified: this.options.userVerified ?? true });
    return new Promise((resolve, reject) => {
      const held = (decision: Decision) => resolve(decision);
      this.held.push(held);
      signal.addEventListener(
        'abort',
        () => {
          const index = this.held.indexOf(held);
          if (index >= 0) this.held.splice(index, 1);
          reject(new Error('cancelled'));
        },
        { once: true },
      );
    });
  }
}
