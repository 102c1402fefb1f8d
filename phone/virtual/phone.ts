// A scriptable phone for tests and QA, built on the same authenticator core and request handling
// as the phone web app. It pairs from a QR link, then stays online on every paired channel and
// answers requests according to its policy.
import WebSocket from 'ws';
import { Authenticator, generateNobleP256Key } from '../../shared/authenticator/index.ts';
import { decodeFrame, ReconnectInitiator, type SecureChannel } from '../../shared/protocol/index.ts';
import { pairedRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../shared/relay-socket.ts';
import { RelayBackoff } from '../../shared/relay-backoff.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import { answerRequest, errorReply, inspectRequest, type PhoneReply, type PhoneRequest, type RequestView } from '../core/requests.ts';
import { assertConfirmed, confirmPairing, pairWithLink, type PairingDetails, type UnconfirmedPairing } from '../core/pairing.ts';
import { PhoneStore, type PhonePairing } from './store.ts';
import { prfResults } from './prf.ts';
import { fromB64url } from '../../shared/bytes.ts';
import { misbehave, MisbehaviourNotPossible, MisbehaviourSwitch, type MisbehaviourMode } from './misbehaviour.ts';

export interface PhonePolicy {
  /** What the person does with each request. */
  decision: 'approve' | 'deny';
  /** How long the person takes to decide. */
  delayMs: number;
  /** Whether the approval included user verification (an app PIN or biometrics). */
  userVerified: boolean;
}

/** The person's answer; an approval may say for itself whether the user was verified. */
export type Decision = PhonePolicy['decision'] | { decision: 'approve'; userVerified: boolean };

/** Decides a request in place of the policy; rejects when `signal` aborts (the request was cancelled). */
export type Decider = (view: RequestView, signal: AbortSignal) => Promise<Decision>;

export interface VirtualPhoneOptions {
  storePath?: string | null;
  name?: string;
  policy?: Partial<PhonePolicy>;
  /** Replaces the policy's decision and delay (a QA test answering each request itself). */
  decider?: Decider;
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
const RECONNECT_MAX_MS = 5_000;

class PairedSession {
  private socket: RelaySocket | null = null;
  private channel: SecureChannel | null = null;
  private initiator: ReconnectInitiator | null = null;
  private closed = false;
  private readonly backoff = new RelayBackoff({ initialMs: 100, maxMs: RECONNECT_MAX_MS });
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    private readonly phone: VirtualPhone,
    readonly pairing: PhonePairing,
  ) {}

  async connect(): Promise<void> {
    const url = pairedRelayTarget(this.pairing.relayUrl, { side: 'phone', staticKey: this.phone.store.staticKey, peerPublicKey: this.pairing.extensionPublicKey, pairedChannelId: this.pairing.pairedChannelId });
    this.socket = await RelaySocket.connect(nodeWebSocket, url, {
      onPeers: (count, socket) => this.onPeers(count, socket),
      onFrame: (frame, socket) => void this.onFrame(frame, socket),
      onClose: (code) => this.onClose(code),
    });
    this.backoff.connected();
  }

  private onPeers(count: number, socket: RelaySocket): void {
    this.socket = socket;
    this.dropChannel();
    if (count !== 2) return;
    // The phone always starts the handshake, with fresh ephemeral keys each session.
    this.initiator = new ReconnectInitiator(this.phone.store.staticKey, this.pairing.extensionPublicKey, this.pairing.pairedChannelId);
    socket.send(this.initiator.start());
  }

  private dropChannel(): void {
    this.channel = null;
    this.initiator = null;
    for (const controller of this.inFlight.values()) controller.abort();
    this.inFlight.clear();
  }

  private async onFrame(frame: Uint8Array, socket: RelaySocket): Promise<void> {
    this.socket = socket;
    try {
      const { kind } = decodeFrame(frame);
      if (kind === 'handshake-reply' && this.initiator) {
        this.channel = this.initiator.finish(frame).channel;
        this.backoff.established();
        this.initiator = null;
        // Tell the browser what this phone serves beyond the basics.
        socket.send(this.channel.seal({ type: 'hello', extensions: ['prf'] }));
        return;
      }
      if (kind !== 'transport') throw new Error(`unexpected ${kind} frame`);
      if (!this.channel) {
        // Sent to a session that no longer exists (we restarted); the sender learns by timeout.
        this.phone.log('ignored a frame from before this session');
        return;
      }
      const message = this.channel.open(frame);
      if (message.type === 'cancel') {
        this.inFlight.get(message.id)?.abort();
        return;
      }
      if (message.type === 'unpair') {
        // The browser forgot this phone: forget it too, and never talk on this channel again.
        this.phone.forget(this.pairing.pairedChannelId);
        this.phone.log(`unpaired by the browser (${this.pairing.pairedChannelId.slice(0, 8)})`);
        return;
      }
      if (message.type !== 'make-credential' && message.type !== 'get-assertion') throw new Error(`unexpected ${message.type} message`);
      await this.handle(message, this.channel);
    } catch (error) {
      // A frame that fails to decrypt or parse ends the session: it may be tampered or replayed.
      this.phone.log(`session error: ${error instanceof Error ? error.message : String(error)}`);
      this.dropChannel();
      this.socket?.close(1000, 'session error');
    }
  }

  private async handle(request: PhoneRequest, channel: SecureChannel): Promise<void> {
    if (this.inFlight.has(request.id)) return; // never answer one request twice
    const controller = new AbortController();
    this.inFlight.set(request.id, controller);
    const timer = setTimeout(() => controller.abort(), request.timeout);
    let view: RequestView | null = null;
    let reply: PhoneReply;
    let misbehaved: MisbehaviourMode[] = [];
    try {
      assertConfirmed(this.pairing);
      view = inspectRequest(request);
      const decision = await this.phone.decide(view, controller.signal);
      if (decision === 'deny') reply = errorReply(request.id, 'NotAllowedError', 'The request was denied on the phone');
      else ({ reply, misbehaved } = await this.phone.answer(request, typeof decision === 'object' ? decision.userVerified : this.phone.policy.userVerified));
    } catch (error) {
      if (controller.signal.aborted) {
        this.phone.log(`cancelled ${view ? `${view.kind} ${view.origin}` : request.id}`);
        this.phone.record({ view, reply: 'cancelled' });
        return;
      }
      reply = error instanceof WebAuthnError ? errorReply(request.id, error.errorName, error.message) : errorReply(request.id, 'UnknownError', 'The phone failed');
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(request.id);
    }
    this.phone.record({ view, reply: reply.type, misbehaved, ...(reply.type === 'error' ? { error: reply.message } : {}) });
    if (channel === this.channel && this.socket?.isOpen) this.socket.send(channel.seal(reply));
  }

  private onClose(code = 1006): void {
    this.backoff.closed(code);
    this.dropChannel();
    this.socket = null;
    if (this.closed) return;
    // The relay restarted or dropped us (idle timeout): come back, with bounded backoff.
    setTimeout(() => {
      if (!this.closed) this.connect().catch(() => this.onClose());
    }, this.backoff.next());
  }

  close(): void {
    this.closed = true;
    this.dropChannel();
    this.socket?.close(1000, 'phone offline');
  }

  /** Connect once, run the handshake when the browser is there, send `unpair`, disconnect. */
  static deliverUnpair(phone: VirtualPhone, pairing: PairingDetails, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      let socket: RelaySocket | null = null;
      let initiator: ReconnectInitiator | null = null;
      const finish = (delivered: boolean) => {
        clearTimeout(timer);
        socket?.close(1000, 'unpaired');
        resolve(delivered);
      };
      const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
      RelaySocket.connect(nodeWebSocket, pairedRelayTarget(pairing.relayUrl, { side: 'phone', staticKey: phone.store.staticKey, peerPublicKey: pairing.extensionPublicKey, pairedChannelId: pairing.pairedChannelId }), {
        onPeers: (count, relay) => {
          socket = relay;
          if (count !== 2) return;
          initiator = new ReconnectInitiator(phone.store.staticKey, pairing.extensionPublicKey, pairing.pairedChannelId);
          relay.send(initiator.start());
        },
        onFrame: (frame, relay) => {
          try {
            if (!initiator || decodeFrame(frame).kind !== 'handshake-reply') return;
            const channel = initiator.finish(frame).channel;
            relay.send(channel.seal({ type: 'unpair' }));
            finish(true);
          } catch {
            finish(false);
          }
        },
      }).then(
        (s) => {
          socket = s;
        },
        () => finish(false),
      );
    });
  }
}

export class VirtualPhone {
  readonly authenticator: Authenticator;
  readonly policy: PhonePolicy;
  readonly outcomes: RequestOutcome[] = [];
  /** Negative-test modes: the next (or every) answer is wrong in one chosen way. */
  readonly misbehaviour = new MisbehaviourSwitch();
  /** The last honest sign-in answer per RP ID: what 'stale-challenge-replay' sends again. */
  private readonly lastAssertions = new Map<string, Extract<PhoneReply, { type: 'assertion' }>>();
  private readonly sessions: PairedSession[] = [];
  private readonly outcomeWaiters: (() => void)[] = [];

  private constructor(
    readonly store: PhoneStore,
    readonly name: string,
    policy: PhonePolicy,
    private readonly logLine: (line: string) => void,
    private readonly decider: Decider | null,
  ) {
    this.policy = policy;
    this.authenticator = new Authenticator({
      store,
      newKey: async () => {
        const { key, privateKey } = generateNobleP256Key();
        store.rememberPrivateKey(key, privateKey);
        return key;
      },
    });
  }

  static open(options: VirtualPhoneOptions = {}): VirtualPhone {
    return new VirtualPhone(
      PhoneStore.open(options.storePath ?? null),
      options.name ?? 'Virtual phone',
      { decision: 'approve', delayMs: 0, userVerified: true, ...options.policy },
      options.log ?? (() => undefined),
      options.decider ?? null,
    );
  }

  log(line: string): void {
    this.logLine(line);
  }

  /**
   * Pair from a QR link: runs the IKpsk2 handshake on the offer's pairing channel (phone/core).
   * The result is kept only once the caller confirms it (`confirm()`), never silently.
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
      reject: (deadline = pairing.expiresAt) => PairedSession.deliverUnpair(this, pairing, deadline),
    };
  }

  /** Stay connected on every stored pairing, answering requests until `close()`. */
  async goOnline(): Promise<void> {
    for (const pairing of this.store.pairings()) {
      if (this.sessions.some((s) => s.pairing.pairedChannelId === pairing.pairedChannelId)) continue;
      const session = new PairedSession(this, pairing);
      this.sessions.push(session);
      await session.connect();
    }
  }

  /** The person's decision, after their thinking time; rejects if the request is cancelled. */
  decide(view: RequestView, signal: AbortSignal): Promise<Decision> {
    const asked = `request ${view.kind} ${view.origin} (${view.rpId})${view.userName ? ` for ${view.userName}` : ''}`;
    if (this.decider) {
      this.log(asked);
      return this.decider(view, signal);
    }
    this.log(`${asked}: ${this.policy.decision}`);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('cancelled'));
      const timer = setTimeout(() => resolve(this.policy.decision), this.policy.delayMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('cancelled'));
      }, { once: true });
    });
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
        privateKeyOf: (id) => this.store.privateKeyOf(id),
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

  /** Remove a pairing and close its session (the browser sent `unpair`, or `forget` was asked). */
  forget(pairedChannelId: string): void {
    this.store.removePairing(pairedChannelId);
    const index = this.sessions.findIndex((s) => s.pairing.pairedChannelId === pairedChannelId);
    if (index >= 0) this.sessions.splice(index, 1)[0]!.close();
  }

  /**
   * Tell every paired browser to forget this phone, then forget them: waits on each channel until
   * the browser is there to receive `unpair` (or `deadline`).
   */
  async unpairAll(deadline: number): Promise<number> {
    let delivered = 0;
    await Promise.all(
      this.store.pairings().map(async (pairing) => {
        if (await PairedSession.deliverUnpair(this, pairing, deadline)) delivered += 1;
        this.store.removePairing(pairing.pairedChannelId);
      }),
    );
    return delivered;
  }

  close(): void {
    for (const s of this.sessions.splice(0)) s.close();
  }
}
