// The pairing offer the extension shows as a QR code, and the link that carries it.
//
// Link:      <phoneAppUrl>#pk1.<base64url(offer bytes)>
// Offer v1:  [32 extension X25519 public key][1 secret length L][L secret]
//            [8 expiresAt, unix ms, u64 big-endian][relay URL, UTF-8, to the end]
//
// Everything secret lives after '#': browsers never send the fragment to the phone app's server.
// A fixed binary layout keeps the QR code small (≈ 100 + 1.33 × URL characters).
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes, fromB64url, toB64url, utf8Decode, utf8Encode } from '../bytes.ts';
import { ProtocolError } from './errors.ts';
import { X25519_KEY_BYTES } from './keys.ts';

export const PAIRING_LINK_VERSION = 1;
const FRAGMENT_PREFIX = /^pk(\d{1,3})\.(.*)$/s;
const SECRET_BYTES = 32;
export const MIN_SECRET_BYTES = 16;
export const MAX_SECRET_BYTES = 64;
const MAX_RELAY_URL_BYTES = 512;
/** Offers are meant to live minutes; a day is the hard ceiling for a requested ttl. */
export const MAX_OFFER_TTL_MS = 24 * 60 * 60 * 1000;
const RELAY_SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:']);

export interface PairingOffer {
  version: 1;
  relayUrl: string;
  /** The extension's static X25519 public key (32 bytes). */
  extensionPublicKey: Uint8Array;
  /** One-time pairing secret (32 bytes when we create it; at least 16 accepted). */
  secret: Uint8Array;
  /** Unix time in milliseconds after which the offer is void. */
  expiresAt: number;
}

function checkRelayUrl(relayUrl: string): void {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch (cause) {
    throw new ProtocolError('malformed', `The relay URL "${relayUrl}" is not a valid URL.`, { cause });
  }
  if (!RELAY_SCHEMES.has(url.protocol)) {
    throw new ProtocolError('malformed', `The relay URL must use ws:, wss:, http: or https: (got ${url.protocol}).`);
  }
  if (utf8Encode(relayUrl).length > MAX_RELAY_URL_BYTES) {
    throw new ProtocolError('malformed', `The relay URL may not exceed ${MAX_RELAY_URL_BYTES} bytes.`);
  }
}

function checkOffer(offer: PairingOffer): void {
  if (offer.version !== PAIRING_LINK_VERSION) {
    throw new ProtocolError('version', `This is a version ${String(offer.version)} pairing offer; only version ${PAIRING_LINK_VERSION} is supported.`);
  }
  checkRelayUrl(offer.relayUrl);
  if (!(offer.extensionPublicKey instanceof Uint8Array) || offer.extensionPublicKey.length !== X25519_KEY_BYTES) {
    throw new ProtocolError('malformed', `The extension public key must be ${X25519_KEY_BYTES} bytes.`);
  }
  if (!(offer.secret instanceof Uint8Array) || offer.secret.length < MIN_SECRET_BYTES || offer.secret.length > MAX_SECRET_BYTES) {
    throw new ProtocolError('malformed', `The pairing secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes.`);
  }
  if (!Number.isSafeInteger(offer.expiresAt) || offer.expiresAt <= 0) {
    throw new ProtocolError('malformed', 'The offer expiry must be a positive whole number of milliseconds.');
  }
}

/** A new offer with a fresh 32-byte random secret, valid for `ttlMs` from `now`. */
export function createPairingOffer(relayUrl: string, extensionPublicKey: Uint8Array, ttlMs: number, now: number = Date.now()): PairingOffer {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0 || ttlMs > MAX_OFFER_TTL_MS) {
    throw new ProtocolError('malformed', `The offer lifetime must be 1 ms to ${MAX_OFFER_TTL_MS} ms (got ${ttlMs}).`);
  }
  const offer: PairingOffer = {
    version: PAIRING_LINK_VERSION,
    relayUrl,
    extensionPublicKey: Uint8Array.from(extensionPublicKey),
    secret: randomBytes(SECRET_BYTES),
    expiresAt: now + ttlMs,
  };
  checkOffer(offer);
  return offer;
}

export function encodePairingLink(phoneAppUrl: string, offer: PairingOffer): string {
  if (phoneAppUrl.includes('#')) throw new ProtocolError('malformed', 'The phone app URL must not already have a #fragment.');
  try {
    new URL(phoneAppUrl);
  } catch (cause) {
    throw new ProtocolError('malformed', `The phone app URL "${phoneAppUrl}" is not a valid URL.`, { cause });
  }
  checkOffer(offer);
  const expiry = new Uint8Array(8);
  new DataView(expiry.buffer).setBigUint64(0, BigInt(offer.expiresAt), false);
  const body = concatBytes(
    offer.extensionPublicKey,
    Uint8Array.of(offer.secret.length),
    offer.secret,
    expiry,
    utf8Encode(offer.relayUrl),
  );
  return `${phoneAppUrl}#pk${PAIRING_LINK_VERSION}.${toB64url(body)}`;
}

/**
 * Parse a full link, a bare fragment ('#pk1.…') or the fragment body ('pk1.…'), so the phone
 * app can hand over `location.href` or `location.hash` alike.
 */
export function parsePairingLink(link: string, now: number = Date.now()): PairingOffer {
  if (typeof link !== 'string') throw new ProtocolError('malformed', 'A pairing link must be text.');
  const hash = link.indexOf('#');
  const fragment = hash >= 0 ? link.slice(hash + 1) : link;
  const match = FRAGMENT_PREFIX.exec(fragment.trim());
  if (!match) throw new ProtocolError('malformed', 'This is not a Pairkey pairing link (no "#pk1." part).');
  if (Number(match[1]) !== PAIRING_LINK_VERSION) {
    throw new ProtocolError('version', `This pairing link is version ${match[1]}; this app understands version ${PAIRING_LINK_VERSION}. Update the app or the extension.`);
  }

  let body: Uint8Array;
  try {
    body = fromB64url(match[2]!);
  } catch (cause) {
    throw new ProtocolError('malformed', 'The pairing link is damaged (not valid base64url).', { cause });
  }
  let offset = 0;
  const take = (length: number, what: string): Uint8Array => {
    if (offset + length > body.length) throw new ProtocolError('malformed', `The pairing link is truncated (in the ${what}).`);
    const part = body.slice(offset, offset + length);
    offset += length;
    return part;
  };
  const extensionPublicKey = take(X25519_KEY_BYTES, 'extension key');
  const secretLength = take(1, 'secret length')[0]!;
  if (secretLength < MIN_SECRET_BYTES || secretLength > MAX_SECRET_BYTES) {
    throw new ProtocolError('malformed', `The pairing secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (this link has ${secretLength}).`);
  }
  const secret = take(secretLength, 'secret');
  const expiresAtBig = new DataView(take(8, 'expiry').buffer).getBigUint64(0, false);
  if (expiresAtBig > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('malformed', 'The pairing link has an impossible expiry time.');
  let relayUrl: string;
  try {
    relayUrl = utf8Decode(body.slice(offset));
  } catch (cause) {
    throw new ProtocolError('malformed', 'The relay URL in the pairing link is not valid UTF-8.', { cause });
  }

  const offer: PairingOffer = { version: PAIRING_LINK_VERSION, relayUrl, extensionPublicKey, secret, expiresAt: Number(expiresAtBig) };
  checkOffer(offer);
  if (now >= offer.expiresAt) {
    throw new ProtocolError('expired', 'This pairing code has expired. Show a new code in the extension and scan again.');
  }
  return offer;
}
