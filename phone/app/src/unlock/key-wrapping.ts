// The key hierarchy behind "Unlock with this phone's screen lock" (docs/phone.md), all WebCrypto:
//
//   screen lock: PRF output (32 bytes, from the platform passkey) --HKDF-SHA256--> AES-KW key ┐
//   app PIN:     PIN --PBKDF2-SHA256, 600 000 iterations--------------------------> AES-KW key ├─ wrap the data key
//   data key (AES-256-GCM, random) --wraps--> each passkey's private key (PKCS#8, fresh 96-bit IV,
//                                             the credential id as additional data)
//
// One data key wrapped once per unlock method, so the PIN and the screen lock open the same keys
// and either can be removed while the other remains. Keys come out of `unwrapPrivateKey` as
// non-extractable CryptoKeys for the one operation that asked; nothing here keeps them.
import { PIN_ITERATIONS } from '../pin.ts';

/** A data key wrapped (AES-KW, RFC 3394) by one unlock method's key-encryption key. */
export type WrappedDataKey = Uint8Array;

/** A passkey's private key as stored: AES-GCM ciphertext of its PKCS#8 encoding. */
export interface WrappedPrivateKey {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

const HKDF_INFO = new TextEncoder().encode('pairkey phone app: screen-lock key wrapping v1');
const AES_KW = { name: 'AES-KW', length: 256 } as const;
const DATA_KEY = { name: 'AES-GCM', length: 256 } as const;

function bytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

export function randomSalt(length = 32): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** A fresh data key. Extractable only so it can be wrapped for each unlock method right away. */
export function generateDataKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey(DATA_KEY, true, ['wrapKey', 'unwrapKey']);
}

/** The screen lock's key-encryption key: HKDF-SHA256 (RFC 5869) over the PRF output. */
export async function kekFromPrf(prfOutput: Uint8Array, salt: Uint8Array): Promise<CryptoKey> {
  if (prfOutput.length < 32) throw new Error('The PRF output is too short');
  const ikm = await crypto.subtle.importKey('raw', bytes(prfOutput), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: bytes(salt), info: HKDF_INFO }, ikm, AES_KW, false, ['wrapKey', 'unwrapKey']);
}

/** The PIN's key-encryption key (its own salt: the stored PIN hash is a different derivation). */
export async function kekFromPin(pin: string, salt: Uint8Array, iterations = PIN_ITERATIONS): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: bytes(salt), iterations }, material, AES_KW, false, ['wrapKey', 'unwrapKey']);
}

export async function wrapDataKey(dataKey: CryptoKey, kek: CryptoKey): Promise<WrappedDataKey> {
  return new Uint8Array(await crypto.subtle.wrapKey('raw', dataKey, kek, 'AES-KW'));
}

/**
 * The data key again; AES-KW's integrity check makes a wrong PIN or PRF output fail here
 * (OperationError). `extractable` only when it must be wrapped for another unlock method.
 */
export function unwrapDataKey(wrapped: WrappedDataKey, kek: CryptoKey, extractable = false): Promise<CryptoKey> {
  return crypto.subtle.unwrapKey('raw', bytes(wrapped), kek, 'AES-KW', DATA_KEY, extractable, ['wrapKey', 'unwrapKey']);
}

function additionalData(credentialId: string): Uint8Array<ArrayBuffer> {
  // Binds a wrapped key to its record: a blob moved to another credential does not decrypt.
  return new TextEncoder().encode(`pairkey credential ${credentialId}`);
}

/** Wrap an (extractable, freshly generated) private key under the data key. */
export async function wrapPrivateKey(privateKey: CryptoKey, dataKey: CryptoKey, credentialId: string): Promise<WrappedPrivateKey> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(await crypto.subtle.wrapKey('pkcs8', privateKey, dataKey, { name: 'AES-GCM', iv, additionalData: additionalData(credentialId) }));
  return { iv, ciphertext };
}

/** The private key as a non-extractable signing key, for one operation. */
export function unwrapPrivateKey(wrapped: WrappedPrivateKey, dataKey: CryptoKey, credentialId: string, algorithm: KeyAlgorithm): Promise<CryptoKey> {
  return crypto.subtle.unwrapKey(
    'pkcs8',
    bytes(wrapped.ciphertext),
    dataKey,
    { name: 'AES-GCM', iv: bytes(wrapped.iv), additionalData: additionalData(credentialId) },
    importParams(algorithm),
    false,
    ['sign'],
  );
}

/** What importKey needs for the algorithm a public key reports. */
function importParams(algorithm: KeyAlgorithm): AlgorithmIdentifier | EcKeyImportParams | RsaHashedImportParams {
  const a = algorithm as KeyAlgorithm & { namedCurve?: string; hash?: { name: string } };
  if (a.name === 'ECDSA') return { name: 'ECDSA', namedCurve: a.namedCurve! };
  if (a.name === 'RSASSA-PKCS1-v1_5') return { name: a.name, hash: a.hash!.name };
  return { name: a.name };
}
