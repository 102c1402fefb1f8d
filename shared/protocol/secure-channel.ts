// One end of an established session: the two CipherStates from Noise Split(), wrapped so that
// callers only ever see whole, validated channel messages.
//
// Ordering and replay protection come from Noise itself: every frame is decrypted with the
// next counter value, so a replayed, reordered, dropped-then-delivered or tampered frame fails
// authentication. Nothing is retried: after any failure the channel is dead, because the two
// sides' counters may no longer agree and the traffic may be under attack.
import { ProtocolError } from './errors.ts';
import { decodeFrame, encodeFrame, padPlaintext, unpadPlaintext } from './frames.ts';
import { decodeChannelMessage, encodeChannelMessage, type ChannelMessage } from './messages.ts';
import type { CipherState, HandshakeState } from './noise.ts';

const NO_AD = new Uint8Array(0);

export class SecureChannel {
  readonly #send: CipherState;
  readonly #receive: CipherState;
  readonly #handshakeHash: Uint8Array;
  #failure: ProtocolError | null = null;

  constructor(send: CipherState, receive: CipherState, handshakeHash: Uint8Array) {
    if (!send.hasKey() || !receive.hasKey()) throw new ProtocolError('handshake', 'A secure channel needs keyed cipher states.');
    this.#send = send;
    this.#receive = receive;
    this.#handshakeHash = Uint8Array.from(handshakeHash);
  }

  /** Build from a completed handshake, oriented for that side. */
  static fromHandshake(handshake: HandshakeState): SecureChannel {
    const { send, receive } = handshake.transport;
    return new SecureChannel(send, receive, handshake.handshakeHash);
  }

  /** The Noise handshake hash h: a unique, public identifier of this session (channel binding). */
  get handshakeHash(): Uint8Array {
    return Uint8Array.from(this.#handshakeHash);
  }

  /** False once a failure has killed the channel. */
  get isOpen(): boolean {
    return this.#failure === null;
  }

  /**
   * Validate, pad, encrypt: a complete 'transport' frame ready for the socket. A message that
   * fails validation is refused with 'schema' before anything is encrypted, so the channel
   * stays usable; a failure after encryption started kills it.
   */
  seal(message: ChannelMessage): Uint8Array {
    this.#assertOpen();
    const padded = padPlaintext(encodeChannelMessage(message));
    try {
      return encodeFrame('transport', this.#send.encryptWithAd(NO_AD, padded));
    } catch (error) {
      throw this.#kill(error);
    }
  }

  /** Decrypt the next frame from the peer, unpad, parse and validate it. Any failure kills the channel. */
  open(frame: Uint8Array): ChannelMessage {
    this.#assertOpen();
    try {
      const { kind, body } = decodeFrame(frame);
      if (kind !== 'transport') throw new ProtocolError('malformed', `Expected a transport frame, got ${kind}.`);
      const padded = this.#receive.decryptWithAd(NO_AD, body);
      return decodeChannelMessage(unpadPlaintext(padded));
    } catch (error) {
      throw this.#kill(error);
    }
  }

  #assertOpen(): void {
    if (this.#failure) {
      throw new ProtocolError('closed', `This secure channel was closed after an earlier failure (${this.#failure.message}) Start a new session.`, {
        cause: this.#failure,
      });
    }
  }

  #kill(error: unknown): ProtocolError {
    const failure =
      error instanceof ProtocolError ? error : new ProtocolError('decrypt', 'The secure channel failed unexpectedly.', { cause: error });
    this.#failure = failure;
    return failure;
  }
}
