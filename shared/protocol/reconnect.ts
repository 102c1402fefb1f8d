// Every session after pairing: a fresh Noise_KK_25519_ChaChaPoly_SHA256 handshake between the two
// stored static keys, phone = initiator. KK needs no secret beyond the static keys, gives each
// session new ephemeral keys (forward secrecy), and fails unless both sides hold the key pair the
// other one stored at pairing time.
//
// Result: the same SessionResult shape as pairing. `pairedChannelId` is the one passed in;
// `confirmationCode` is derived from this session's hash like at pairing, and is informational
// only (nobody compares it).
import { ProtocolError } from './errors.ts';
import { encodeFrame } from './frames.ts';
import { sessionPrologue } from './derive.ts';
import { checkSchema } from './messages.ts';
import { checkDeviceName, decodeJsonPayload, encodeJsonPayload, SessionInitPayloadSchema } from './handshake-payloads.ts';
import { assertPublicKey, generateStaticKeyPair, type StaticKeyPair } from './keys.ts';
import { HandshakeState, RECONNECT_PATTERN } from './noise.ts';
import { handshakeBody, handshakeFailure, OneShot, sessionResult, type SessionResult } from './session.ts';

export type ReconnectResult = SessionResult;

export interface ReconnectInitiatorOptions {
  /** Device label sent to the extension (1–64 characters). */
  name?: string;
  /** Fixed ephemeral key pair, for tests only. */
  ephemeral?: StaticKeyPair;
}

export interface ReconnectResponderOptions {
  /** Fixed ephemeral key pair, for tests only. */
  ephemeral?: StaticKeyPair;
}

const EMPTY = new Uint8Array(0);
const CHANNEL_ID = /^[A-Za-z0-9_-]{1,128}$/;

function checkChannelId(pairedChannelId: string): void {
  if (typeof pairedChannelId !== 'string' || !CHANNEL_ID.test(pairedChannelId)) {
    throw new ProtocolError('malformed', 'The paired channel id must be 1–128 base64url characters.');
  }
}

/**
 * Replies that may fail to authenticate before the phone's handshake gives up. The relay forwards
 * to whoever holds a seat now, so the extension's reply to a handshake the phone started on a
 * connection it has since replaced (it restarted, or redialled) can reach the new connection just
 * before the reply to the new handshake. Such a reply fails here without being an attack, and the
 * right one follows: the handshake stays open for it. A forger gains nothing from the extra tries
 * (a reply authenticates only with the extension's static key).
 */
export const STRAY_REPLIES = 2;

/** Phone side. One instance per session attempt. */
export class ReconnectInitiator {
  readonly #phoneStatic: StaticKeyPair;
  readonly #extensionPublicKey: Uint8Array;
  readonly #pairedChannelId: string;
  readonly #options: ReconnectInitiatorOptions;
  readonly #life = new OneShot();
  #handshake: HandshakeState | null = null;
  /** This attempt's ephemeral key, kept only while a reply may still come (see STRAY_REPLIES). */
  #ephemeral: StaticKeyPair | null = null;
  #strays = 0;

  constructor(phoneStatic: StaticKeyPair, extensionPublicKey: Uint8Array, pairedChannelId: string, options: ReconnectInitiatorOptions = {}) {
    assertPublicKey(extensionPublicKey, 'extension public key');
    checkChannelId(pairedChannelId);
    checkDeviceName(options.name);
    this.#phoneStatic = phoneStatic;
    this.#extensionPublicKey = Uint8Array.from(extensionPublicKey);
    this.#pairedChannelId = pairedChannelId;
    this.#options = options;
  }

  start(): Uint8Array {
    this.#life.enter(0, 'session handshake');
    try {
      this.#ephemeral = this.#options.ephemeral ?? generateStaticKeyPair();
      const { handshake, message } = this.#opening(this.#ephemeral);
      this.#handshake = handshake;
      const frame = encodeFrame('handshake-init', message);
      this.#life.advance();
      return frame;
    } catch (error) {
      this.#life.fail();
      this.#ephemeral = null;
      throw handshakeFailure(error, 'The session handshake could not start');
    }
  }

  /** The handshake state after our first message. Deterministic for one ephemeral key: the same bytes every time. */
  #opening(ephemeral: StaticKeyPair): { handshake: HandshakeState; message: Uint8Array } {
    const handshake = new HandshakeState({
      pattern: RECONNECT_PATTERN,
      initiator: true,
      prologue: sessionPrologue(this.#pairedChannelId),
      s: this.#phoneStatic,
      rs: this.#extensionPublicKey,
      e: ephemeral,
    });
    const payload = this.#options.name === undefined ? EMPTY : encodeJsonPayload({ name: this.#options.name });
    return { handshake, message: handshake.writeMessage(payload) };
  }

  /** A reply failed, yet this handshake still takes its own (see STRAY_REPLIES). */
  get awaitingReply(): boolean {
    return this.#ephemeral !== null && this.#handshake === null;
  }

  finish(replyFrame: Uint8Array): ReconnectResult {
    this.#life.enter(1, 'session handshake');
    try {
      // A failed read spends a Noise state: a later try replays our first message (nothing is
      // sent; the same ephemeral gives the same state) and reads the reply on that.
      const handshake = this.#handshake ?? this.#opening(this.#ephemeral!).handshake;
      this.#handshake = null;
      const payload = handshake.readMessage(handshakeBody(replyFrame, 'handshake-reply'));
      if (payload.length !== 0) throw new ProtocolError('handshake', 'The extension’s reply carries an unexpected payload.');
      this.#life.advance();
      // Our copy of the ephemeral goes with the handshake's own (forward secrecy).
      this.#ephemeral = null;
      return sessionResult(handshake, this.#pairedChannelId, undefined);
    } catch (error) {
      this.#strays += 1;
      if (this.#strays > STRAY_REPLIES) {
        this.#life.fail();
        this.#ephemeral = null;
      }
      throw handshakeFailure(error, 'The session handshake failed: the extension is not the one this phone paired with, or the reply was tampered with');
    }
  }
}

/** Extension side. One instance per session attempt; it answers one valid handshake. */
export class ReconnectResponder {
  readonly #extensionStatic: StaticKeyPair;
  readonly #phonePublicKey: Uint8Array;
  readonly #pairedChannelId: string;
  readonly #options: ReconnectResponderOptions;
  #used = false;

  constructor(extensionStatic: StaticKeyPair, phonePublicKey: Uint8Array, pairedChannelId: string, options: ReconnectResponderOptions = {}) {
    assertPublicKey(phonePublicKey, 'phone public key');
    checkChannelId(pairedChannelId);
    this.#extensionStatic = extensionStatic;
    this.#phonePublicKey = Uint8Array.from(phonePublicKey);
    this.#pairedChannelId = pairedChannelId;
    this.#options = options;
  }

  respond(initFrame: Uint8Array): { reply: Uint8Array; result: ReconnectResult } {
    if (this.#used) throw new ProtocolError('handshake', 'This responder already answered a handshake; create a new one per session.');
    try {
      const handshake = new HandshakeState({
        pattern: RECONNECT_PATTERN,
        initiator: false,
        prologue: sessionPrologue(this.#pairedChannelId),
        s: this.#extensionStatic,
        rs: this.#phonePublicKey,
        e: this.#options.ephemeral,
      });
      // KK's first message is authenticated by DH(phone static, extension static): it only
      // decrypts if it came from the stored phone key.
      const raw = handshake.readMessage(handshakeBody(initFrame, 'handshake-init'));
      const payload = raw.length === 0 ? {} : checkSchema(SessionInitPayloadSchema, decodeJsonPayload(raw, 'session payload'), 'session payload');
      const reply = encodeFrame('handshake-reply', handshake.writeMessage(EMPTY));
      this.#used = true;
      return { reply, result: sessionResult(handshake, this.#pairedChannelId, payload.name) };
    } catch (error) {
      throw handshakeFailure(error, 'Session refused: the handshake did not come from the paired phone, or it was tampered with');
    }
  }
}
