// One WebSocket to the relay, shared by the extension background (browser WebSocket) and the
// virtual phone (the `ws` package): both give the same WHATWG-style interface used here.
// The relay speaks two kinds of frames: TEXT control messages it writes itself, and BINARY frames
// it forwards blindly between the two members of a channel. A socket's first message is its
// seat's join proof (TEXT, docs/protocol.md §5.1); `connect` sends it, callers only name the seat.
import {
  pairedSeat,
  pairingSeat,
  type PairedSeatOptions,
  type RelayJoin,
  type RelaySeat,
  type SeatSide,
} from './protocol/relay-seat.ts';
import { parseRelayControl, type RelayControl, type RelayRequest } from './protocol/relay-contract.ts';

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

/** The platform WebSocket (browsers, extension workers); DOM handler types differ only nominally. */
export const platformWebSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;

export type { RelayControl, RelayRequest };

/** The relay's answers to this socket's own requests (`ask`): `push-key`, `push-result`. */
export type RelayAnswer = Extract<RelayControl, { type: 'push-key' | 'push-result' }>;

// Handlers receive the socket itself: a relay's first control message can arrive in the same
// tick as the open event (Node's `ws` parses both from one TCP read), before `connect` resolves.
export interface RelaySocketEvents {
  onFrame?: (frame: Uint8Array, socket: RelaySocket) => void;
  onPeers?: (count: number, socket: RelaySocket) => void;
  onClose?: (code: number, reason: string) => void;
  onAnswer?: (answer: RelayAnswer, socket: RelaySocket) => void;
}

/** `http(s)://host[:port][/base]` (what people type) → `ws(s)://…/relay/<channel>`. */
export function relaySocketUrl(relayUrl: string, channelId: string): string {
  const url = new URL(relayUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`Unsupported relay URL scheme: ${url.protocol}`);
  const base = url.pathname.replace(/\/+$/, '').replace(/\/relay$/, '');
  url.pathname = `${base}/relay/${encodeURIComponent(channelId)}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** Where a relay socket goes: the URL (channel name only, no secret) and the join message to send first. */
export interface RelayTarget {
  url: string;
  join: RelayJoin;
}

export function relayTarget(relayUrl: string, seat: RelaySeat): RelayTarget {
  return { url: relaySocketUrl(relayUrl, seat.channel), join: seat.join };
}

/** The pairing channel of a QR offer, on the given side. */
export function pairingRelayTarget(relayUrl: string, secret: Uint8Array, side: SeatSide): RelayTarget {
  return relayTarget(relayUrl, pairingSeat(secret, side));
}

/** The channel of an existing pairing, on the given side. */
export function pairedRelayTarget(relayUrl: string, seat: PairedSeatOptions): RelayTarget {
  return relayTarget(relayUrl, pairedSeat(seat));
}

export class RelaySocket {
  private closed = false;

  private constructor(
    private readonly socket: WebSocketLike,
    private readonly events: RelaySocketEvents,
  ) {}

  /**
   * Resolves once the socket is open and its join message sent; rejects if it cannot connect.
   * A bare URL sends no join message (the relay refuses such a socket: only for tests of this class).
   */
  static connect(factory: WebSocketFactory, target: RelayTarget | string, events: RelaySocketEvents): Promise<RelaySocket> {
    const { url, join } = typeof target === 'string' ? { url: target, join: undefined } : target;
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = factory(url);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      socket.binaryType = 'arraybuffer';
      const relay = new RelaySocket(socket, events);
      let opened = false;
      socket.onopen = () => {
        opened = true;
        if (join) socket.send(JSON.stringify(join));
        resolve(relay);
      };
      socket.onerror = () => {
        if (!opened) reject(new Error(`Cannot reach the relay at ${url}`));
      };
      socket.onclose = (event) => {
        relay.closed = true;
        if (!opened) reject(new Error(`The relay closed the connection (${event.code} ${event.reason})`));
        else events.onClose?.(event.code, event.reason);
      };
      socket.onmessage = (event) => {
        const data = event.data;
        if (typeof data === 'string') {
          const control = parseRelayControl(data);
          if (control?.type === 'peers') events.onPeers?.(control.count, relay);
          else if (control?.type === 'push-key' || control?.type === 'push-result') events.onAnswer?.(control, relay);
        } else if (data instanceof ArrayBuffer) {
          events.onFrame?.(new Uint8Array(data), relay);
        } else if (ArrayBuffer.isView(data)) {
          events.onFrame?.(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), relay);
        }
      };
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === 1;
  }

  send(frame: Uint8Array): void {
    if (!this.isOpen) throw new Error('The relay connection is closed');
    this.socket.send(frame);
  }

  /** A request to the relay itself (TEXT, after the join; answered through `onAnswer`). */
  ask(request: RelayRequest): void {
    if (!this.isOpen) throw new Error('The relay connection is closed');
    this.socket.send(JSON.stringify(request));
  }

  close(code = 1000, reason = 'done'): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }
}
