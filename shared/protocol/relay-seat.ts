// Relay seats (docs/protocol.md §5.1): who may sit on a relay channel, decided by the relay from
// the channel name alone, without the relay holding or learning any secret it could use.
//
// Each channel has two seats, `extension` and `phone`, and each seat a 32-byte token that only
// the two ends of the pairing can compute (derive.ts: from the QR secret, or from the static-static
// DH of the two long-term keys). The channel name the relay sees (in the URL) is a hash of both
// seats' verifiers, verifier = SHA-256 of the token. A joiner sends, as its first (TEXT) message,
// its side, its own token and the other side's verifier; the relay recomputes the name and
// compares. Knowing the name (a proxy's access log) is therefore not enough to take a seat: that
// needs a preimage of the name, i.e. a token. The token never appears in a URL.
import { sha256 } from '@noble/hashes/sha2.js';
import { Type, type Static } from '@sinclair/typebox';
import { concatBytes, equalBytes, fromB64url, toB64url, utf8Encode } from '../bytes.ts';
import { pairedSeatTokens, pairingSeatTokens, PROTOCOL_VERSION_LABEL, type SeatTokens } from './derive.ts';
import { dh, type StaticKeyPair } from './keys.ts';

export const SEAT_SIDES = ['extension', 'phone'] as const;

export type SeatSide = (typeof SEAT_SIDES)[number];

/**
 * 32 bytes as canonical unpadded base64url: the 43rd character carries 2 bits of padding, which
 * must be zero (a decoder refuses anything else, and a join is read before anything is trusted).
 */
const B64_32 = Type.String({ pattern: '^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$' });

/** The first message of every relay socket, client → relay, TEXT. */
export const RelayJoinSchema = Type.Object(
  {
    type: Type.Literal('join'),
    seat: Type.Union([Type.Literal('extension'), Type.Literal('phone')]),
    /** This side's seat token. */
    token: B64_32,
    /** The other side's seat verifier (not its token). */
    peer: B64_32,
  },
  { additionalProperties: false },
);
export type RelayJoin = Static<typeof RelayJoinSchema>;

/** Everything a client needs to sit on its seat: the channel name for the URL, and its join message. */
export interface RelaySeat {
  readonly channel: string;
  readonly join: RelayJoin;
}

const VERIFIER_LABEL = utf8Encode(`${PROTOCOL_VERSION_LABEL} seat verifier `);
const CHANNEL_LABEL = utf8Encode(`${PROTOCOL_VERSION_LABEL} relay channel `);

export function seatVerifier(token: Uint8Array): Uint8Array {
  return sha256(concatBytes(VERIFIER_LABEL, token));
}

/** The channel name the relay sees: 43 base64url characters, one-way from both verifiers. */
export function seatChannelName(extensionVerifier: Uint8Array, phoneVerifier: Uint8Array): string {
  return toB64url(sha256(concatBytes(CHANNEL_LABEL, extensionVerifier, phoneVerifier)));
}

function seatFromTokens(tokens: SeatTokens, side: SeatSide): RelaySeat {
  const verifiers = { extension: seatVerifier(tokens.extension), phone: seatVerifier(tokens.phone) };
  const other: SeatSide = side === 'extension' ? 'phone' : 'extension';
  return {
    channel: seatChannelName(verifiers.extension, verifiers.phone),
    join: { type: 'join', seat: side, token: toB64url(tokens[side]), peer: toB64url(verifiers[other]) },
  };
}

/** A seat on the pairing channel of an offer (the extension shows the QR code, the phone scans it). */
export function pairingSeat(secret: Uint8Array, side: SeatSide): RelaySeat {
  return seatFromTokens(pairingSeatTokens(secret), side);
}

export interface PairedSeatOptions {
  side: SeatSide;
  /** This side's long-term key pair. */
  staticKey: StaticKeyPair;
  /** The other side's long-term public key, as stored at pairing. */
  peerPublicKey: Uint8Array;
  /** The pairing's local id (both sides hold the same one). */
  pairedChannelId: string;
}

/** A seat on the channel of an existing pairing, for every session after the first. */
export function pairedSeat({ side, staticKey, peerPublicKey, pairedChannelId }: PairedSeatOptions): RelaySeat {
  return seatFromTokens(pairedSeatTokens(dh(staticKey.privateKey, peerPublicKey), pairedChannelId), side);
}

/**
 * The relay's check: does this (schema-valid) join message prove a seat on `channel`? Recomputes
 * the channel name from the joiner's token and the other side's verifier; the comparison is
 * constant-time although the name is not secret, so no one has to argue that it need not be.
 */
export function joinProvesSeat(channel: string, join: RelayJoin): boolean {
  let own: Uint8Array;
  let peer: Uint8Array;
  try {
    own = seatVerifier(fromB64url(join.token));
    peer = fromB64url(join.peer);
  } catch {
    return false; // not base64url after all: no proof of anything
  }
  const expected = join.seat === 'extension' ? seatChannelName(own, peer) : seatChannelName(peer, own);
  return equalBytes(utf8Encode(expected), utf8Encode(channel));
}
