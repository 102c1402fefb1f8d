// The two ends of a Pairkey link, built from the real protocol code (shared/protocol handshakes
// and SecureChannel, shared/relay-socket RelaySocket) and following docs/protocol.md §5–§8 the way
// extension/background/{pairing,phone-link}.ts and phone/core/session.ts do: the phone starts a
// handshake whenever the relay reports two peers, any failure kills the channel, the extension
// answers every handshake-init afresh.
//
// Both ends are deliberately naive about duplicates: they do not remember which request ids they
// answered, so when a test finds "answered at most once" it is the protocol that guaranteed it.
import WebSocket from 'ws';
import { toB64url } from '../../../shared/bytes.ts';
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  generateStaticKeyPair,
  PairingInitiator,
  PairingResponder,
  parsePairingLink,
  ProtocolError,
  ReconnectInitiator,
  ReconnectResponder,
  type ChannelMessage,
  type GetAssertionMessage,
  type SecureChannel,
  type SessionResult,
  type StaticKeyPair,
} from '../../../shared/protocol/index.ts';
import { pairedRelayTarget, pairingRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../../shared/relay-socket.ts';
import { notifyChange, until } from './until.ts';

const nodeSockets: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;

type Reply = Extract<ChannelMessage, { type: 'assertion' | 'error' }>;

/** A failure one side noticed: what the protocol reported, and where. */
export interface Detection {
  where: string;
  code: string;
  message: string;
}

function detection(where: string, error: unknown): Detection {
  return {
    where,
    code: error instanceof ProtocolError ? error.code : 'other',
    message: error instanceof Error ? error.message : String(error),
  };
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export interface ExtensionPairing {
  extensionStatic: StaticKeyPair;
  phonePublicKey: Uint8Array;
  pairedChannelId: string;
  confirmationCode: string;
}

export interface PhonePairing {
  phoneStatic: StaticKeyPair;
  extensionPublicKey: Uint8Array;
  pairedChannelId: string;
  confirmationCode: string;
}

/** The extension shows a QR code and waits on the pairing channel for the first valid handshake. */
export class PairingOfferEndpoint {
  readonly failures: Detection[] = [];
  result: SessionResult | null = null;

  private constructor(
    readonly link: string,
    readonly extensionStatic: StaticKeyPair,
    private readonly socket: RelaySocket,
  ) {}

  /**
   * `keepListening`: stay on the pairing channel after a success, to watch later attempts be
   * refused (the real extension leaves at once; its responder would refuse them either way).
   */
  static async open(relayUrl: string, options: { keepListening?: boolean } = {}): Promise<PairingOfferEndpoint> {
    const extensionStatic = generateStaticKeyPair();
    const offer = createPairingOffer(relayUrl, extensionStatic.publicKey, 5 * 60_000);
    const responder = new PairingResponder(extensionStatic, offer.secret);
    let endpoint: PairingOfferEndpoint | null = null;
    const socket = await RelaySocket.connect(nodeSockets, pairingRelayTarget(relayUrl, offer.secret, 'extension'), {
      onFrame: (frame, relay) => {
        if (endpoint?.result && !options.keepListening) return;
        try {
          if (decodeFrame(frame).kind !== 'handshake-init') return;
          const { reply, result } = responder.respond(frame);
          relay.send(reply);
          endpoint!.result = result;
          if (!options.keepListening) relay.close(1000, 'pairing over');
        } catch (error) {
          endpoint!.failures.push(detection('extension pairing', error));
        }
        notifyChange();
      },
    });
    endpoint = new PairingOfferEndpoint(encodePairingLink('https://phone.test/', offer), extensionStatic, socket);
    return endpoint;
  }

  async paired(): Promise<ExtensionPairing> {
    const result = await until(() => this.result ?? undefined, 'the extension to accept a pairing');
    return {
      extensionStatic: this.extensionStatic,
      phonePublicKey: result.peerPublicKey,
      pairedChannelId: result.pairedChannelId,
      confirmationCode: result.confirmationCode,
    };
  }

  close(): void {
    this.socket.close();
  }
}

/** The phone scans the QR link and runs the IKpsk2 handshake once both peers are on the channel. */
export async function pairPhone(link: string, options: { relayUrl?: string; phoneStatic?: StaticKeyPair } = {}): Promise<PhonePairing> {
  const offer = parsePairingLink(link);
  const phoneStatic = options.phoneStatic ?? generateStaticKeyPair();
  const initiator = new PairingInitiator(offer, phoneStatic, { name: 'Test phone' });
  let outcome: { result: SessionResult } | { error: unknown } | null = null;
  let started = false;
  let closed = false;
  const socket = await RelaySocket.connect(nodeSockets, pairingRelayTarget(options.relayUrl ?? offer.relayUrl, offer.secret, 'phone'), {
    onPeers: (count, relay) => {
      if (count === 2 && !started) {
        started = true;
        relay.send(initiator.start());
      }
    },
    onFrame: (frame) => {
      if (outcome) return;
      try {
        outcome = { result: initiator.finish(frame) };
      } catch (error) {
        outcome = { error };
      }
      notifyChange();
    },
    onClose: (code, reason) => {
      closed = true;
      outcome ??= { error: new Error(`The relay closed the pairing channel (${code} ${reason})`) };
      notifyChange();
    },
  });
  const done = await until(() => outcome ?? undefined, 'the phone to finish pairing');
  // Leave the channel before returning: a socket still closing would take a third seat.
  socket.close();
  await until(() => closed, 'the pairing socket to close');
  if ('error' in done) throw done.error;
  return {
    phoneStatic,
    extensionPublicKey: done.result.peerPublicKey,
    pairedChannelId: done.result.pairedChannelId,
    confirmationCode: done.result.confirmationCode,
  };
}

/** The extension's end of every later session (extension/background/phone-link.ts). */
export class ExtensionEndpoint {
  readonly detections: Detection[] = [];
  /** How many times a reply for each request id was decrypted and accepted. */
  readonly replies = new Map<string, number>();
  /** Handshakes answered on this endpoint (each one replaces the session). */
  handshakes = 0;
  private socket: RelaySocket | null = null;
  /** Set while a socket we closed has not finished closing; the relay still counts it. */
  private closing = false;
  private channel: SecureChannel | null = null;
  private readonly pending = new Map<string, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly relayUrl: string,
    readonly pairing: ExtensionPairing,
  ) {}

  get hasChannel(): boolean {
    return this.channel !== null;
  }

  /** False after the extension hung up; its next request reconnects. */
  get isConnected(): boolean {
    return this.socket?.isOpen === true;
  }

  async connect(): Promise<void> {
    await until(() => !this.closing, 'the previous relay socket to close');
    const socket = await RelaySocket.connect(nodeSockets, this.target(), {
      onPeers: (count) => {
        if (count < 2 && this.channel) this.dropChannel('Your phone disconnected');
        notifyChange();
      },
      onFrame: (frame, relay) => this.onFrame(frame, relay),
      onClose: () => {
        if (this.socket === socket) this.socket = null;
        this.closing = false;
        this.dropChannel('The relay connection closed');
        notifyChange();
      },
    });
    this.socket = socket;
  }

  private target() {
    const { extensionStatic, phonePublicKey, pairedChannelId } = this.pairing;
    return pairedRelayTarget(this.relayUrl, { side: 'extension', staticKey: extensionStatic, peerPublicKey: phonePublicKey, pairedChannelId });
  }

  private hangUp(): void {
    if (!this.socket) return;
    this.closing = true;
    this.socket.close(1000, 'session error');
    this.socket = null;
  }

  private onFrame(frame: Uint8Array, relay: RelaySocket): void {
    try {
      const { kind } = decodeFrame(frame);
      if (kind === 'handshake-init') {
        if (this.channel) this.dropChannel('The phone restarted the session');
        const responder = new ReconnectResponder(this.pairing.extensionStatic, this.pairing.phonePublicKey, this.pairing.pairedChannelId);
        const { reply, result } = responder.respond(frame);
        relay.send(reply);
        this.channel = result.channel;
        this.handshakes += 1;
        return;
      }
      if (kind !== 'transport' || !this.channel) throw new ProtocolError('malformed', `Unexpected ${kind} frame`);
      const message = this.channel.open(frame);
      if (message.type !== 'assertion' && message.type !== 'error') throw new ProtocolError('schema', `Unexpected ${message.type} message`);
      increment(this.replies, message.id);
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve(message);
    } catch (error) {
      // Tampered, replayed or reordered traffic: the whole connection is no longer trusted; the
      // next request reconnects, which makes the phone start a fresh handshake.
      this.detections.push(detection('extension', error));
      this.dropChannel(`The channel to the phone failed: ${error instanceof Error ? error.message : String(error)}`);
      this.hangUp();
    } finally {
      notifyChange();
    }
  }

  private dropChannel(reason: string): void {
    this.channel = null;
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
  }

  /** Send a request on the current session and wait for its reply, at most `timeoutMs`. */
  async ask(request: GetAssertionMessage, timeoutMs = 5_000): Promise<Reply> {
    if (!this.socket?.isOpen) await this.connect();
    const channel = await until(() => this.channel ?? undefined, 'a session with the phone');
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(request.id)) reject(new Error('Waiting for your phone timed out'));
      }, timeoutMs);
      this.pending.set(request.id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    const socket = this.socket;
    if (!socket?.isOpen || channel !== this.channel) {
      this.pending.get(request.id)?.reject(new Error('The session ended before the request was sent'));
    } else {
      socket.send(channel.seal(request));
    }
    return reply;
  }

  close(): void {
    this.hangUp();
    this.dropChannel('closed');
  }
}

/** The phone's end (phone/core/session.ts): always online, reconnects, approves every request at once. */
export class PhoneEndpoint {
  readonly detections: Detection[] = [];
  /** How many times the phone sent an answer for each request id. */
  readonly answered = new Map<string, number>();
  /** Completed handshakes. */
  sessions = 0;
  /** `sessions` when the phone last refused something (and hung up to start over). */
  sessionsAtLastDetection = 0;
  private socket: RelaySocket | null = null;
  private channel: SecureChannel | null = null;
  private initiator: ReconnectInitiator | null = null;
  private stopped = false;

  constructor(
    private readonly relayUrl: string,
    readonly pairing: PhonePairing,
  ) {}

  get hasChannel(): boolean {
    return this.channel !== null;
  }

  async connect(): Promise<void> {
    const { phoneStatic, extensionPublicKey, pairedChannelId } = this.pairing;
    const target = pairedRelayTarget(this.relayUrl, { side: 'phone', staticKey: phoneStatic, peerPublicKey: extensionPublicKey, pairedChannelId });
    this.socket = await RelaySocket.connect(nodeSockets, target, {
      onPeers: (count, relay) => {
        this.channel = null;
        this.initiator = null;
        if (count === 2) {
          this.initiator = new ReconnectInitiator(this.pairing.phoneStatic, this.pairing.extensionPublicKey, this.pairing.pairedChannelId);
          relay.send(this.initiator.start());
        }
        notifyChange();
      },
      onFrame: (frame, relay) => this.onFrame(frame, relay),
      onClose: () => {
        this.socket = null;
        this.channel = null;
        notifyChange();
        // Come back, as the real phone does after the relay or an error dropped it.
        if (!this.stopped) setTimeout(() => void this.connect().catch(() => undefined), 20);
      },
    });
    notifyChange();
  }

  private onFrame(frame: Uint8Array, relay: RelaySocket): void {
    try {
      const { kind } = decodeFrame(frame);
      if (kind === 'handshake-reply' && this.initiator) {
        this.channel = this.initiator.finish(frame).channel;
        this.initiator = null;
        this.sessions += 1;
        return;
      }
      if (kind !== 'transport') throw new ProtocolError('malformed', `Unexpected ${kind} frame`);
      // Sent to a session that no longer exists: its sender learns by timeout (phone/core/session.ts).
      if (!this.channel) return;
      const message = this.channel.open(frame);
      if (message.type !== 'get-assertion') throw new ProtocolError('schema', `Unexpected ${message.type} message`);
      this.answer(message, this.channel, relay);
    } catch (error) {
      this.detections.push(detection('phone', error));
      this.sessionsAtLastDetection = this.sessions;
      this.channel = null;
      this.initiator = null;
      relay.close(1000, 'session error');
    } finally {
      notifyChange();
    }
  }

  private answer(request: GetAssertionMessage, channel: SecureChannel, relay: RelaySocket): void {
    relay.send(channel.seal(assertionFor(request)));
    increment(this.answered, request.id);
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }
}

function assertionFor(request: GetAssertionMessage): Reply {
  return {
    type: 'assertion',
    id: request.id,
    credentialId: request.allowCredentials[0]?.id ?? toB64url(new Uint8Array(16)),
    authenticatorData: toB64url(new Uint8Array(37).fill(1)),
    signature: toB64url(new Uint8Array(70).fill(2)),
    userHandle: null,
  };
}
