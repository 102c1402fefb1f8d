// The phone's state and behaviour without the DOM: storage, the authenticator core, one relay
// session per paired browser, the requests waiting for the person; with the PIN guard and the
// one-time password vault beside them. The views (ui/) read from it and call it; it tells them
// what changed.
import { Authenticator, generateWebCryptoKey, webCryptoAlgorithms, type CoseAlgorithm } from '../../../shared/authenticator/index.ts';
import { equalBytes } from '../../../shared/bytes.ts';
import type { PhoneReply, StaticKeyPair } from '../../../shared/protocol/index.ts';
import { platformWebSocket, type WebSocketFactory } from '../../../shared/relay-socket.ts';
import { confirmPairing, isConfirmed, pairWithLink, type UnconfirmedPairing } from '../../core/pairing.ts';
import { answerRequest, errorReply, signInAccounts, type AccountChoice } from '../../core/requests.ts';
import { PairedSession, type IncomingRequest, type LinkState, type RequestEnd } from '../../core/session.ts';
import { t } from './i18n.ts';
import { OtpVault } from './otp-vault.ts';
import { PushSubscriber, type PushState } from './push/push-subscriber.ts';
import { recordSettled } from './push/settled-requests.ts';
import { PUSH_TEXT } from './push/strings.ts';
import { PIN_PATTERN, PinFormatError } from './pin.ts';
import { PinError, PinGuard } from './pin-guard.ts';
import { IdbCredentialStore } from './store/credential-store.ts';
import { KeyVault } from './unlock/key-vault.ts';
import { HISTORY_LENGTH, loadHistory, saveHistory, type HistoryEntry, type Outcome } from './store/history.ts';
import { getMeta, openPhoneDatabase, phoneIdentity, putMeta, type PairingRecord, type PhoneDatabase } from './store/db.ts';
import type { CredentialRecord } from './store/credential-records.ts';

/**
 * What changed; `pin` covers the PIN being set or removed and the codes being (un)locked,
 * `unlock` the screen lock being turned on or off.
 */
export type Topic = 'requests' | 'history' | 'pairings' | 'pending-pairing' | 'links' | 'passkeys' | 'otp' | 'pin' | 'unlock' | 'push';

/** A finished pairing handshake waiting for the person to compare codes (memory only). */
export interface PendingPairing {
  readonly pairing: UnconfirmedPairing;
  /** The name it will get once confirmed ("Browser 2", or the old name of a re-paired browser). */
  readonly label: string;
}

export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
}

export type Decision = { approve: false } | { approve: true; pin?: string; credentialId?: Uint8Array };

export interface PendingRequest {
  /** Unique across paired browsers (request ids are only unique per browser). */
  readonly key: string;
  readonly incoming: IncomingRequest;
  readonly browser: PairingRecord;
  /** Sign-in: the accounts this phone holds for the site, most recent first. Registration: null. */
  readonly accounts: AccountChoice[] | null;
  /** The card offers a PIN field: approving with it verifies the person (and unlocks wrapped keys). */
  readonly asksPin: boolean;
  /** Approving without a PIN asks for the phone's screen lock (the screen lock is on). */
  readonly usesScreenLock: boolean;
  /** The site requires user verification and neither a PIN nor the screen lock is set up. */
  readonly needsPinSetup: boolean;
}

export type { HistoryEntry, Outcome };

export type PasskeyInfo = Omit<CredentialRecord, 'keyPair' | 'userHandle' | 'wrappedKey' | 'publicKey'> & {
  /** Stored wrapped: it signs only once the screen lock or the PIN unlocked it. */
  wrapped: boolean;
};

interface Waiting extends PendingRequest {
  settle(reply: PhoneReply, outcome: Outcome): void;
}

export function defaultDeviceName(userAgent: string): string {
  const platform = /Android/i.test(userAgent) ? 'Android' : /iPhone|iPad|iPod/i.test(userAgent) ? 'iOS' : 'this device';
  return `Pairkey on ${platform}`;
}

export class Phone {
  /** One-line messages for the person ("Copied", "Browser 1 is no longer paired"). */
  readonly notices = new Emitter<string>();
  readonly history: HistoryEntry[] = [];
  readonly otp: OtpVault;
  /** Web Push: wake-ups while the app is closed (docs/phone.md, Web Push). */
  readonly push = new PushSubscriber();
  private lastPushState: PushState | null = null;
  private readonly sessions = new Map<string, PairedSession>();
  /** Sessions that only tell a rejected pairing's browser to forget it; never stored. */
  private readonly rejections = new Map<string, PairedSession>();
  private pending: { entry: PendingPairing; timer: ReturnType<typeof setTimeout> } | null = null;
  private readonly waiting = new Map<string, Waiting>();
  /** For reading the passkeys (accounts for a request); signing builds one per unlocked operation. */
  private readonly authenticator: Authenticator;

  private constructor(
    private readonly db: PhoneDatabase,
    private readonly identity: StaticKeyPair,
    readonly changed: Emitter<Topic>,
    readonly pin: PinGuard,
    readonly vault: KeyVault,
    private name: string,
    private readonly socketFactory: WebSocketFactory,
    private readonly log: (line: string) => void,
    private readonly algorithms: readonly CoseAlgorithm[],
  ) {
    this.authenticator = this.authenticatorWith(null);
    this.otp = new OtpVault(db, pin, () => changed.emit('otp'));
    // Notifications revoked in the browser's settings: the browsers must stop waking this phone.
    this.push.watch(() => void this.recheckPush());
  }

  /**
   * The authenticator for one operation. Keys for every algorithm this browser's WebCrypto makes
   * (Ed25519 only in newer ones); blobs live with the credential in IndexedDB. With a data key
   * (the person unlocked) new keys are generated extractable only to be wrapped under it before
   * they are stored, and wrapped keys can sign; without one, keys are non-extractable and stored
   * as they are, and wrapped keys refuse to sign.
   */
  private authenticatorWith(dataKey: CryptoKey | null): Authenticator {
    return new Authenticator({
      store: new IdbCredentialStore(this.db, dataKey),
      algorithms: this.algorithms,
      newKey: (alg) => generateWebCryptoKey(alg, dataKey !== null),
      largeBlobs: true,
    });
  }

  static async open(options: { socketFactory?: WebSocketFactory; log?: (line: string) => void } = {}): Promise<Phone> {
    const db = await openPhoneDatabase();
    const changed = new Emitter<Topic>();
    const pin = await PinGuard.open(db, () => changed.emit('pin'));
    const vault = await KeyVault.open(db, () => changed.emit('unlock'));
    const name = (await getMeta(db, 'device-name'))?.name ?? defaultDeviceName(navigator.userAgent);
    // Older versions stored a pairing before the person compared codes: such a record may belong
    // to a stranger's browser, so it is not trusted (the person pairs that browser again).
    for (const record of await db.getAll('pairings')) if (!record.removed && !isConfirmed(record)) await db.delete('pairings', record.pairedChannelId);
    const phone = new Phone(db, await phoneIdentity(db), changed, pin, vault, name, options.socketFactory ?? platformWebSocket, options.log ?? (() => undefined), await webCryptoAlgorithms());
    // "Recent" survives a reload: the person can still see what was asked and how it ended.
    phone.history.push(...(await loadHistory(db)));
    return phone;
  }

  // ---- paired browsers ----

  /** The paired browsers the person sees (not those removed and waiting to be told). */
  async pairings(): Promise<PairingRecord[]> {
    return (await this.db.getAll('pairings')).filter((p) => !p.removed).sort((a, b) => a.pairedAt - b.pairedAt);
  }

  linkState(pairedChannelId: string): LinkState {
    return this.sessions.get(pairedChannelId)?.state ?? 'offline';
  }

  /** Stay connected to every paired browser while the app is open. */
  async goOnline(): Promise<void> {
    for (const pairing of await this.db.getAll('pairings')) this.startSession(pairing);
  }

  /** Skip the reconnect backoff (the app came back to the foreground, the network returned). */
  reconnectNow(): void {
    for (const session of [...this.sessions.values(), ...this.rejections.values()]) session.reconnectNow();
  }

  /** The name the next paired browser gets ("Browser 2"). */
  async nextBrowserLabel(): Promise<string> {
    return `Browser ${(await this.pairings()).length + 1}`;
  }

  /**
   * Run the pairing handshake for `link`. Call only after the person asked for it. The result is
   * held in memory until `confirmPendingPairing` (the person saw the same code on their browser),
   * `rejectPendingPairing`, or its expiry: nothing is stored and no request is taken before.
   */
  async pair(link: string, signal?: AbortSignal): Promise<PendingPairing> {
    const pairing = await pairWithLink(link, { staticKey: this.identity, socketFactory: this.socketFactory, name: this.name, ...(signal ? { signal } : {}) });
    const existing = await this.pairings();
    const replaced = existing.find((p) => equalBytes(p.extensionPublicKey, pairing.extensionPublicKey));
    const entry: PendingPairing = { pairing, label: replaced?.label ?? `Browser ${existing.length + 1}` };
    this.dropPending();
    const timer = setTimeout(() => {
      if (this.pending?.entry !== entry) return;
      this.pending = null;
      this.notices.emit(t('The pairing was not confirmed in time and was forgotten.'));
      this.changed.emit('pending-pairing');
    }, Math.max(0, pairing.expiresAt - Date.now()));
    this.pending = { entry, timer };
    this.changed.emit('pending-pairing');
    return entry;
  }

  get pendingPairing(): PendingPairing | null {
    return this.pending?.entry ?? null;
  }

  private dropPending(): PendingPairing | null {
    const current = this.pending;
    if (!current) return null;
    clearTimeout(current.timer);
    this.pending = null;
    return current.entry;
  }

  /** "Yes, it matches": store the pairing and go online for it. */
  async confirmPendingPairing(): Promise<PairingRecord> {
    const entry = this.dropPending();
    if (!entry) throw new Error('There is no pairing waiting for confirmation.');
    this.changed.emit('pending-pairing');
    const paired = confirmPairing(entry.pairing);
    // The same browser paired again: its old pairing is void on its side already.
    const replaced = (await this.pairings()).find((p) => equalBytes(p.extensionPublicKey, paired.extensionPublicKey));
    if (replaced) await this.forget(replaced.pairedChannelId);
    const record: PairingRecord = { ...paired, label: entry.label };
    await this.db.put('pairings', record);
    this.startSession(record);
    this.changed.emit('pairings');
    return record;
  }

  /**
   * "No, it differs" (or cancelled): forget it, and tell that browser so it forgets this phone
   * too. The telling runs in memory, for as long as the browser would keep the unconfirmed pairing.
   */
  rejectPendingPairing(): void {
    const entry = this.dropPending();
    if (!entry) return;
    this.changed.emit('pending-pairing');
    const { pairing } = entry;
    const session = new PairedSession({
      pairing,
      removed: true,
      staticKey: this.identity,
      socketFactory: this.socketFactory,
      answer: () => Promise.reject(new Error('never asked')),
      onUnpaired: () => stop(),
      log: this.log,
    });
    const stop = (): void => {
      clearTimeout(timer);
      session.stop();
      this.rejections.delete(pairing.pairedChannelId);
    };
    const timer = setTimeout(stop, Math.max(0, pairing.expiresAt - Date.now()));
    this.rejections.get(pairing.pairedChannelId)?.stop();
    this.rejections.set(pairing.pairedChannelId, session);
    session.start();
  }

  async renamePairing(pairedChannelId: string, label: string): Promise<void> {
    const trimmed = label.trim().slice(0, 64);
    const record = await this.db.get('pairings', pairedChannelId);
    if (!record || !trimmed) return;
    await this.db.put('pairings', { ...record, label: trimmed });
    this.changed.emit('pairings');
  }

  /** Unpair: tell the browser now, or at its next handshake if it is not connected. */
  async removePairing(pairedChannelId: string): Promise<void> {
    const session = this.sessions.get(pairedChannelId);
    session?.sendPushSubscription(null); // said outright, although unpairing drops it too
    if (session?.unpair()) return; // onUnpaired forgets it
    const record = await this.db.get('pairings', pairedChannelId);
    if (!record) return;
    session?.stop();
    this.sessions.delete(pairedChannelId);
    const removed: PairingRecord = { ...record, removed: true };
    await this.db.put('pairings', removed);
    this.startSession(removed);
    this.changed.emit('pairings');
    await this.pushAfterRemoval();
  }

  private async forget(pairedChannelId: string): Promise<void> {
    this.sessions.get(pairedChannelId)?.stop();
    this.sessions.delete(pairedChannelId);
    const record = await this.db.get('pairings', pairedChannelId);
    await this.db.delete('pairings', pairedChannelId);
    if (record && !record.removed) this.notices.emit(t('{label} is no longer paired with this phone.', { label: record.label }));
    this.changed.emit('pairings');
    await this.pushAfterRemoval();
  }

  /**
   * A browser was removed (here, or from its side). It still holds the subscription every paired
   * browser was sent, and could go on posting wake-ups with it: no browser left, unsubscribe; else
   * subscribe anew and send the new one to the browsers that remain (the others get it at their
   * next handshake; a removed one's session sends none).
   */
  private async pushAfterRemoval(): Promise<void> {
    try {
      const done = await this.push.afterBrowserRemoved((await this.pairings()).length);
      if (done === 'renewed') await this.pushChanged();
      if (done) this.changed.emit('push');
    } catch (error) {
      this.log(`could not replace the push subscription: ${String(error)}`);
      this.changed.emit('push');
    }
  }

  private startSession(pairing: PairingRecord): void {
    if (this.sessions.has(pairing.pairedChannelId)) return;
    const kind = pairing.removed ? ({ pairing, removed: true } as const) : isConfirmed(pairing) ? { pairing } : null;
    if (!kind) return; // never stored by this version (see open)
    const session = new PairedSession({
      ...kind,
      staticKey: this.identity,
      socketFactory: this.socketFactory,
      answer: (incoming) => this.ask(incoming, pairing),
      announce: ['largeBlob'],
      pushSubscription: (relayKey) => this.push.subscriptionFor(relayKey),
      onSettled: (settled) => {
        // A request that ended with the connection may still be waiting in the browser.
        if (!('ended' in settled) || settled.ended !== 'disconnected') void this.settled(settled.request.id);
      },
      onState: () => this.changed.emit('links'),
      onUnpaired: () => void this.forget(pairing.pairedChannelId),
      log: this.log,
    });
    this.sessions.set(pairing.pairedChannelId, session);
    session.start();
  }

  // ---- Web Push ----

  /** The person tapped "Allow notifications": ask the browser, subscribe, tell the browsers. */
  async enablePush(): Promise<PushState> {
    const relayKey = this.relayPushKeys()[0];
    if (!relayKey) throw new Error(PUSH_TEXT.noRelayKey);
    const state = await this.push.enable(relayKey);
    await this.pushChanged();
    return state;
  }

  /**
   * The permission may have changed behind the app's back (site settings; not every browser fires
   * the Permissions API's `change` event): tell the browsers when the state differs from the last.
   */
  async recheckPush(): Promise<void> {
    if ((await this.push.state()) !== this.lastPushState) await this.pushChanged();
  }

  /** Send every connected browser what it should now hold (a new subscription, or null). */
  async pushChanged(): Promise<void> {
    this.lastPushState = await this.push.state();
    await Promise.all(
      [...this.sessions.values()].map(async (session) => {
        const relayKey = session.pushKey;
        if (relayKey) session.sendPushSubscription(await this.push.subscriptionFor(relayKey));
      }),
    );
    this.changed.emit('push');
  }

  /** The VAPID keys of the relays of the paired browsers, as far as they answered (most used first). */
  private relayPushKeys(): string[] {
    const counts = new Map<string, number>();
    for (const session of this.sessions.values()) if (session.pushKey) counts.set(session.pushKey, (counts.get(session.pushKey) ?? 0) + 1);
    return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
  }

  /** A request is done with: a late wake-up for it shows nothing, one showing now goes away. */
  private async settled(requestId: string): Promise<void> {
    try {
      await recordSettled(requestId);
      await this.push.dismiss(requestId);
    } catch (error) {
      this.log(`could not record request ${requestId} as settled: ${String(error)}`);
    }
  }

  // ---- requests ----

  pendingRequests(): PendingRequest[] {
    return [...this.waiting.values()].sort((a, b) => a.incoming.receivedAt - b.incoming.receivedAt);
  }

  private async ask(incoming: IncomingRequest, pairing: PairingRecord): Promise<PhoneReply> {
    const { request, signal } = incoming;
    const { pairedChannelId } = pairing;
    // Read again: the person may have renamed the browser since the session started.
    const browser = (await this.db.get('pairings', pairedChannelId)) ?? pairing;
    const accounts = request.type === 'get-assertion' ? await signInAccounts(this.authenticator, request) : null;
    const uvDiscouraged = request.userVerification === 'discouraged';
    return new Promise<PhoneReply>((resolve, reject) => {
      const key = `${pairedChannelId}/${request.id}`;
      const entry: Waiting = {
        key,
        incoming,
        browser,
        accounts,
        // With the unlock on, every approval unlocks (the keys are wrapped), whatever the site asked.
        asksPin: this.pin.isSet && (this.vault.active || !uvDiscouraged),
        usesScreenLock: this.vault.hasScreenLock,
        needsPinSetup: !this.pin.isSet && !this.vault.hasScreenLock && request.userVerification === 'required',
        settle: (reply, outcome) => {
          this.finish(entry, outcome);
          resolve(reply);
        },
      };
      const onEnd = (): void => {
        if (this.waiting.get(key) === entry) this.finish(entry, signal.reason as RequestEnd);
        reject(new DOMException('The request ended before the person answered', 'AbortError'));
      };
      if (signal.aborted) return onEnd();
      signal.addEventListener('abort', onEnd, { once: true });
      this.waiting.set(key, entry);
      this.changed.emit('requests');
    });
  }

  private finish(entry: Waiting, outcome: Outcome): void {
    this.waiting.delete(entry.key);
    const { view } = entry.incoming;
    this.history.unshift({ at: Date.now(), kind: view.kind, origin: view.origin, browser: entry.browser.label, outcome });
    this.history.length = Math.min(this.history.length, HISTORY_LENGTH);
    // Writes are whole-list snapshots queued in order on one store: the last one wins.
    saveHistory(this.db, this.history).catch((error: unknown) => this.log(`could not keep the request history: ${String(error)}`));
    this.changed.emit('requests');
    this.changed.emit('history');
  }

  /** The person's answer. Throws PinError (the request stays open) for a wrong or missing PIN. */
  async decide(key: string, decision: Decision): Promise<void> {
    const entry = this.waiting.get(key);
    if (!entry) return;
    const { request } = entry.incoming;
    if (!decision.approve) {
      entry.settle(errorReply(request.id, 'NotAllowedError', 'The request was denied on the phone'), 'denied');
      return;
    }
    const { dataKey, userVerified } = await this.verify(entry, decision.pin ?? '');
    if (this.waiting.get(key) !== entry) return; // cancelled or expired while the person verified
    const reply = await answerRequest(this.authenticatorWith(dataKey), request, {
      userPresent: true,
      userVerified,
      ...(decision.credentialId ? { credentialId: decision.credentialId } : {}),
    });
    if (this.waiting.get(key) !== entry) return;
    entry.settle(reply, reply.type === 'error' ? 'failed' : 'approved');
    if (reply.type !== 'error') this.changed.emit('passkeys');
  }

  /**
   * User verification for an approval. With the unlock on: a typed PIN (when the PIN wraps the
   * keys), else the phone's screen lock; either gives the data key for this one operation.
   * Without it: the PIN when the card asks for one (UV), else presence only.
   */
  private async verify(entry: Waiting, pin: string): Promise<{ dataKey: CryptoKey | null; userVerified: boolean }> {
    if (!this.vault.active) {
      if (entry.asksPin) await this.pin.check(pin);
      return { dataKey: null, userVerified: entry.asksPin };
    }
    if (pin || !this.vault.hasScreenLock) {
      await this.pin.check(pin);
      if (!this.vault.hasPin) throw new PinError('Your passkeys are locked with the screen lock: approve without the PIN.');
      return { dataKey: await this.vault.unlockWithPin(pin), userVerified: true };
    }
    return { dataKey: await this.vault.unlockWithScreenLock(), userVerified: true };
  }

  // ---- unlock methods: PIN and screen lock ----

  /** Set or change the app PIN; with the unlock on, the new PIN wraps the data key too. */
  async setPin(newPin: string, currentPin = ''): Promise<void> {
    if (!PIN_PATTERN.test(newPin)) throw new PinFormatError();
    if (!this.vault.active) return this.pin.set(newPin, currentPin);
    await this.pin.check(currentPin);
    // The data key from the method that opens it now: the current PIN, or the screen lock.
    const dataKey = this.vault.hasPin ? await this.vault.unlockWithPin(currentPin, true) : await this.vault.unlockWithScreenLock(true);
    await this.pin.set(newPin, currentPin);
    await this.vault.setPin(newPin, dataKey);
  }

  async removePin(currentPin: string): Promise<void> {
    await this.pin.check(currentPin);
    await this.vault.removePin(currentPin);
    await this.pin.remove(currentPin);
  }

  /** Turn on "Unlock with this phone's screen lock" (asks for the PIN, when one is set). */
  async enableScreenLock(currentPin = ''): Promise<void> {
    if (this.pin.isSet) await this.pin.check(currentPin);
    await this.vault.enableScreenLock(this.name, this.pin.isSet ? currentPin : null);
  }

  async disableScreenLock(): Promise<void> {
    await this.vault.disableScreenLock();
  }

  // ---- passkeys ----

  async passkeys(): Promise<PasskeyInfo[]> {
    const records = await this.db.getAll('credentials');
    return records
      .map(({ keyPair: _key, userHandle: _handle, wrappedKey, publicKey: _public, ...info }: CredentialRecord & { publicKey?: CryptoKey }) => ({ ...info, wrapped: wrappedKey !== undefined }))
      .sort((a, b) => a.rpId.localeCompare(b.rpId) || a.userName.localeCompare(b.userName));
  }

  async deletePasskey(id: string): Promise<void> {
    await this.db.delete('credentials', id);
    this.changed.emit('passkeys');
  }

  // ---- settings ----

  get deviceName(): string {
    return this.name;
  }

  async setDeviceName(name: string): Promise<void> {
    // The same rule the protocol applies to a device label: 1–64 characters, no control characters.
    const trimmed = name.trim();
    if (!/^[^\p{Cc}]{1,64}$/u.test(trimmed)) throw new Error('The name must be 1 to 64 characters.');
    this.name = trimmed;
    await putMeta(this.db, { key: 'device-name', name: trimmed });
  }
}
