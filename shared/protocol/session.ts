// What pairing and reconnecting have in common: the result shape and the plumbing between
// handshake frames and a Noise HandshakeState.
import { ProtocolError } from './errors.ts';
import { decodeFrame, type FrameKind } from './frames.ts';
import { confirmationCodeFromHash } from './derive.ts';
import type { HandshakeState } from './noise.ts';
import { SecureChannel } from './secure-channel.ts';

export interface SessionResult {
  channel: SecureChannel;
  /** The other side's static X25519 public key, authenticated by the handshake. */
  peerPublicKey: Uint8Array;
  /** Six digits derived from the handshake hash; both sides get the same value. */
  confirmationCode: string;
  /** The id of the pairing, used as the relay channel of every later session. */
  pairedChannelId: string;
  /** The phone's device label, when it sent one (only the extension side receives it). */
  peerName?: string;
}

/** Any failure inside a handshake step surfaces as one 'handshake' error (or 'expired'). */
export function handshakeFailure(error: unknown, context: string): ProtocolError {
  if (error instanceof ProtocolError && (error.code === 'handshake' || error.code === 'expired')) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ProtocolError('handshake', `${context}: ${detail}`, { cause: error });
}

/** The Noise message inside a handshake frame of the expected kind. */
export function handshakeBody(frame: Uint8Array, expected: FrameKind): Uint8Array {
  const { kind, body } = decodeFrame(frame);
  if (kind !== expected) throw new ProtocolError('handshake', `Expected a ${expected} frame, got ${kind}.`);
  return body;
}

export function sessionResult(handshake: HandshakeState, pairedChannelId: string, peerName: string | undefined): SessionResult {
  const peerPublicKey = handshake.remoteStaticKey;
  if (!peerPublicKey) throw new ProtocolError('handshake', 'The handshake ended without a peer static key.');
  const result: SessionResult = {
    channel: SecureChannel.fromHandshake(handshake),
    peerPublicKey,
    confirmationCode: confirmationCodeFromHash(handshake.handshakeHash),
    pairedChannelId,
  };
  if (peerName !== undefined) result.peerName = peerName;
  return result;
}

/** Guards the one-shot life of an initiator: start once, then finish once. */
export class OneShot {
  #step = 0;
  #failed = false;

  enter(step: number, what: string): void {
    if (this.#failed) throw new ProtocolError('handshake', `This ${what} already failed; start a new one.`);
    if (this.#step !== step) throw new ProtocolError('handshake', `Call order: start() once, then finish() once (${what}).`);
  }

  advance(): void {
    this.#step += 1;
  }

  fail(): void {
    this.#failed = true;
  }
}
