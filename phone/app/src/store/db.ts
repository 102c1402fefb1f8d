// The phone's IndexedDB database (through `idb`): its Noise identity, settings, PIN hash, the
// wrapped data key of the screen-lock/PIN unlock, paired
// browsers, passkeys and one-time password accounts. One origin, one database: this is why the
// phone app must never share its origin with anything else.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { generateStaticKeyPair, staticKeyPairFromPrivate, type StaticKeyPair } from '../../../../shared/protocol/index.ts';
import type { PairingDetails } from '../../../core/pairing.ts';
import type { OtpAccount } from '../otp.ts';
import type { PinFailures, PinHash } from '../pin.ts';
import type { CredentialRecord } from './credential-records.ts';
import type { VaultState } from '../unlock/key-vault.ts';
import type { HistoryEntry } from './history.ts';

/**
 * A stored pairing. Only confirmed pairings are stored (`confirmedAt`); a record without it was
 * written by an older app that stored pairings before the person compared codes, and is dropped
 * when the app opens (phone.ts).
 */
export interface PairingRecord extends PairingDetails {
  /** The person's name for this browser ("Work laptop"); shown with each request. */
  label: string;
  /** When the person confirmed the code on the phone. */
  confirmedAt?: number;
  /** Removed on the phone while the browser was unreachable: kept only to tell it (`unpair`). */
  removed?: true;
}

type MetaRecord =
  | { key: 'identity'; privateKey: Uint8Array }
  | { key: 'device-name'; name: string }
  | ({ key: 'pin' } & PinHash)
  | ({ key: 'pin-failures' } & PinFailures)
  /** Which unlock methods wrap the passkeys' data key (unlock/key-vault.ts). */
  | ({ key: 'vault' } & VaultState)
  /** The Requests tab's "Recent" list, newest first (history.ts; no secrets in it). */
  | { key: 'history'; entries: HistoryEntry[] };
type MetaKey = MetaRecord['key'];
type Meta<K extends MetaKey> = Extract<MetaRecord, { key: K }>;

interface PhoneSchema extends DBSchema {
  meta: { key: MetaKey; value: MetaRecord };
  pairings: { key: string; value: PairingRecord };
  credentials: { key: string; value: CredentialRecord; indexes: { rpId: string } };
  otp: { key: string; value: OtpAccount };
}

export type PhoneDatabase = IDBPDatabase<PhoneSchema>;

export const DATABASE_NAME = 'pairkey-phone';

export function openPhoneDatabase(name = DATABASE_NAME): Promise<PhoneDatabase> {
  return openDB<PhoneSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('meta', { keyPath: 'key' });
      db.createObjectStore('pairings', { keyPath: 'pairedChannelId' });
      db.createObjectStore('credentials', { keyPath: 'id' }).createIndex('rpId', 'rpId');
      db.createObjectStore('otp', { keyPath: 'id' });
    },
  });
}

export async function getMeta<K extends MetaKey>(db: PhoneDatabase, key: K): Promise<Meta<K> | undefined> {
  return (await db.get('meta', key)) as Meta<K> | undefined;
}

export async function putMeta(db: PhoneDatabase, record: MetaRecord): Promise<void> {
  await db.put('meta', record);
}

export async function deleteMeta(db: PhoneDatabase, key: MetaKey): Promise<void> {
  await db.delete('meta', key);
}

/**
 * The phone's long-term X25519 key, created on first use. The Noise code needs the raw scalar, so
 * unlike the passkeys it cannot be a non-extractable CryptoKey (docs/phone.md says what that means).
 * Read and created in one transaction, so two tabs opening at once agree on one identity.
 */
export async function phoneIdentity(db: PhoneDatabase): Promise<StaticKeyPair> {
  const tx = db.transaction('meta', 'readwrite');
  const existing = (await tx.store.get('identity')) as Meta<'identity'> | undefined;
  let privateKey = existing?.privateKey;
  if (!privateKey) {
    privateKey = generateStaticKeyPair().privateKey;
    await tx.store.put({ key: 'identity', privateKey });
  }
  await tx.done;
  return staticKeyPairFromPrivate(privateKey);
}
