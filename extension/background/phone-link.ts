// The extension's end of the link with one paired phone: a relay socket on the paired channel,
// the KK handshake the phone starts whenever both are there, and encrypted request/reply messages.
// While someone needs the link (a ceremony, an open extension page) it reconnects with backoff
// after relay restarts and network drops. Requests in flight when the link breaks fail at once
// with NotAllowedError: the phone dropped them too, and nothing is ever answered twice.
import {
  decodeFrame,
  isPhoneReply,
  ReconnectResponder,
  type ChannelMessage,
  type PhoneReply,
  type PhoneRequest,
  type SecureChannel,
  type StaticKeyPair,
} from '../../shared/protocol/index.ts';
import { pairedRelayTarget, platformWebSocket, RelaySocket, type RelayAnswer, type WebSocketFactory } from '../../shared/relay-socket.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';
import type { RelayPushResult } from '../../shared/protocol/relay-contract.ts';
import { DEFAULT_RETRY, RelayBackoff, type RetryPolicy } from '../../shared/relay-backoff.ts';

/** `offline`: no relay connection (retrying); `waiting`: on the relay, the phone is not; `online`: session up. */
export type LinkStatus = 'offline' | 'waiting' | 'online';

export interface LinkEvents {
  onStatus: () => void;
  /** The phone announced the client extensions it serves (hello). */
  onHello: (extensions: string[]) => void;
  /** The phone sent `unpair` (or received ours): forget it. */
  onUnpaired: () => void;
  /** The phone's Web Push subscription (null: it has none any more); kept to wake it (shared/push/). */
  onPushSubscription?: (subscription: PushSubscriptionInfo | null) => void;
}

export class PhoneLink {
  private socket: RelaySocket | null = null;
  private channel: SecureChannel | null = null;
  private wanted = false;
  private connecting = false;
  private readonly backoff: RelayBackoff;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Map<string, { resolve: (reply: PhoneReply) => void; reject: (error: Error) => void }>();
  private readonly onlineWaiters = new Set<() => void>();
  /** Push deliveries asked of the relay on this socket, by request id, until its push-result. */
  private readonly pushWaiters = new Map<string, (result: RelayPushResult) => void>();
  /** Members of the channel as the relay last said (null: not heard since this socket opened). */
  private peers: number | null = null;
  private _status: LinkStatus = 'offline';
  /** What this phone said it serves, last time it said (kept across sessions). */
  extensions: ReadonlySet<string>;

  constructor(
    readonly phoneId: string,
    private readonly phonePublicKey: Uint8Array,
    private readonly relayUrl: string,
    private readonly staticKey: StaticKeyPair,
    /** A removed phone: the link exists only to deliver `unpair`. */
    readonly removed: boolean,
    private readonly events: LinkEvents,
    retry: RetryPolicy = DEFAULT_RETRY,
    private readonly socketFactory: WebSocketFactory = platformWebSocket,
    knownExtensions: readonly string[] = [],
  ) {
    this.backoff = new RelayBackoff(retry);
    this.extensions = new Set(knownExtensions);
  }

  get status(): LinkStatus {
    return this._status;
  }

  /**
   * The relay said this phone is not on its channel (the app is closed, or its phone asleep): the
   * one moment a Web Push wake-up helps (wake.ts). False while that is unknown.
   */
  get phoneAbsent(): boolean {
    return this._status !== 'online' && this.peers !== null && this.peers < 2 && this.socket?.isOpen === true;
  }

  /**
   * Ask the relay to post an already-encrypted Web Push message (docs/protocol.md §5) on this
   * phone's channel; resolves with the relay's push-result ('failed' when the socket is gone).
   */
  requestPush(endpoint: string, payload: string, ttl: number): Promise<RelayPushResult> {
    const socket = this.socket;
    if (!socket?.isOpen) return Promise.resolve('failed');
    const id = crypto.randomUUID();
    return new Promise((resolve) => {
      this.pushWaiters.set(id, resolve);
      try {
        socket.ask({ type: 'push', id, endpoint, payload, ttl });
      } catch {
        this.pushWaiters.delete(id);
        resolve('failed');
      }
    });
  }

  private setStatus(status: LinkStatus): void {
    if (status === this._status) return;
    this._status = status;
    if (status === 'online') for (const wake of [...this.onlineWaiters]) wake();
    this.events.onStatus();
  }

  /** Connect (and keep reconnecting) until `release()`. */
  want(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.backoff.reset();
    void this.connect();
  }

  /** Someone is waiting now: retry at once instead of at the next backoff step. */
  kick(): void {
    if (!this.wanted || this.connecting || this.socket?.isOpen) return;
    clearTimeout(this.retryTimer);
    void this.connect();
  }

  release(): void {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.dropChannel('The link to the phone was closed');
    this.socket?.close(1000, 'idle');
    this.socket = null;
    this.lostRelay();
    this.setStatus('offline');
  }

  /** Resolves true once a session is up, false if `deadline` comes first. */
  waitOnline(deadline: number): Promise<boolean> {
    if (this._status === 'online') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        this.onlineWaiters.delete(wake);
        clearTimeout(timer);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
      this.onlineWaiters.add(wake);
    });
  }

  /** Send a request on the current session; the promise settles with the phone's reply. */
  ask(request: PhoneRequest): Promise<PhoneReply> {
    if (this.removed) return Promise.reject(new WebAuthnError('NotAllowedError', 'This phone was removed'));
    const channel = this.channel;
    const socket = this.socket;
    if (!channel || !socket?.isOpen) return Promise.reject(new WebAuthnError('NotAllowedError', 'Your phone is not connected'));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      try {
        socket.send(channel.seal(request));
      } catch (error) {
        this.pending.delete(request.id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Tell the phone to drop a request; its reply, if one still comes, is ignored. */
  cancel(requestId: string): void {
    if (!this.pending.delete(requestId)) return;
    this.sendQuietly({ type: 'cancel', id: requestId });
  }

  /** Tell the phone it is unpaired; false when no session is up to carry the message. */
  sendUnpair(): boolean {
    return this.sendQuietly({ type: 'unpair' });
  }

  private sendQuietly(message: ChannelMessage): boolean {
    if (!this.channel || !this.socket?.isOpen) return false;
    try {
      this.socket.send(this.channel.seal(message));
      return true;
    } catch {
      return false;
    }
  }

  private async connect(): Promise<void> {
    if (!this.wanted || this.connecting || this.socket?.isOpen) return;
    this.connecting = true;
    let socket: RelaySocket | null = null;
    try {
      socket = await RelaySocket.connect(this.socketFactory, pairedRelayTarget(this.relayUrl, { side: 'extension', staticKey: this.staticKey, peerPublicKey: this.phonePublicKey, pairedChannelId: this.phoneId }), {
        onPeers: (count, s) => this.onPeers(count, s),
        onFrame: (frame, s) => this.onFrame(frame, s),
        onAnswer: (answer, s) => this.onAnswer(answer, s),
        onClose: (code) => this.onClose(socket, code),
      });
    } catch {
      this.connecting = false;
      this.setStatus('offline');
      this.scheduleReconnect();
      return;
    }
    this.connecting = false;
    if (!this.wanted) {
      socket.close(1000, 'idle');
      return;
    }
    this.socket = socket;
    this.backoff.connected();
    if (this._status === 'offline') this.setStatus('waiting');
  }

  private scheduleReconnect(): void {
    if (!this.wanted) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.backoff.next());
  }

  private onPeers(count: number, socket: RelaySocket): void {
    // A socket this link closed (after a failure) still delivers what was on its way: not ours any more.
    if (!socket.isOpen) return;
    this.socket = socket;
    const before = this.phoneAbsent;
    this.peers = count;
    // The phone left: whatever it was asked is lost with it. It starts a fresh handshake when it
    // comes back.
    if (count < 2) {
      this.dropChannel('Your phone disconnected');
      this.setStatus('waiting');
    }
    // Whoever waits for a phone (a wake-up) learns it is absent, though the status stays 'waiting'.
    if (this.phoneAbsent !== before) this.events.onStatus();
  }

  private onAnswer(answer: RelayAnswer, socket: RelaySocket): void {
    if (answer.type !== 'push-result' || socket !== this.socket) return;
    const waiter = this.pushWaiters.get(answer.id);
    this.pushWaiters.delete(answer.id);
    waiter?.(answer.result);
  }

  /** The relay socket is gone: what it was asked to push has no answer coming. */
  private lostRelay(): void {
    this.peers = null;
    for (const waiter of this.pushWaiters.values()) waiter('failed');
    this.pushWaiters.clear();
  }

  private onFrame(frame: Uint8Array, socket: RelaySocket): void {
    if (!socket.isOpen) return;
    this.socket = socket;
    try {
      const { kind } = decodeFrame(frame);
      if (kind === 'handshake-init') {
        // A fresh handshake: the first on this socket, or the phone restarted its side.
        this.dropChannel('The phone restarted the session');
        const responder = new ReconnectResponder(this.staticKey, this.phonePublicKey, this.phoneId);
        const { reply, result } = responder.respond(frame);
        socket.send(reply);
        this.channel = result.channel;
        this.backoff.established();
        if (this.removed) {
          this.sendUnpair();
          this.events.onUnpaired();
          return;
        }
        this.setStatus('online');
        return;
      }
      if (kind !== 'transport') throw new Error(`Unexpected ${kind} frame`);
      if (!this.channel) {
        // Sealed for a session that is over: the phone sent it before it learnt that this socket
        // replaced the one it was talking to (the relay forwards to whoever holds the seat now). It
        // is no attack and nothing to answer: the phone saw this socket arrive and shakes hands anew.
        return;
      }
      const message = this.channel.open(frame);
      if (message.type === 'unpair') {
        this.dropChannel('The phone removed this browser');
        this.events.onUnpaired();
        return;
      }
      if (message.type === 'push-subscription') {
        this.events.onPushSubscription?.(message.subscription);
        return;
      }
      if (message.type === 'hello') {
        this.extensions = new Set(message.extensions);
        this.events.onHello(message.extensions);
        return;
      }
      if (!isPhoneReply(message)) throw new Error(`The phone sent an unexpected ${message.type} message`);
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve(message);
    } catch {
      // A handshake with the wrong key, or tampered, replayed or reordered traffic: this session is
      // no longer trustworthy. Start over on a new socket; the phone runs a new handshake.
      this.dropChannel('A message from your phone failed its security check, so the connection was restarted');
      socket.close(1000, 'session error');
    }
  }

  private onClose(socket: RelaySocket | null, code: number): void {
    if (socket && this.socket !== socket) return;
    this.backoff.closed(code);
    this.socket = null;
    this.lostRelay();
    this.dropChannel('The connection to the relay was lost');
    this.setStatus('offline');
    this.scheduleReconnect();
  }

  private dropChannel(reason: string): void {
    this.channel = null;
    const error = new WebAuthnError('NotAllowedError', reason);
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    if (this._status === 'online') this.setStatus(this.socket?.isOpen ? 'waiting' : 'offline');
  }
}
