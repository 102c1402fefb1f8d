// Credential signing keys. The core only sees SigningKey, so the virtual phone can keep raw
// @noble keys (serialisable for tests and the CLI) while the phone web app uses non-extractable
// WebCrypto keys that never leave the browser's key store.
//
// Keys for every algorithm in ./algorithms.ts; RSA through WebCrypto only (@noble has no RSA,
// and a home-made one is out of the question).
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { copyBytes, fromB64url } from '../bytes.ts';
import { COSE_ALG_EDDSA, COSE_ALG_ES256, COSE_ALG_RS256, SUPPORTED_ALGORITHMS, type CoseAlgorithm } from './algorithms.ts';
import { assertEd25519Point, assertP256Point, assertRsaPublicKey } from './cose.ts';

/** An RSA public key: modulus and exponent (big-endian, no leading zero) and its DER SPKI. */
export interface RsaPublicKey {
  n: Uint8Array;
  e: Uint8Array;
  spki: Uint8Array;
}

interface Signer {
  /** The signature over `data` in the form WebAuthn specifies for the key's algorithm. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** ES256: the public key is the uncompressed P-256 point, 65 bytes (0x04 || x || y). */
export type Es256Key = Signer & { readonly alg: typeof COSE_ALG_ES256; readonly publicKey: Uint8Array };
/** EdDSA: the public key is the 32-byte Ed25519 encoding. */
export type EdDsaKey = Signer & { readonly alg: typeof COSE_ALG_EDDSA; readonly publicKey: Uint8Array };
export type Rs256Key = Signer & { readonly alg: typeof COSE_ALG_RS256; readonly publicKey: RsaPublicKey };
export type SigningKey = Es256Key | EdDsaKey | Rs256Key;

/** A fresh P-256 key; the private key is returned so the virtual phone can persist it. */
export function generateNobleP256Key(): { key: Es256Key; privateKey: Uint8Array } {
  const { secretKey } = p256.keygen();
  return { key: nobleP256KeyFromPrivate(secretKey), privateKey: secretKey };
}

export function nobleP256KeyFromPrivate(privateKey: Uint8Array): Es256Key {
  if (!p256.utils.isValidSecretKey(privateKey)) throw new Error('invalid P-256 private key');
  const secret = copyBytes(privateKey); // our own copy: the caller may wipe or reuse theirs
  const publicKey = p256.getPublicKey(secret, false);
  return {
    alg: COSE_ALG_ES256,
    publicKey,
    // noble v2: prehash (SHA-256) is the default but stated for clarity; 'der' because WebAuthn
    // wants ASN.1 signatures; extraEntropy hedges RFC 6979 nonces against fault attacks.
    sign: async (data) => p256.sign(data, secret, { prehash: true, format: 'der', extraEntropy: true }),
  };
}

/** A fresh Ed25519 key; the 32-byte seed is returned so the virtual phone can persist it. */
export function generateNobleEd25519Key(): { key: EdDsaKey; privateKey: Uint8Array } {
  const secretKey = ed25519.utils.randomSecretKey();
  return { key: nobleEd25519KeyFromPrivate(secretKey), privateKey: secretKey };
}

export function nobleEd25519KeyFromPrivate(privateKey: Uint8Array): EdDsaKey {
  if (!ed25519.utils.isValidSecretKey(privateKey)) throw new Error('invalid Ed25519 private key');
  const secret = copyBytes(privateKey);
  return { alg: COSE_ALG_EDDSA, publicKey: ed25519.getPublicKey(secret), sign: async (data) => ed25519.sign(data, secret) };
}

const WEBCRYPTO_PARAMS = {
  [COSE_ALG_ES256]: { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  [COSE_ALG_EDDSA]: { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  [COSE_ALG_RS256]: {
    generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
} as const;

/** The COSE algorithm of a WebCrypto key pair, or undefined for one the core cannot use. */
export function webCryptoAlgorithmOf(pair: CryptoKeyPair): CoseAlgorithm | undefined {
  const algorithm = pair.privateKey.algorithm as KeyAlgorithm & { namedCurve?: string; hash?: { name: string }; modulusLength?: number };
  if (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256') return COSE_ALG_ES256;
  if (algorithm.name === 'Ed25519') return COSE_ALG_EDDSA;
  if (algorithm.name === 'RSASSA-PKCS1-v1_5' && algorithm.hash?.name === 'SHA-256' && (algorithm.modulusLength ?? 0) >= 2048) return COSE_ALG_RS256;
  return undefined;
}

/**
 * Wrap a WebCrypto key pair (typically generated with extractable: false; a public key is always
 * exportable). ECDSA signs into the IEEE P1363 form r || s (64 bytes), re-encoded as DER.
 */
export async function webCryptoKey(pair: CryptoKeyPair): Promise<SigningKey> {
  const alg = webCryptoAlgorithmOf(pair);
  if (alg === undefined) throw new Error(`unsupported WebCrypto key: ${pair.privateKey.algorithm.name}`);
  const privateKey = pair.privateKey;
  const sign = (data: Uint8Array) => crypto.subtle.sign(WEBCRYPTO_PARAMS[alg].sign, privateKey, toBufferSource(data)).then((s) => new Uint8Array(s));
  switch (alg) {
    case COSE_ALG_ES256: {
      const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
      assertP256Point(publicKey);
      return { alg, publicKey, sign: async (data) => p256.Signature.fromBytes(await sign(data), 'compact').toBytes('der') };
    }
    case COSE_ALG_EDDSA: {
      const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
      assertEd25519Point(publicKey);
      return { alg, publicKey, sign };
    }
    case COSE_ALG_RS256: {
      const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
      const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
      const publicKey = { n: fromB64url(jwk.n!), e: fromB64url(jwk.e!), spki };
      assertRsaPublicKey(publicKey.n, publicKey.e);
      return { alg, publicKey, sign };
    }
  }
}

/** Wrap a WebCrypto ECDSA P-256 key pair (kept for callers that know they hold one). */
export async function webCryptoP256Key(pair: CryptoKeyPair): Promise<Es256Key> {
  const key = await webCryptoKey(pair);
  if (key.alg !== COSE_ALG_ES256) throw new Error('not an ECDSA P-256 key pair');
  return key;
}

/**
 * Generate a WebCrypto key for `alg`, non-extractable by default (the phone web app's keys).
 * Rejects where the browser lacks the algorithm (Ed25519 before Chrome 137 / Firefox 129).
 */
export async function generateWebCryptoKey(alg: CoseAlgorithm, extractable = false): Promise<SigningKey & { pair: CryptoKeyPair }> {
  const pair = (await crypto.subtle.generateKey(WEBCRYPTO_PARAMS[alg].generate, extractable, ['sign', 'verify'])) as CryptoKeyPair;
  return Object.assign(await webCryptoKey(pair), { pair });
}

/** Generate a non-extractable WebCrypto P-256 key (the phone web app's default). */
export async function generateWebCryptoP256Key(extractable = false): Promise<Es256Key & { pair: CryptoKeyPair }> {
  const pair = await crypto.subtle.generateKey(WEBCRYPTO_PARAMS[COSE_ALG_ES256].generate, extractable, ['sign', 'verify']);
  return Object.assign(await webCryptoP256Key(pair), { pair });
}

/**
 * The algorithms this runtime's WebCrypto can generate keys for. ECDSA P-256 and RSASSA are in
 * every WebCrypto; Ed25519 only in newer browsers (Chrome 137, Firefox 129), so it is probed.
 */
export async function webCryptoAlgorithms(): Promise<CoseAlgorithm[]> {
  try {
    await crypto.subtle.generateKey(WEBCRYPTO_PARAMS[COSE_ALG_EDDSA].generate, false, ['sign', 'verify']);
    return [...SUPPORTED_ALGORITHMS];
  } catch {
    return SUPPORTED_ALGORITHMS.filter((alg) => alg !== COSE_ALG_EDDSA);
  }
}

// WebCrypto's TS types want an ArrayBuffer-backed view; copy only when the view is backed by
// something else (e.g. a SharedArrayBuffer).
function toBufferSource(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

/**
 * A key whose private part its holder keeps as bytes: the virtual phone's file. P-256 and
 * Ed25519 keep @noble's raw scalar / seed; RSA keeps PKCS#8 DER from an extractable WebCrypto key.
 */
export interface ExportableKey {
  key: SigningKey;
  privateKey: Uint8Array;
}

export async function generateExportableKey(alg: CoseAlgorithm): Promise<ExportableKey> {
  if (alg === COSE_ALG_ES256) return generateNobleP256Key();
  if (alg === COSE_ALG_EDDSA) return generateNobleEd25519Key();
  const key = await generateWebCryptoKey(alg, true);
  return { key, privateKey: new Uint8Array(await crypto.subtle.exportKey('pkcs8', key.pair.privateKey)) };
}

/** The key again from what generateExportableKey returned (an RSA key also needs its public key). */
export function exportableKeyFromPrivate(alg: CoseAlgorithm, privateKey: Uint8Array, rsaPublicKey?: RsaPublicKey): SigningKey {
  if (alg === COSE_ALG_ES256) return nobleP256KeyFromPrivate(privateKey);
  if (alg === COSE_ALG_EDDSA) return nobleEd25519KeyFromPrivate(privateKey);
  if (!rsaPublicKey) throw new Error('an RSA key needs its public key');
  assertRsaPublicKey(rsaPublicKey.n, rsaPublicKey.e);
  const pkcs8 = copyBytes(privateKey);
  // Imported on first use: WebCrypto is asynchronous and the holder opens its file synchronously.
  let imported: Promise<CryptoKey> | undefined;
  return {
    alg,
    publicKey: rsaPublicKey,
    sign: async (data) => {
      imported ??= crypto.subtle.importKey('pkcs8', toBufferSource(pkcs8), WEBCRYPTO_PARAMS[COSE_ALG_RS256].generate, false, ['sign']);
      return new Uint8Array(await crypto.subtle.sign(WEBCRYPTO_PARAMS[COSE_ALG_RS256].sign, await imported, toBufferSource(data)));
    },
  };
}
