// How a passkey is kept in IndexedDB: every field of the core's StoredCredential, with the
// signing key as the WebCrypto CryptoKeyPair itself. IndexedDB stores CryptoKeys by structured
// clone, so a non-extractable private key is kept without its bytes ever reaching JavaScript.
import { fromB64url, toB64url } from '../../../../shared/bytes.ts';
import { webCryptoKey, type SigningKey, type StoredCredential } from '../../../../shared/authenticator/index.ts';

/** The core's record, with the id as base64url (the IndexedDB key) and the key as its CryptoKeyPair. */
export type CredentialRecord = Omit<StoredCredential, 'id' | 'key'> & { id: string; keyPair: CryptoKeyPair };

/** A SigningKey made by `generateWebCryptoKey`, which carries its CryptoKeyPair. */
export type WebCryptoSigningKey = SigningKey & { pair: CryptoKeyPair };

export function isWebCryptoKey(key: SigningKey): key is WebCryptoSigningKey {
  const pair = (key as Partial<WebCryptoSigningKey>).pair;
  return pair !== undefined && pair.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}

export function credentialToRecord(credential: StoredCredential): CredentialRecord {
  if (!isWebCryptoKey(credential.key)) throw new Error('The phone app keeps only WebCrypto keys it generated');
  if (credential.key.pair.privateKey.extractable) throw new Error('Refusing to store an extractable private key');
  const { id, key, userHandle, ...rest } = credential;
  return { ...rest, id: toB64url(id), userHandle: userHandle.slice(), keyPair: key.pair };
}

export async function credentialFromRecord(record: CredentialRecord): Promise<StoredCredential> {
  const { id, keyPair, userHandle, ...rest } = record;
  const key: WebCryptoSigningKey = Object.assign(await webCryptoKey(keyPair), { pair: keyPair });
  return { ...rest, id: fromB64url(id), userHandle: userHandle.slice(), key };
}
