// Every value Pairkey derives from the QR secret or from a handshake hash, in one place.
// One construction throughout: HKDF-SHA256 (RFC 5869) with salt "pairkey/1" and an info label
// naming the purpose, so no two derived values can ever coincide (domain separation).
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toB64url, utf8Encode } from '../bytes.ts';
import { ProtocolError } from './errors.ts';

export const PROTOCOL_VERSION_LABEL = 'pairkey/1';
const SALT = utf8Encode(PROTOCOL_VERSION_LABEL);
const MIN_SECRET_BYTES = 16;

function derive(ikm: Uint8Array, purpose: string, length: number): Uint8Array {
  return hkdf(sha256, ikm, SALT, utf8Encode(`${PROTOCOL_VERSION_LABEL} ${purpose}`), length);
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES) {
    throw new ProtocolError('malformed', `A pairing secret must be at least ${MIN_SECRET_BYTES} bytes.`);
  }
}

/**
 * The relay channel both sides join for the first pairing. One-way from the secret: the relay
 * sees this id and learns nothing about the secret, the PSK or the proof derived from it.
 */
export function pairingChannelId(secret: Uint8Array): string {
  checkSecret(secret);
  return toB64url(derive(secret, 'pairing channel id', 32));
}

/** The 32-byte Noise PSK for IKpsk2 (Noise requires exactly 32 bytes; the secret may differ). */
export function pairingPsk(secret: Uint8Array): Uint8Array {
  checkSecret(secret);
  return derive(secret, 'pairing psk', 32);
}

/**
 * What the phone sends inside its encrypted first handshake message to show the extension it
 * holds the secret. IKpsk2 mixes the PSK in only at the end of message 2, so without this the
 * extension could not tell, when it answers, whether the initiator knew the secret at all.
 */
export function pairingProof(secret: Uint8Array): Uint8Array {
  checkSecret(secret);
  return derive(secret, 'pairing proof', 32);
}

/** Stable id of a pairing, for the relay channel of every later session. */
export function pairedChannelIdFromHash(handshakeHash: Uint8Array): string {
  return toB64url(derive(handshakeHash, 'paired channel id', 32));
}

/**
 * Six decimal digits both screens show after pairing. 64 bits reduced mod 10^6: the bias is
 * below 10^-13, so every code is equally likely for practical purposes.
 */
export function confirmationCodeFromHash(handshakeHash: Uint8Array): string {
  const bytes = derive(handshakeHash, 'confirmation code', 8);
  const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false) % 1_000_000n;
  return value.toString().padStart(6, '0');
}

/** Prologue of the pairing handshake: binds version, purpose and the pairing channel. */
export function pairingPrologue(channelId: string): Uint8Array {
  return utf8Encode(`${PROTOCOL_VERSION_LABEL} pairing ${channelId}`);
}

/** Prologue of every later session: binds version, purpose and the paired channel. */
export function sessionPrologue(pairedChannelId: string): Uint8Array {
  return utf8Encode(`${PROTOCOL_VERSION_LABEL} session ${pairedChannelId}`);
}

/** The two relay seat tokens of one channel (docs/protocol.md §5.1): one per side. */
export interface SeatTokens {
  extension: Uint8Array;
  phone: Uint8Array;
}

/**
 * Seat tokens of the pairing channel, from the QR secret: only the extension that made the
 * offer and the phone that scanned it can compute them.
 */
export function pairingSeatTokens(secret: Uint8Array): SeatTokens {
  checkSecret(secret);
  return { extension: derive(secret, 'pairing seat extension', 32), phone: derive(secret, 'pairing seat phone', 32) };
}

/**
 * Seat tokens of a paired channel, from the static-static X25519 DH of the two long-term keys
 * and the pairing's id. Both ends already hold what this needs (their own private key, the other
 * side's public key, the pairedChannelId), so pairings made before seats existed keep working;
 * nobody else, the relay included, can compute it. The id separates re-pairings of the same keys.
 */
export function pairedSeatTokens(staticDh: Uint8Array, pairedChannelId: string): SeatTokens {
  if (!(staticDh instanceof Uint8Array) || staticDh.length !== 32) {
    throw new ProtocolError('malformed', 'A static Diffie-Hellman output must be 32 bytes.');
  }
  const ikm = new Uint8Array([...staticDh, ...utf8Encode(pairedChannelId)]);
  return { extension: derive(ikm, 'paired seat extension', 32), phone: derive(ikm, 'paired seat phone', 32) };
}
