// The extension's end of pairing and of a paired channel, made of the protocol's own responder
// classes, for tests of the phone side (phone/core, phone/virtual) against the real relay.
import WebSocket from 'ws';
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  PairingResponder,
  ReconnectResponder,
  type ChannelMessage,
  type SecureChannel,
  type StaticKeyPair,
} from '../../shared/protocol/index.ts';
import { pairedRelayTarget, pairingRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../shared/relay-socket.ts';

export const nodeSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;
export const PHONE_URL = 'http://localhost:8788/';

const idOf = (message: ChannelMessage): string | null => ('id' in message ? message.id : null);

/** Resolves when `predicate` holds after some event; the event source calls `check()`. */
export class Condition {
  private waiters: (() => void)[] = [];
  check(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** What the extension knows of a phone it paired with. */
export interface PairedPhone {
  pairedChannelId: string;
  phonePublicKey: Uint8Array;
  confirmationCode: string;
  phoneName: string | undefined;
}

/** An extension showing a pairing offer: the link for the phone, and what it learnt once paired. */
export interface ShownOffer {
  link: string;
  /** Null until a phone completed the handshake. */
  paired(): PairedPhone | null;
  close(): void;
}

export async function showPairingOffer(relayUrl: string, key: StaticKeyPair, ttlMs = 60_000): Promise<ShownOffer> {
  const offer = createPairingOffer(relayUrl, key.publicKey, ttlMs);
  const responder = new PairingResponder(key, offer.secret);
  let paired: PairedPhone | null = null;
  const socket = await RelaySocket.connect(nodeSocket, pairingRelayTarget(relayUrl, offer.secret, 'extension'), {
    onFrame: (frame, relay) => {
      const { reply, result } = responder.respond(frame);
      relay.send(reply);
      paired = { pairedChannelId: result.pairedChannelId, phonePublicKey: result.peerPublicKey, confirmationCode: result.confirmationCode, phoneName: result.peerName };
    },
  });
  return { link: encodePairingLink(PHONE_URL, offer), paired: () => paired, close: () => socket.close() };
}

/** The extension's end of a paired channel: answers the phone's KK handshake, sends requests. */
export class TestExtension {
  channel: SecureChannel | null = null;
  readonly received: ChannelMessage[] = [];
  readonly failures: unknown[] = [];
  readonly events = new Condition();
  private constructor(readonly socket: RelaySocket) {}

  /** `seatKey`: whose relay seat to take (a malicious relay can seat anyone: it sees join messages). */
  static async join(relayUrl: string, key: StaticKeyPair, phone: { pairedChannelId: string }, phonePublicKey: Uint8Array, seatKey = key): Promise<TestExtension> {
    let self: TestExtension | null = null;
    const target = pairedRelayTarget(relayUrl, { side: 'extension', staticKey: seatKey, peerPublicKey: phonePublicKey, pairedChannelId: phone.pairedChannelId });
    const socket = await RelaySocket.connect(nodeSocket, target, {
      onFrame: (frame, relay) => {
        const ext = self!;
        try {
          if (decodeFrame(frame).kind === 'handshake-init') {
            const { reply, result } = new ReconnectResponder(key, phonePublicKey, phone.pairedChannelId).respond(frame);
            relay.send(reply);
            ext.channel = result.channel;
          } else {
            ext.received.push(ext.channel!.open(frame));
          }
        } catch (error) {
          ext.failures.push(error);
        }
        ext.events.check();
      },
    });
    self = new TestExtension(socket);
    return self;
  }

  async connected(): Promise<SecureChannel> {
    await this.events.until(() => this.channel !== null);
    return this.channel!;
  }

  send(message: ChannelMessage): void {
    this.socket.send(this.channel!.seal(message));
  }

  async reply(id: string): Promise<ChannelMessage> {
    await this.events.until(() => this.received.some((m) => idOf(m) === id));
    return this.received.find((m) => idOf(m) === id)!;
  }
}
