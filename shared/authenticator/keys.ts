// Credential signing keys. The core only sees SigningKey, so the virtual phone can keep raw
// @noble keys (serialisable for tests and the CLI) while the phone web app uses non-extractable
// WebCrypto keys that never leave the browser's key store.
import { p256 } from '@noble/curves/nist.js';
import { assertP256Point } from './cose.ts';
import { copyBytes } from '../bytes.ts';

export interface SigningKey {
  readonly alg: -7;
  /** Uncompressed P-256 point, 65 bytes (0x04 || x || y). */
  readonly publicKey: Uint8Array;
  /** ASN.1 DER ECDSA signature over SHA-256(data): the WebAuthn ES256 signature format. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A fresh P-256 key; the private key is returned so the virtual phone can persist it. */
export function generateNobleP256Key(): { key: SigningKey; privateKey: Uint8Array } {
  const { secretKey } = p256.keygen();
  return { key: nobleP256KeyFromPrivate(secretKey), privateKey: secretKey };
}

export function nobleP256KeyFromPrivate(privateKey: Uint8Array): SigningKey {
  if (!p256.utils.isValidSecretKey(privateKey)) throw new Error('invalid P-256 private key');
  const secret = copyBytes(privateKey); // our own copy: the caller may wipe or reuse theirs
  const publicKey = p256.getPublicKey(secret, false);
  return {
    alg: -7,
    publicKey,
    // noble v2: prehash (SHA-256) is the default but stated for clarity; 'der' because WebAuthn
    // wants ASN.1 signatures; extraEntropy hedges RFC 6979 nonces against fault attacks.
    sign: async (data) => p256.sign(data, secret, { prehash: true, format: 'der', extraEntropy: true }),
  };
}

/**
 * Wrap a WebCrypto ECDSA P-256 key pair (typically generated with extractable: false). WebCrypto
 * signs into the IEEE P1363 form r || s (64 bytes), which we re-encode as DER.
 */
export async function webCryptoP256Key(pair: CryptoKeyPair): Promise<SigningKey> {
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  assertP256Point(publicKey);
  const privateKey = pair.privateKey;
  return {
    alg: -7,
    publicKey,
    sign: async (data) => {
      const raw = new Uint8Array(
        await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, toBufferSource(data)),
      );
      return p256.Signature.fromBytes(raw, 'compact').toBytes('der');
    },
  };
}

/** Generate a non-extractable WebCrypto P-256 key (the phone web app's default). */
export async function generateWebCryptoP256Key(extractable = false): Promise<SigningKey & { pair: CryptoKeyPair }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, extractable, ['sign', 'verify']);
  return Object.assign(await webCryptoP256Key(pair), { pair });
}

// WebCrypto's TS types want an ArrayBuffer-backed view; copy only when the view is backed by
// something else (e.g. a SharedArrayBuffer).
function toBufferSource(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}
