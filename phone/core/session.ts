// One paired browser, seen from the phone: stay on its relay channel, run a fresh KK handshake
// whenever the extension is there (the phone always initiates), and hand every request to the
// person. DOM-free, so the phone web app uses it with the browser WebSocket and the tests run it
// in Node against the real relay.
import { decodeFrame, isPhoneRequest, isProtocolError, ReconnectInitiator, type PhoneReply, type PhoneRequest, type SecureChannel, type StaticKeyPair } from '../../shared/protocol/index.ts';
import { pairedRelayTarget, RelaySocket, type WebSocketFactory } from '../../shared/relay-socket.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';
import { RelayBackoff, type RetryPolicy } from '../../shared/relay-backoff.ts';
import { assertConfirmed, isConfirmed, type PairedBrowser, type PairingDetails } from './pairing.ts';
import { errorReply, inspectRequest, type RequestView } from './requests.ts';

/**
 * - `connecting`: opening the relay socket;
 * - `waiting`: on the relay, the browser is not (the extension connects when a page asks);
 * - `connected`: an end-to-end encrypted session with the browser is up;
 * - `offline`: the socket is gone, a reconnect is scheduled;
 * - `stopped`: `stop()` was called.
 */
export type LinkState = 'connecting' | 'waiting' | 'connected' | 'offline' | 'stopped';

/** Why a request left the phone without an answer (the `AbortSignal.reason`). */
export type RequestEnd = 'cancelled' | 'expired' | 'disconnected';

export interface IncomingRequest {
  request: PhoneRequest;
  view: RequestView;
  receivedAt: number;
  /** The page's timeout, counted from arrival on the phone. */
  expiresAt: number;
  /** Aborts with a RequestEnd reason when the browser cancels, time runs out or the session ends. */
  signal: AbortSignal;
}

/**
 * How a request left the session, for whoever keeps a record (the virtual phone's outcomes):
 * `reply` was sent (or would have been, had the session not moved on), or it `ended` without
 * one. `view` is null when the request was refused before the person could be asked.
 */
export type SettledRequest =
  | { request: PhoneRequest; view: RequestView | null; reply: PhoneReply }
  | { request: PhoneRequest; view: RequestView | null; ended: RequestEnd };

/** Who ended the pairing: the browser sent `unpair`, or this phone's `unpair` reached it. */
export type UnpairedBy = 'browser' | 'phone';

/**
 * A session answers requests only for a pairing the person confirmed; a removed one (the person
 * removed the browser, or said its code differs) exists only to tell the extension `unpair`, and
 * may therefore be unconfirmed.
 */
export type SessionPairing =
  | { pairing: PairedBrowser; removed?: false }
  | {
      pairing: PairingDetails;
      /**
       * The person removed this browser while it was unreachable (or rejected its code): the
       * session exists only to tell the extension (`unpair`) at the next handshake, and answers no
       * request.
       */
      removed: true;
    };

export type PairedSessionOptions = SessionPairing & {
  staticKey: StaticKeyPair;
  socketFactory: WebSocketFactory;
  /**
   * The person's answer to a request that passed `inspectRequest`. A WebAuthnError rejection is
   * sent as that error; once the signal aborted, nothing is sent.
   */
  answer: (incoming: IncomingRequest) => Promise<PhoneReply>;
  /** Every request that reached the session, once it is done with it (answered or ended). */
  onSettled?: (settled: SettledRequest) => void;
  /**
   * Client extensions this phone serves beyond the basics (e.g. "prf"), announced in a `hello`
   * after every handshake; nothing is sent when empty, and the extension then asks for none.
   */
  announce?: readonly string[];
  /**
   * Web Push (issue 14). With it, the session asks its relay for the VAPID public key at every
   * connect, and after each handshake sends the browser what this returns for that key: a
   * subscription made with it, or null (none: withdraws one sent before).
   */
  pushSubscription?: (relayPushKey: string) => Promise<PushSubscriptionInfo | null>;
  onState?: (state: LinkState) => void;
  /** The pairing is over on both sides (the extension sent `unpair`, or received ours). */
  onUnpaired?: (by: UnpairedBy) => void;
  log?: (line: string) => void;
  retry?: RetryPolicy;
  now?: () => number;
};


export class PairedSession {
  private socket: RelaySocket | null = null;
  private channel: SecureChannel | null = null;
  private initiator: ReconnectInitiator | null = null;
  private readonly backoff: RelayBackoff;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connecting = false;
  private currentState: LinkState = 'offline';
  private readonly inFlight = new Map<string, AbortController>();
  private readonly now: () => number;
  private relayPushKey: string | null = null;

  constructor(private readonly options: PairedSessionOptions) {
    // The types already say so; this holds for callers that built the pairing from storage.
    if (!options.removed && !isConfirmed(options.pairing)) throw new Error('A session needs a pairing the person confirmed');
    this.backoff = new RelayBackoff(options.retry);
    this.now = options.now ?? Date.now;
  }

  get pairedChannelId(): string {
    return this.options.pairing.pairedChannelId;
  }

  get state(): LinkState {
    return this.currentState;
  }

  /** The relay's VAPID public key, once it told this session (with `pushSubscription` set). */
  get pushKey(): string | null {
    return this.relayPushKey;
  }

  /**
   * Tell the browser now that the subscription changed (null: withdrawn). False when no session
   * is up: the next handshake sends the current one through `pushSubscription`.
   */
  sendPushSubscription(subscription: PushSubscriptionInfo | null): boolean {
    const { channel, socket } = this;
    if (!channel || !socket?.isOpen || this.options.removed) return false;
    socket.send(channel.seal({ type: 'push-subscription', subscription }));
    return true;
  }

  /** Go online; after any disconnect the session comes back by itself, with backoff. */
  start(): void {
    if (this.currentState === 'stopped') throw new Error('This session was stopped');
    void this.connect();
  }

  /** Skip the backoff wait (the page became visible again, the network came back). */
  reconnectNow(): void {
    if (this.currentState !== 'offline' || this.connecting) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backoff.reset();
    void this.connect();
  }

  /**
   * Tell the browser this pairing is over, then stop. False when no session is up to carry the
   * message: the caller keeps the pairing as `removed` and tries again at the next handshake.
   */
  unpair(): boolean {
    const { channel, socket } = this;
    if (!channel || !socket?.isOpen) return false;
    socket.send(channel.seal({ type: 'unpair' }));
    this.stop();
    this.options.onUnpaired?.('phone');
    return true;
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dropChannel();
    this.setState('stopped');
    this.socket?.close(1000, 'phone offline');
    this.socket = null;
  }

  // A method, not an inline comparison: the state changes across awaits, where TS narrowing lies.
  private isStopped(): boolean {
    return this.currentState === 'stopped';
  }

  private setState(state: LinkState): void {
    if (this.currentState === state || this.currentState === 'stopped') return;
    this.currentState = state;
    this.options.onState?.(state);
  }

  private async connect(): Promise<void> {
    if (this.currentState === 'stopped' || this.connecting) return;
    this.connecting = true;
    this.setState('connecting');
    try {
      const { pairing, staticKey } = this.options;
      const target = pairedRelayTarget(pairing.relayUrl, { side: 'phone', staticKey, peerPublicKey: pairing.extensionPublicKey, pairedChannelId: this.pairedChannelId });
      const socket = await RelaySocket.connect(this.options.socketFactory, target, {
        onPeers: (count, relay) => this.onPeers(count, relay),
        onFrame: (frame, relay) => this.onFrame(frame, relay),
        onClose: (code) => this.onClose(code),
        onAnswer: (answer) => {
          if (answer.type !== 'push-key') return;
          this.relayPushKey = answer.publicKey;
          void this.offerPush();
        },
      });
      if (this.isStopped()) {
        socket.close(1000, 'phone offline');
        return;
      }
      this.socket = socket;
      if (this.options.pushSubscription) socket.ask({ type: 'push-key' });
      this.backoff.connected();
      if (this.currentState === 'connecting') this.setState('waiting');
    } catch (error) {
      this.log(`relay unreachable: ${error instanceof Error ? error.message : String(error)}`);
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
  }

  private onPeers(count: number, socket: RelaySocket): void {
    // A socket this session closed (after a failure) still delivers what was on its way: not ours any more.
    if (!socket.isOpen) return;
    this.socket = socket;
    this.dropChannel();
    if (count !== 2) {
      this.setState('waiting');
      return;
    }
    // Fresh ephemeral keys for every session; membership changed, so any old session is void.
    this.initiator = new ReconnectInitiator(this.options.staticKey, this.options.pairing.extensionPublicKey, this.pairedChannelId);
    socket.send(this.initiator.start());
  }

  private onFrame(frame: Uint8Array, socket: RelaySocket): void {
    if (!socket.isOpen) return;
    this.socket = socket;
    try {
      const { kind } = decodeFrame(frame);
      if (kind === 'handshake-reply') {
        const initiator = this.initiator;
        if (!initiator) {
          // The answer to a handshake this session has already dropped (membership changed since).
          this.log('ignored a handshake reply from before the connection to the browser was interrupted');
          return;
        }
        let result;
        try {
          result = initiator.finish(frame);
        } catch (error) {
          if (!initiator.awaitingReply) throw error;
          // Most likely the reply to this phone's handshake on a connection it has since replaced
          // (shared/protocol/reconnect.ts, STRAY_REPLIES): its own reply follows.
          this.log('ignored a handshake reply to an earlier connection (the connection to the browser was interrupted); waiting for the reply to this one');
          return;
        }
        this.channel = result.channel;
        this.initiator = null;
        this.backoff.established();
        if (this.options.removed) {
          this.unpair();
          return;
        }
        const extensions = this.options.announce ?? [];
        if (extensions.length > 0) socket.send(this.channel.seal({ type: 'hello', extensions: [...extensions] }));
        this.setState('connected');
        void this.offerPush();
        return;
      }
      if (kind !== 'transport') throw new Error(`unexpected ${kind} frame`);
      if (!this.channel) {
        // Sent to a session that no longer exists; its sender learns by timeout.
        this.log('ignored a frame from before this session');
        return;
      }
      const message = this.channel.open(frame);
      if (message.type === 'cancel') {
        this.inFlight.get(message.id)?.abort('cancelled' satisfies RequestEnd);
        return;
      }
      if (message.type === 'unpair') {
        this.stop();
        this.options.onUnpaired?.('browser');
        return;
      }
      if (!isPhoneRequest(message)) throw new Error(`unexpected ${message.type} message`);
      void this.handle(message, this.channel, socket);
    } catch (error) {
      // A frame that fails to decrypt or parse ends the session: it may be tampered or replayed.
      this.log(sessionFailure(error));
      this.dropChannel();
      socket.close(1000, 'session error');
    }
  }

  private async handle(request: PhoneRequest, channel: SecureChannel, socket: RelaySocket): Promise<void> {
    if (this.inFlight.has(request.id)) return; // never answer one request twice
    const controller = new AbortController();
    this.inFlight.set(request.id, controller);
    const receivedAt = this.now();
    const timer = setTimeout(() => controller.abort('expired' satisfies RequestEnd), request.timeout);
    let view: RequestView | null = null;
    let reply: PhoneReply;
    try {
      if (this.options.removed) throw new WebAuthnError('NotAllowedError', 'This browser was removed from the phone');
      assertConfirmed(this.options.pairing);
      view = inspectRequest(request);
      reply = await this.options.answer({ request, view, receivedAt, expiresAt: receivedAt + request.timeout, signal: controller.signal });
    } catch (error) {
      reply = error instanceof WebAuthnError ? errorReply(request.id, error.errorName, error.message) : errorReply(request.id, 'UnknownError', 'The phone failed');
      if (!(error instanceof WebAuthnError)) this.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(request.id);
    }
    if (controller.signal.aborted) {
      this.options.onSettled?.({ request, view, ended: endOf(controller.signal) });
      return;
    }
    this.options.onSettled?.({ request, view, reply });
    if (channel === this.channel && socket.isOpen) socket.send(channel.seal(reply));
  }

  /** The current subscription for this relay's key, once both the key and a session are there. */
  private async offerPush(): Promise<void> {
    const { channel, relayPushKey } = this;
    const provide = this.options.pushSubscription;
    if (!provide || !channel || !relayPushKey || this.options.removed) return;
    let subscription: PushSubscriptionInfo | null;
    try {
      subscription = await provide(relayPushKey);
    } catch (error) {
      this.log(`no push subscription to send: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (channel === this.channel) this.sendPushSubscription(subscription); // a newer session sends its own
  }

  private dropChannel(): void {
    this.channel = null;
    this.initiator = null;
    for (const controller of this.inFlight.values()) controller.abort('disconnected' satisfies RequestEnd);
    this.inFlight.clear();
  }

  private onClose(code: number): void {
    this.backoff.closed(code);
    this.dropChannel();
    this.socket = null;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.currentState === 'stopped') return;
    this.setState('offline');
    if (this.retryTimer) return;
    // Jitter keeps many phones (or many pairings) from hammering a restarted relay in step.
    const delay = jittered(this.backoff.next());
    this.log(`offline, reconnecting in ${Math.round(delay)} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private log(line: string): void {
    this.options.log?.(`[${this.pairedChannelId.slice(0, 8)}] ${line}`);
  }
}

/**
 * A failure that ended the session, for the log. Frames from an interrupted connection are ignored
 * before they get here (see onFrame), so what is left failed a check that should not fail: said
 * plainly, without crying attack, since damage in transit reads the same.
 */
export function sessionFailure(error: unknown): string {
  if (isProtocolError(error, 'handshake')) {
    return 'session error: the browser’s handshake replies did not authenticate (not the browser this phone paired with, or damaged on the way); reconnecting';
  }
  if (isProtocolError(error, 'decrypt') || isProtocolError(error, 'closed')) {
    return 'session error: a message from the browser did not authenticate (damaged, replayed or reordered on the way); reconnecting';
  }
  return `session error: ${error instanceof Error ? error.message : String(error)}; reconnecting`;
}

/** A backoff delay spread over ±20 %, so sessions that dropped together do not return together. */
export function jittered(delayMs: number, random: () => number = Math.random): number {
  return delayMs * (0.8 + random() * 0.4);
}

const REQUEST_ENDS: readonly RequestEnd[] = ['cancelled', 'expired', 'disconnected'];

/** The RequestEnd an in-flight request's signal was aborted with (the session only uses those). */
function endOf(signal: AbortSignal): RequestEnd {
  const reason: unknown = signal.reason;
  return REQUEST_ENDS.find((end) => end === reason) ?? 'disconnected';
}
