// RFC 8291 message encryption for Web Push ("aes128gcm", RFC 8188), on WebCrypto only, so the
// extension's worker encrypts a wake-up to the phone's subscription keys itself and the relay
// posts bytes it cannot read. No maintained library does this in a browser worker (web-push and
// http_ece are Node-only); this follows RFC 8291 §3.4 and §4 step by step and is checked against
// http_ece in encrypt.test.ts. One record, as every push service requires.
// The record is padded (RFC 8188 §2: delimiter 0x02, then zeros) to a multiple of PADDED_BYTES, so
// what the relay and the push service see of a wake-up is one constant length, whatever the site's
// name or the request's kind.
import { fromB64url } from '../bytes.ts';
import type { PushSubscriptionInfo } from './subscription.ts';

const RECORD_SIZE = 4096;
const TAG_BYTES = 16;
/** Record plaintext (data + delimiter + padding) is a multiple of this: every wake-up fits one block. */
export const PADDED_BYTES = 512;
const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

async function hkdf(salt: Uint8Array<ArrayBuffer>, ikm: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer>, bytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, bytes * 8));
}

/** The body to POST (Content-Encoding: aes128gcm) for `plaintext`, readable only by the subscription's owner. */
export async function encryptPushMessage(subscription: Pick<PushSubscriptionInfo, 'p256dh' | 'auth'>, plaintext: Uint8Array): Promise<Uint8Array> {
  // RFC 8188 §2: each record is padding delimiter + tag on top of the data; one record must hold it all.
  if (plaintext.byteLength + 1 + TAG_BYTES > RECORD_SIZE) throw new Error('A push message must fit one record');
  const uaPublic = new Uint8Array(fromB64url(subscription.p256dh));
  const authSecret = new Uint8Array(fromB64url(subscription.auth));
  if (uaPublic.byteLength !== 65 || uaPublic[0] !== 4 || authSecret.byteLength !== 16) throw new Error('Malformed push subscription keys');

  // §3.1: a fresh application-server key pair and salt for every message.
  const asKeys = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
  const asPublic = new Uint8Array(await crypto.subtle.exportKey('raw', asKeys.publicKey));
  const uaKey = await crypto.subtle.importKey('raw', uaPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: uaKey }, asKeys.privateKey, 256));
  const salt = crypto.getRandomValues(new Uint8Array(16));

  // §3.3–3.4: IKM from the ECDH secret and the auth secret, bound to both public keys.
  const keyInfo = concat(encoder.encode('WebPush: info\0'), uaPublic, asPublic);
  const ikm = await hkdf(authSecret, ecdhSecret, keyInfo, 32);
  // RFC 8188 §2.2–2.3: content-encryption key and nonce (record 0: the nonce as it is).
  const cek = await hkdf(salt, ikm, encoder.encode('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, encoder.encode('Content-Encoding: nonce\0'), 12);

  const aesKey = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // 0x02: the last (only) record's delimiter, then zeros up to the next PADDED_BYTES (at most the
  // record: RECORD_SIZE - TAG_BYTES).
  const padded = new Uint8Array(Math.min(RECORD_SIZE - TAG_BYTES, Math.ceil((plaintext.byteLength + 1) / PADDED_BYTES) * PADDED_BYTES));
  padded.set(plaintext, 0);
  padded[plaintext.byteLength] = 2;
  const record = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, aesKey, padded));

  // RFC 8188 §2.1 header: salt, record size (uint32 BE), key id length, key id (as_public).
  const header = new Uint8Array(16 + 4 + 1 + 65);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = 65;
  header.set(asPublic, 21);
  return concat(header, record);
}
