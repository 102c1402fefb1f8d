// How a passkey is kept in IndexedDB: every field of the core's StoredCredential, with the
// signing key in one of two forms.
//
// - Plain: the WebCrypto CryptoKeyPair itself. IndexedDB stores CryptoKeys by structured clone,
//   so a non-extractable private key is kept without its bytes ever reaching JavaScript; but any
//   script in this origin can ask the browser to sign with it.
// - Wrapped (once the screen lock or PIN unlock is on, docs/phone.md): the public key, and the
//   private key encrypted under the data key (unlock/key-wrapping.ts). Signing needs the data key,
//   which only the person's screen lock (PRF) or PIN gives; the private key is unwrapped as a
//   non-extractable CryptoKey for that one signature.
//
// A plain key cannot be turned into a wrapped one (WebCrypto will not export a non-extractable
// key), so passkeys made before the unlock was turned on stay plain.
import { fromB64url, toB64url } from '../../../../shared/bytes.ts';
import { webCryptoKey, type SigningKey, type StoredCredential } from '../../../../shared/authenticator/index.ts';
import { unwrapPrivateKey, wrapPrivateKey, type WrappedPrivateKey } from '../unlock/key-wrapping.ts';

type CredentialFields = Omit<StoredCredential, 'id' | 'key'> & { id: string };
export type PlainCredentialRecord = CredentialFields & { keyPair: CryptoKeyPair; wrappedKey?: undefined };
export type WrappedCredentialRecord = CredentialFields & { publicKey: CryptoKey; wrappedKey: WrappedPrivateKey; keyPair?: undefined };
/** The core's record, with the id as base64url (the IndexedDB key). */
export type CredentialRecord = PlainCredentialRecord | WrappedCredentialRecord;

/** A SigningKey made by `generateWebCryptoKey`, which carries its CryptoKeyPair. */
export type WebCryptoSigningKey = SigningKey & { pair: CryptoKeyPair };
/** A SigningKey loaded from a wrapped record: it carries that record's key fields unchanged. */
export type WrappedSigningKey = SigningKey & { wrapped: Pick<WrappedCredentialRecord, 'publicKey' | 'wrappedKey'> };

/** Signing with a wrapped key without the data key: the person has not unlocked. */
export class LockedKeyError extends Error {
  override name = 'LockedKeyError';
  constructor() {
    super('This passkey is locked: unlock it with the screen lock or the app PIN.');
  }
}

export function isWebCryptoKey(key: SigningKey): key is WebCryptoSigningKey {
  const pair = (key as Partial<WebCryptoSigningKey>).pair;
  return pair !== undefined && pair.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}

function isWrappedKey(key: SigningKey): key is WrappedSigningKey {
  return (key as Partial<WrappedSigningKey>).wrapped !== undefined;
}

/**
 * The record for a credential. With `dataKey` (unlocked for this operation) a freshly generated,
 * extractable key is wrapped; without it only non-extractable keys are accepted. A credential
 * loaded from a record (a large-blob write stores it again) keeps its stored form.
 */
export async function credentialToRecord(credential: StoredCredential, dataKey: CryptoKey | null = null): Promise<CredentialRecord> {
  const { id: rawId, key, userHandle, ...rest } = credential;
  const fields = { ...rest, id: toB64url(rawId), userHandle: userHandle.slice() };
  if (isWrappedKey(key)) return { ...fields, ...key.wrapped };
  if (!isWebCryptoKey(key)) throw new Error('The phone app keeps only WebCrypto keys it generated');
  if (!key.pair.privateKey.extractable) return { ...fields, keyPair: key.pair };
  if (!dataKey) throw new Error('Refusing to store an extractable private key');
  return { ...fields, publicKey: key.pair.publicKey, wrappedKey: await wrapPrivateKey(key.pair.privateKey, dataKey, fields.id) };
}

/** The credential for the core. A wrapped key signs only with `dataKey`, else LockedKeyError. */
export async function credentialFromRecord(record: CredentialRecord, dataKey: CryptoKey | null = null): Promise<StoredCredential> {
  const { id, userHandle } = record;
  const base = { ...fieldsOf(record), id: fromB64url(id), userHandle: userHandle.slice() };
  if (!record.wrappedKey) {
    const key: WebCryptoSigningKey = Object.assign(await webCryptoKey(record.keyPair), { pair: record.keyPair });
    return { ...base, key };
  }
  const { publicKey, wrappedKey } = record;
  // The public half (alg and public key bytes) comes from the public key alone; its `sign`
  // is replaced by one that unwraps the private key for that one signature.
  const publicOnly = await webCryptoKey({ publicKey, privateKey: publicKey });
  const sign = async (data: Uint8Array): Promise<Uint8Array> => {
    if (!dataKey) throw new LockedKeyError();
    const privateKey = await unwrapPrivateKey(wrappedKey, dataKey, id, publicKey.algorithm);
    return (await webCryptoKey({ publicKey, privateKey })).sign(data);
  };
  const key = Object.assign({}, publicOnly, { sign, wrapped: { publicKey, wrappedKey } }) as WrappedSigningKey;
  return { ...base, key };
}

function fieldsOf(record: CredentialRecord): Omit<StoredCredential, 'id' | 'key' | 'userHandle'> {
  const { id: _id, userHandle: _handle, keyPair: _pair, wrappedKey: _wrapped, publicKey: _public, ...fields } = record as CredentialRecord & { publicKey?: CryptoKey };
  return fields;
}
