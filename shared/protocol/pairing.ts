// First pairing: Noise_IKpsk2_25519_ChaChaPoly_SHA256, phone = initiator, extension = responder.
//
// The phone learned the extension's static key and a one-time secret from the QR code. IK lets
// it encrypt its own static key to the extension in the first message; psk2 makes the whole
// session depend on the secret, so only someone who saw this QR code can complete it.
import { equalBytes, fromB64url, toB64url } from '../bytes.ts';
import { ProtocolError } from './errors.ts';
import { encodeFrame } from './frames.ts';
import { pairedChannelIdFromHash, pairingChannelId, pairingProof, pairingPrologue, pairingPsk } from './derive.ts';
import { checkSchema } from './messages.ts';
import { checkDeviceName, decodeJsonPayload, encodeJsonPayload, PairingInitPayloadSchema } from './handshake-payloads.ts';
import { assertPublicKey, type StaticKeyPair } from './keys.ts';
import { HandshakeState, PAIRING_PATTERN } from './noise.ts';
import type { PairingOffer } from './qr-link.ts';
import { handshakeBody, handshakeFailure, OneShot, sessionResult, type SessionResult } from './session.ts';

export { pairingChannelId };
export type { SessionResult };

export interface PairingInitiatorOptions {
  /** Device label shown in the extension (1–64 characters). */
  name?: string;
  /** Fixed ephemeral key pair, for tests only. */
  ephemeral?: StaticKeyPair;
}

export interface PairingResponderOptions {
  /** Fixed ephemeral key pair, for tests only. */
  ephemeral?: StaticKeyPair;
  /** The offer's expiry (unix ms). When set, respond() refuses with 'expired' after it. */
  expiresAt?: number;
  /** Clock for the expiry check. */
  now?: () => number;
}

const EMPTY = new Uint8Array(0);

/**
 * How long a finished pairing handshake may wait for the person to confirm the code, on both
 * sides. Past it the phone and the extension forget it: an unconfirmed pairing is exactly what a
 * stranger who sent a link (or photographed a QR code) would hold.
 */
export const UNCONFIRMED_PAIRING_TTL_MS = 5 * 60_000;

/** Phone side. */
export class PairingInitiator {
  readonly #offer: PairingOffer;
  readonly #phoneStatic: StaticKeyPair;
  readonly #options: PairingInitiatorOptions;
  readonly #life = new OneShot();
  #handshake: HandshakeState | null = null;

  constructor(offer: PairingOffer, phoneStatic: StaticKeyPair, options: PairingInitiatorOptions = {}) {
    assertPublicKey(offer.extensionPublicKey, 'extension public key');
    pairingChannelId(offer.secret); // validates the secret's length up front
    checkDeviceName(options.name);
    this.#offer = offer;
    this.#phoneStatic = phoneStatic;
    this.#options = options;
  }

  /** The handshake-init frame to send on the pairing channel. */
  start(): Uint8Array {
    this.#life.enter(0, 'pairing');
    try {
      const secret = this.#offer.secret;
      this.#handshake = new HandshakeState({
        pattern: PAIRING_PATTERN,
        initiator: true,
        prologue: pairingPrologue(pairingChannelId(secret)),
        s: this.#phoneStatic,
        rs: this.#offer.extensionPublicKey,
        psks: [pairingPsk(secret)],
        e: this.#options.ephemeral,
      });
      const payload: { proof: string; name?: string } = { proof: toB64url(pairingProof(secret)) };
      if (this.#options.name !== undefined) payload.name = this.#options.name;
      const frame = encodeFrame('handshake-init', this.#handshake.writeMessage(encodeJsonPayload(payload)));
      this.#life.advance();
      return frame;
    } catch (error) {
      this.#life.fail();
      throw handshakeFailure(error, 'Pairing could not start');
    }
  }

  /** Process the extension's handshake-reply frame. Throws 'handshake' on any mismatch. */
  finish(replyFrame: Uint8Array): SessionResult {
    this.#life.enter(1, 'pairing');
    try {
      const handshake = this.#handshake!;
      const payload = handshake.readMessage(handshakeBody(replyFrame, 'handshake-reply'));
      if (payload.length !== 0) throw new ProtocolError('handshake', 'The extension’s reply carries an unexpected payload.');
      this.#life.advance();
      return sessionResult(handshake, pairedChannelIdFromHash(handshake.handshakeHash), undefined);
    } catch (error) {
      this.#life.fail();
      throw handshakeFailure(
        error,
        'Pairing failed: the reply does not match this QR code (wrong extension, wrong secret, or tampering)',
      );
    }
  }
}

/**
 * Extension side. One instance per shown offer; it answers the first valid handshake and then
 * refuses every further one (the secret is single-use). Invalid attempts do not use it up.
 */
export class PairingResponder {
  readonly #extensionStatic: StaticKeyPair;
  readonly #channelId: string;
  readonly #psk: Uint8Array;
  readonly #proof: Uint8Array;
  readonly #options: PairingResponderOptions;
  #used = false;

  constructor(extensionStatic: StaticKeyPair, secret: Uint8Array, options: PairingResponderOptions = {}) {
    this.#extensionStatic = extensionStatic;
    this.#channelId = pairingChannelId(secret);
    this.#psk = pairingPsk(secret);
    this.#proof = pairingProof(secret);
    this.#options = options;
  }

  respond(initFrame: Uint8Array): { reply: Uint8Array; result: SessionResult } {
    if (this.#used) throw new ProtocolError('handshake', 'This pairing code was already used. Show a new code to pair another phone.');
    const now = this.#options.now ?? Date.now;
    if (this.#options.expiresAt !== undefined && now() >= this.#options.expiresAt) {
      throw new ProtocolError('expired', 'This pairing code has expired. Show a new code and scan again.');
    }
    try {
      const handshake = new HandshakeState({
        pattern: PAIRING_PATTERN,
        initiator: false,
        prologue: pairingPrologue(this.#channelId),
        s: this.#extensionStatic,
        psks: [this.#psk],
        e: this.#options.ephemeral,
      });
      const json = decodeJsonPayload(handshake.readMessage(handshakeBody(initFrame, 'handshake-init')), 'pairing payload');
      const payload = checkSchema(PairingInitPayloadSchema, json, 'pairing payload');
      if (!equalBytes(fromB64url(payload.proof), this.#proof)) {
        throw new ProtocolError('handshake', 'The phone does not hold this pairing code’s secret.');
      }
      const reply = encodeFrame('handshake-reply', handshake.writeMessage(EMPTY));
      this.#used = true;
      return { reply, result: sessionResult(handshake, pairedChannelIdFromHash(handshake.handshakeHash), payload.name) };
    } catch (error) {
      throw handshakeFailure(error, 'Pairing refused: the phone’s message does not match this code (wrong secret, wrong key, or tampering)');
    }
  }
}
