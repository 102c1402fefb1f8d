// The virtual phone's storage: its Noise static key, its pairings and its credentials, in one
// JSON file (or in memory). This is a test and QA tool: private keys are kept in plain form in
// that file, which is why it is written with mode 0600. The real phone app keeps non-extractable
// WebCrypto keys instead.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromB64url, equalBytes, toB64url } from '../../shared/bytes.ts';
import { COSE_ALG_ES256, exportableKeyFromPrivate, generateExportableKey, isCoseAlgorithm, type CoseAlgorithm, type CredentialStore, type SigningKey, type StoredCredential } from '../../shared/authenticator/index.ts';
import { generateStaticKeyPair, staticKeyPairFromPrivate, type StaticKeyPair } from '../../shared/protocol/index.ts';
import { isConfirmed, type PairedBrowser } from '../core/pairing.ts';

/** A stored pairing: only ever one the person (the CLI's caller) confirmed. */
export type PhonePairing = PairedBrowser;

/**
 * A pairing as kept in the file. A `removed` one is a browser this phone forgot while it was not
 * there to be told: it is kept only until `unpair` reaches it, and no request is answered for it.
 */
type StoredPairing = PhonePairing & { removed?: boolean };

interface CredentialRecord {
  id: string;
  rpId: string;
  userHandle: string;
  userName: string;
  userDisplayName: string;
  discoverable: boolean;
  signCount: number;
  createdAt: number;
  lastUsedAt: number | null;
  backupEligible: boolean;
  backupState: boolean;
  /** COSE algorithm; absent in files written before EdDSA and RS256 (they held ES256 keys only). */
  alg?: number;
  /** P-256 scalar or Ed25519 seed, or PKCS#8 DER for RSA (base64url). */
  privateKey: string;
  /** RSA only: the public key, which PKCS#8 does not give back synchronously. */
  rsaPublicKey?: { n: string; e: string; spki: string };
  /** Made with the largeBlob extension (StoredCredential.largeBlobKey). */
  largeBlobKey?: boolean;
  largeBlob?: string;
}

interface PhoneFile {
  version: 1;
  staticPrivateKey: string;
  /** `confirmedAt` is missing in files written before pairings needed confirming: those are dropped. */
  pairings: { extensionPublicKey: string; pairedChannelId: string; relayUrl: string; confirmationCode: string; pairedAt: number; confirmedAt?: number; removed?: boolean }[];
  credentials: CredentialRecord[];
}

/** A credential plus the private key bytes the virtual phone needs to persist it. */
export type VirtualCredential = StoredCredential & { privateKey: Uint8Array };

export class PhoneStore implements CredentialStore {
  private constructor(
    private readonly path: string | null,
    readonly staticKey: StaticKeyPair,
    private pairingList: StoredPairing[],
    private credentials: VirtualCredential[],
  ) {}

  /** Open the store at `path`, creating it if missing; `null` keeps everything in memory. */
  static open(path: string | null): PhoneStore {
    let file: PhoneFile | null = null;
    if (path) {
      try {
        file = JSON.parse(readFileSync(path, 'utf8')) as PhoneFile;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read the phone store ${path}: ${(error as Error).message}`);
      }
    }
    if (file && file.version !== 1) throw new Error(`Unsupported phone store version ${String(file.version)}`);
    const store = file
      ? new PhoneStore(
          path,
          staticKeyPairFromPrivate(fromB64url(file.staticPrivateKey)),
          file.pairings.map((p) => ({ ...p, extensionPublicKey: fromB64url(p.extensionPublicKey) })).filter(isConfirmed),
          file.credentials.map(credentialFromRecord),
        )
      : new PhoneStore(path, generateStaticKeyPair(), [], []);
    if (!file) store.save();
    return store;
  }

  private save(): void {
    if (!this.path) return;
    const file: PhoneFile = {
      version: 1,
      staticPrivateKey: toB64url(this.staticKey.privateKey),
      pairings: this.pairingList.map((p) => ({ ...p, extensionPublicKey: toB64url(p.extensionPublicKey) })),
      credentials: this.credentials.map(credentialToRecord),
    };
    // Write-then-rename: a crash mid-write never leaves a half-written store.
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** The paired browsers this phone answers. */
  pairings(): PhonePairing[] {
    return this.pairingList.filter((p) => !p.removed).map(withoutRemovedMark);
  }

  /** Browsers removed on this phone that have not been told yet (they are, at their next handshake). */
  removedPairings(): PhonePairing[] {
    return this.pairingList.filter((p) => p.removed).map(withoutRemovedMark);
  }

  /** Stop answering this browser, but keep its keys until it is told `unpair`. */
  markRemoved(pairedChannelId: string): void {
    this.pairingList = this.pairingList.map((p) => (p.pairedChannelId === pairedChannelId ? { ...p, removed: true } : p));
    this.save();
  }

  addPairing(pairing: PhonePairing): void {
    this.pairingList = [...this.pairingList.filter((p) => !equalBytes(p.extensionPublicKey, pairing.extensionPublicKey)), pairing];
    this.save();
  }

  /** Forget a browser for good (it sent `unpair`, or received this phone's). */
  removePairing(pairedChannelId: string): void {
    this.pairingList = this.pairingList.filter((p) => p.pairedChannelId !== pairedChannelId);
    this.save();
  }

  /** Keys made by the authenticator core arrive through `newKey`; remember their private part. */
  private readonly privateKeys = new WeakMap<object, Uint8Array>();
  private rememberPrivateKey(key: object, privateKey: Uint8Array): void {
    this.privateKeys.set(key, privateKey);
  }

  /** The authenticator core's `newKey`: a key for `alg` whose private part this store can keep. */
  readonly newKey = async (alg: CoseAlgorithm): Promise<SigningKey> => {
    const { key, privateKey } = await generateExportableKey(alg);
    this.rememberPrivateKey(key, privateKey);
    return key;
  };

  /** The private key of a credential this phone made (the virtual phone derives PRF secrets from it). */
  privateKeyOf(id: Uint8Array): Uint8Array | undefined {
    return this.credentials.find((c) => equalBytes(c.id, id))?.privateKey;
  }

  /** The signing key of a credential this phone made (misbehaviour signs altered data with it). */
  keyOf(id: Uint8Array): SigningKey | undefined {
    return this.credentials.find((c) => equalBytes(c.id, id))?.key;
  }

  async findById(rpId: string, id: Uint8Array): Promise<StoredCredential | undefined> {
    return this.credentials.find((c) => c.rpId === rpId && equalBytes(c.id, id));
  }

  async listByRp(rpId: string): Promise<StoredCredential[]> {
    return this.credentials.filter((c) => c.rpId === rpId);
  }

  async list(): Promise<StoredCredential[]> {
    return [...this.credentials];
  }

  async put(credential: StoredCredential): Promise<void> {
    // A new key arrived through newKey; a stored credential being updated (its large blob) keeps its own.
    const privateKey = this.privateKeys.get(credential.key) ?? this.credentials.find((c) => equalBytes(c.id, credential.id) && c.key === credential.key)?.privateKey;
    if (!privateKey) throw new Error('The phone store can only keep keys it generated');
    // CTAP2: a new discoverable credential replaces the old one for the same account.
    this.credentials = this.credentials.filter(
      (c) => !(equalBytes(c.id, credential.id) || (credential.discoverable && c.discoverable && c.rpId === credential.rpId && equalBytes(c.userHandle, credential.userHandle))),
    );
    this.credentials.push({ ...credential, privateKey });
    this.save();
  }

  async updateUsage(id: Uint8Array, signCount: number, lastUsedAt: number): Promise<void> {
    const c = this.credentials.find((x) => equalBytes(x.id, id));
    if (!c) throw new Error('No such credential');
    c.signCount = signCount;
    c.lastUsedAt = lastUsedAt;
    this.save();
  }

  async delete(id: Uint8Array): Promise<void> {
    this.credentials = this.credentials.filter((c) => !equalBytes(c.id, id));
    this.save();
  }
}

function withoutRemovedMark({ removed: _removed, ...pairing }: StoredPairing): PhonePairing {
  return pairing;
}

function credentialToRecord(c: VirtualCredential): CredentialRecord {
  return {
    id: toB64url(c.id),
    rpId: c.rpId,
    userHandle: toB64url(c.userHandle),
    userName: c.userName,
    userDisplayName: c.userDisplayName,
    discoverable: c.discoverable,
    signCount: c.signCount,
    createdAt: c.createdAt,
    lastUsedAt: c.lastUsedAt,
    backupEligible: c.backupEligible,
    backupState: c.backupState,
    alg: c.key.alg,
    privateKey: toB64url(c.privateKey),
    ...(c.key.alg === -257 ? { rsaPublicKey: { n: toB64url(c.key.publicKey.n), e: toB64url(c.key.publicKey.e), spki: toB64url(c.key.publicKey.spki) } } : {}),
    ...(c.largeBlobKey ? { largeBlobKey: true } : {}),
    ...(c.largeBlob ? { largeBlob: toB64url(c.largeBlob) } : {}),
  };
}

function credentialFromRecord({ alg = COSE_ALG_ES256, rsaPublicKey, largeBlob, ...c }: CredentialRecord): VirtualCredential {
  if (!isCoseAlgorithm(alg)) throw new Error(`The phone store holds a key of unknown algorithm ${alg}`);
  const privateKey = fromB64url(c.privateKey);
  const rsa = rsaPublicKey && { n: fromB64url(rsaPublicKey.n), e: fromB64url(rsaPublicKey.e), spki: fromB64url(rsaPublicKey.spki) };
  return {
    ...c,
    id: fromB64url(c.id),
    userHandle: fromB64url(c.userHandle),
    privateKey,
    key: exportableKeyFromPrivate(alg, privateKey, rsa),
    ...(largeBlob ? { largeBlob: fromB64url(largeBlob) } : {}),
  };
}
