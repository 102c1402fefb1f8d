// A scriptable phone for tests and QA: the phone core (phone/core: pairing, the relay session,
// request checks, the authenticator) with a stand-in person plugged into the core's answer hook.
// The policy (approve, deny, delay, no-UV) or a test's decider answers each request, and armed
// misbehaviour modes spoil the approved answer. It has no session or pairing code of its own: every
// e2e and QA test exercises the session the phone app ships.
import WebSocket from 'ws';
import { Authenticator, SUPPORTED_ALGORITHMS } from '../../shared/authenticator/index.ts';
import type { PhoneReply, PhoneRequest } from '../../shared/protocol/index.ts';
import type { WebSocketFactory, WebSocketLike } from '../../shared/relay-socket.ts';
import type { RetryPolicy } from '../../shared/relay-backoff.ts';
import { answerRequest, errorReply, type RequestView } from '../core/requests.ts';
import { confirmPairing, pairWithLink, type PairingDetails, type UnconfirmedPairing } from '../core/pairing.ts';
import { PairedSession, type IncomingRequest, type LinkState, type SessionPairing, type SettledRequest, type UnpairedBy } from '../core/session.ts';
import { PhoneStore, type PhonePairing } from './store.ts';
import { prfResults } from './prf.ts';
import { fromB64url } from '../../shared/bytes.ts';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';
import { misbehave, MisbehaviourNotPossible, MisbehaviourSwitch, type MisbehaviourMode } from './misbehaviour.ts';
import { approvalVerifiesUser, decideByPolicy, DEFAULT_POLICY, type Decider, type Decision, type PhonePolicy } from './policy.ts';

export type { Decider, Decision, PhonePolicy };

export interface VirtualPhoneOptions {
  storePath?: string | null;
  name?: string;
  policy?: Partial<PhonePolicy>;
  /** Replaces the policy's decision and delay (a QA test answering each request itself). */
  decider?: Decider;
  /**
   * A Web Push subscription this phone sends after every handshake, so the extension wakes it
   * while it is offline (tests: an RFC 8030 endpoint of their own brings it online on delivery).
   */
  pushSubscription?: PushSubscriptionInfo;
  log?: (line: string) => void;
}

/**
 * A finished pairing handshake waiting for its caller to say whether the codes match: nothing is
 * stored and no request is answered before `confirm()`.
 */
export interface PendingPairing {
  confirmationCode: string;
  pairing: UnconfirmedPairing;
  /** The codes match: store the pairing (it can then go online). Throws once it expired. */
  confirm(): PhonePairing;
  /** The codes differ: tell the browser to forget this phone (waits until `deadline` for it). */
  reject(deadline?: number): Promise<boolean>;
}

export interface RequestOutcome {
  view: RequestView | null;
  reply: PhoneReply['type'] | 'cancelled';
  /** The misbehaviour modes this answer carried (none when honest, denied or cancelled). */
  misbehaved?: MisbehaviourMode[];
  /** The message of an error reply (e.g. why an armed misbehaviour could not apply). */
  error?: string;
}

/** An approved request's reply, and the misbehaviour it carries. */
export interface Answer {
  reply: PhoneReply;
  misbehaved: MisbehaviourMode[];
}

const nodeWebSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;
/** The app's backoff rule, with shorter waits: tests restart relays and should not wait 15 s. */
const RETRY: RetryPolicy = { initialMs: 100, maxMs: 5_000 };
/** Client extensions this phone serves beyond the basics (the app does not serve PRF yet). */
const ANNOUNCED_EXTENSIONS = ['prf', 'largeBlob'] as const;

/** A running session for a stored pairing, and when it first reached the relay. */
interface OnlineSession {
  session: PairedSession;
  reachedRelay: Promise<void>;
  unpaired: Promise<UnpairedBy>;
}

export class VirtualPhone {
  readonly authenticator: Authenticator;
  readonly policy: PhonePolicy;
  readonly outcomes: RequestOutcome[] = [];
  /** Negative-test modes: the next (or every) answer is wrong in one chosen way. */
  readonly misbehaviour = new MisbehaviourSwitch();
  /** The last honest sign-in answer per RP ID: what 'stale-challenge-replay' sends again. */
  private readonly lastAssertions = new Map<string, Extract<PhoneReply, { type: 'assertion' }>>();
  /** One core session per stored pairing (removed ones included, until they are told). */
  private readonly sessions = new Map<string, OnlineSession>();
  /** The misbehaviour each answered request carried, for its outcome. */
  private readonly misbehavedBy = new WeakMap<PhoneRequest, MisbehaviourMode[]>();
  private readonly outcomeWaiters: (() => void)[] = [];
  /**
   * Sent after every handshake (`push-subscription`) when the phone was opened with one; null
   * then withdraws it (what the app sends when its subscription is gone).
   */
  pushSubscription: PushSubscriptionInfo | null = null;
  private readonly subscribes: boolean;

  private constructor(
    readonly store: PhoneStore,
    readonly name: string,
    policy: PhonePolicy,
    private readonly logLine: (line: string) => void,
    private readonly decider: Decider | null,
    pushSubscription: PushSubscriptionInfo | null,
  ) {
    this.policy = policy;
    this.pushSubscription = pushSubscription;
    this.subscribes = pushSubscription !== null;
    this.authenticator = new Authenticator({
      store,
      algorithms: SUPPORTED_ALGORITHMS,
      newKey: store.newKey,
      largeBlobs: true,
    });
  }

  static open(options: VirtualPhoneOptions = {}): VirtualPhone {
    return new VirtualPhone(
      PhoneStore.open(options.storePath ?? null),
      options.name ?? 'Virtual phone',
      { ...DEFAULT_POLICY, ...options.policy },
      options.log ?? (() => undefined),
      options.decider ?? null,
      options.pushSubscription ?? null,
    );
  }

  log(line: string): void {
    this.logLine(line);
  }

  /**
   * Pair from a QR link: the core's IKpsk2 pairing on the offer's pairing channel. The result is
   * kept only once the caller confirms it (`confirm()`, the core's confirmPairing), never silently.
   */
  async pair(link: string): Promise<PendingPairing> {
    const pairing = await pairWithLink(link, { staticKey: this.store.staticKey, socketFactory: nodeWebSocket, name: this.name });
    return {
      confirmationCode: pairing.confirmationCode,
      pairing,
      confirm: () => {
        const paired = confirmPairing(pairing);
        this.store.addPairing(paired);
        return paired;
      },
      reject: (deadline = pairing.expiresAt) => this.tellUnpaired(pairing, deadline),
    };
  }

  /**
   * Go online on every stored pairing, answering requests (and telling removed browsers `unpair`)
   * until `close()`. Resolves once each session is on the relay; sessions retry with the core's
   * backoff (with jitter) while the relay is unreachable, and after every drop.
   */
  async goOnline(): Promise<void> {
    const starting = [
      ...this.store.pairings().map((pairing) => this.startSession({ pairing })),
      ...this.store.removedPairings().map((pairing) => this.startSession({ pairing, removed: true })),
    ];
    await Promise.all(starting.map((online) => online.reachedRelay));
  }

  /** The person's decision, after their thinking time; rejects if the request is cancelled. */
  decide(view: RequestView, signal: AbortSignal): Promise<Decision> {
    const asked = `request ${view.kind} ${view.origin} (${view.rpId})${view.userName ? ` for ${view.userName}` : ''}`;
    if (this.decider) {
      this.log(asked);
      return this.decider(view, signal);
    }
    this.log(`${asked}: ${this.policy.decision}`);
    return decideByPolicy(this.policy, signal);
  }

  /** The approved request's reply: the authenticator's answer, then any armed misbehaviour. */
  async answer(request: PhoneRequest, userVerified: boolean): Promise<Answer> {
    const honest = this.withPrf(request, await answerRequest(this.authenticator, request, { userPresent: true, userVerified }), userVerified);
    // An error answer (e.g. no matching credential) carries no misbehaviour and uses none up.
    if (honest.type === 'error') return { reply: honest, misbehaved: [] };
    const modes = this.misbehaviour.take(request.type === 'make-credential' ? 'registration' : 'sign-in');
    const rpId = request.type === 'make-credential' ? request.rp.id : request.rpId;
    try {
      const reply = await misbehave(modes, request, honest, {
        keyOf: (id) => this.store.keyOf(id),
        lastAssertion: (forRp) => this.lastAssertions.get(forRp),
        forget: (id) => this.store.delete(id),
      });
      return { reply, misbehaved: modes };
    } catch (error) {
      if (!(error instanceof MisbehaviourNotPossible)) throw error;
      this.log(`misbehaviour not possible: ${error.message}`);
      return { reply: errorReply(request.id, 'UnknownError', error.message), misbehaved: [] };
    } finally {
      if (honest.type === 'assertion') this.lastAssertions.set(rpId, honest);
      if (modes.length > 0) this.log(`misbehaved: ${modes.join(', ')}`);
    }
  }

  record(outcome: RequestOutcome): void {
    this.outcomes.push(outcome);
    for (const wake of this.outcomeWaiters.splice(0)) wake();
  }

  /** Resolve once `count` requests have been handled (answered or cancelled). */
  async waitForOutcomes(count: number): Promise<RequestOutcome[]> {
    while (this.outcomes.length < count) await new Promise<void>((r) => this.outcomeWaiters.push(r));
    return this.outcomes.slice(0, count);
  }

  /** Add the PRF outputs the request asked for to a successful reply (`uv` picks the UV secret). */
  withPrf(request: PhoneRequest, reply: PhoneReply, uv: boolean): PhoneReply {
    if (reply.type === 'credential-created' && request.type === 'make-credential' && request.extensions.prf) {
      const salts = request.extensions.prf.eval;
      const key = this.store.privateKeyOf(fromB64url(reply.credentialId));
      return { ...reply, prf: { enabled: key !== undefined, ...(salts && key ? { results: prfResults(key, uv, salts) } : {}) } };
    }
    if (reply.type === 'assertion' && request.type === 'get-assertion' && request.extensions?.prf) {
      const salts = request.extensions.prf.evalByCredential?.[reply.credentialId] ?? request.extensions.prf.eval;
      const key = this.store.privateKeyOf(fromB64url(reply.credentialId));
      if (salts && key) return { ...reply, prf: { results: prfResults(key, uv, salts) } };
    }
    return reply;
  }

  /**
   * Remove a paired browser, as the app's *Remove* does: tell it `unpair` now if a session is up;
   * otherwise keep it marked removed (answering nothing) and tell it at its next handshake. True
   * once the browser was told; false if that did not happen by `deadline`, in which case the store
   * keeps it marked removed and `goOnline` tells it later.
   */
  async remove(pairedChannelId: string, deadline: number): Promise<boolean> {
    const online = this.sessions.get(pairedChannelId);
    if (online?.session.unpair()) return true; // its onUnpaired forgets the pairing
    const stored = [...this.store.pairings(), ...this.store.removedPairings()].find((p) => p.pairedChannelId === pairedChannelId);
    if (!stored) return false;
    online?.session.stop();
    this.sessions.delete(pairedChannelId);
    this.store.markRemoved(pairedChannelId);
    const { unpaired } = this.startSession({ pairing: stored, removed: true });
    return within(deadline, unpaired.then(() => true));
  }

  /**
   * Tell every paired browser to forget this phone: waits on each channel until the browser is
   * there to receive `unpair` (or `deadline`). Returns how many were told; the others stay marked
   * removed and are told when this phone is next online.
   */
  async unpairAll(deadline: number): Promise<number> {
    const ids = [...this.store.pairings(), ...this.store.removedPairings()].map((p) => p.pairedChannelId);
    const told = await Promise.all(ids.map((id) => this.remove(id, deadline)));
    return told.filter(Boolean).length;
  }

  close(): void {
    for (const { session } of this.sessions.values()) session.stop();
    this.sessions.clear();
  }

  /** A core session for a stored pairing; its end (`unpair` either way) forgets the pairing. */
  private startSession(kind: SessionPairing & { pairing: PhonePairing }): OnlineSession {
    const { pairedChannelId } = kind.pairing;
    const existing = this.sessions.get(pairedChannelId);
    if (existing) return existing;
    let reached: () => void = () => undefined;
    let ended: (by: UnpairedBy) => void = () => undefined;
    const reachedRelay = new Promise<void>((resolve) => (reached = resolve));
    const unpaired = new Promise<UnpairedBy>((resolve) => (ended = resolve));
    const session = this.newSession(kind, {
      onState: (state) => {
        if (state === 'waiting' || state === 'connected' || state === 'stopped') reached();
      },
      onUnpaired: (by) => {
        this.sessions.delete(pairedChannelId);
        this.store.removePairing(pairedChannelId);
        // The CLI's callers wait for this line.
        this.log(by === 'browser' ? `unpaired by the browser (${pairedChannelId.slice(0, 8)})` : `told the browser it is no longer paired (${pairedChannelId.slice(0, 8)})`);
        ended(by);
      },
    });
    const online = { session, reachedRelay, unpaired };
    this.sessions.set(pairedChannelId, online);
    session.start();
    return online;
  }

  /** Tell the browser of a pairing that was never stored (its code was rejected) to forget it. */
  private tellUnpaired(pairing: PairingDetails, deadline: number): Promise<boolean> {
    let told: () => void = () => undefined;
    const unpaired = new Promise<void>((resolve) => (told = resolve));
    const session = this.newSession({ pairing, removed: true }, { onUnpaired: () => told() });
    session.start();
    return within(deadline, unpaired.then(() => true)).finally(() => session.stop());
  }

  private newSession(kind: SessionPairing, hooks: { onState?: (state: LinkState) => void; onUnpaired: (by: UnpairedBy) => void }): PairedSession {
    return new PairedSession({
      ...kind,
      staticKey: this.store.staticKey,
      socketFactory: nodeWebSocket,
      retry: RETRY,
      announce: ANNOUNCED_EXTENSIONS,
      // The relay's VAPID key does not matter here: the test's push service takes any signer.
      ...(this.subscribes ? { pushSubscription: async () => this.pushSubscription } : {}),
      answer: (incoming) => this.respond(incoming),
      onSettled: (settled) => this.settle(settled),
      ...hooks,
      log: (line) => this.log(line),
    });
  }

  /** The core's answer hook: the stand-in person decides, the authenticator (and misbehaviour) answers. */
  private async respond({ request, view, signal }: IncomingRequest): Promise<PhoneReply> {
    const decision = await this.decide(view, signal);
    if (decision === 'deny') return errorReply(request.id, 'NotAllowedError', 'The request was denied on the phone');
    const { reply, misbehaved } = await this.answer(request, approvalVerifiesUser(decision, this.policy));
    this.misbehavedBy.set(request, misbehaved);
    return reply;
  }

  private settle(settled: SettledRequest): void {
    const { request, view } = settled;
    if ('ended' in settled) {
      this.log(`cancelled ${view ? `${view.kind} ${view.origin}` : request.id}`);
      this.record({ view, reply: 'cancelled' });
      return;
    }
    const { reply } = settled;
    this.record({ view, reply: reply.type, misbehaved: this.misbehavedBy.get(request) ?? [], ...(reply.type === 'error' ? { error: reply.message } : {}) });
  }
}

/** `outcome`, or false once `deadline` (a Date.now() time) has passed. */
function within(deadline: number, outcome: Promise<boolean>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  return Promise.race([outcome, late]).finally(() => clearTimeout(timer));
}
