// How a passkey is kept in IndexedDB: every field of the core's StoredCredential, with the
// signing key as the WebCrypto CryptoKeyPair itself. IndexedDB stores CryptoKeys by structured
// clone, so a non-extractable private key is kept without its bytes ever reaching JavaScript.
import { fromB64url, toB64url } from '../../../../shared/bytes.ts';
import { webCryptoP256Key, type SigningKey, type StoredCredential } from '../../../../shared/authenticator/index.ts';

export interface CredentialRecord {
  /** The credential id, base64url: the record's key. */
  id: string;
  rpId: string;
  userHandle: Uint8Array;
  userName: string;
  userDisplayName: string;
  discoverable: boolean;
  signCount: number;
  createdAt: number;
  lastUsedAt: number | null;
  backupEligible: boolean;
  backupState: boolean;
  keyPair: CryptoKeyPair;
}

/** A SigningKey made by `generateWebCryptoP256Key`, which carries its CryptoKeyPair. */
export type WebCryptoSigningKey = SigningKey & { pair: CryptoKeyPair };

export function isWebCryptoKey(key: SigningKey): key is WebCryptoSigningKey {
  const pair = (key as Partial<WebCryptoSigningKey>).pair;
  return pair !== undefined && pair.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}

export function credentialToRecord(credential: StoredCredential): CredentialRecord {
  if (!isWebCryptoKey(credential.key)) throw new Error('The phone app keeps only WebCrypto keys it generated');
  if (credential.key.pair.privateKey.extractable) throw new Error('Refusing to store an extractable private key');
  return {
    id: toB64url(credential.id),
    rpId: credential.rpId,
    userHandle: credential.userHandle.slice(),
    userName: credential.userName,
    userDisplayName: credential.userDisplayName,
    discoverable: credential.discoverable,
    signCount: credential.signCount,
    createdAt: credential.createdAt,
    lastUsedAt: credential.lastUsedAt,
    backupEligible: credential.backupEligible,
    backupState: credential.backupState,
    keyPair: credential.key.pair,
  };
}

export async function credentialFromRecord(record: CredentialRecord): Promise<StoredCredential> {
  const key: WebCryptoSigningKey = Object.assign(await webCryptoP256Key(record.keyPair), { pair: record.keyPair });
  return {
    id: fromB64url(record.id),
    rpId: record.rpId,
    userHandle: record.userHandle.slice(),
    userName: record.userName,
    userDisplayName: record.userDisplayName,
    discoverable: record.discoverable,
    signCount: record.signCount,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    backupEligible: record.backupEligible,
    backupState: record.backupState,
    key,
  };
}
