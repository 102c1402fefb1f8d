// Persistent extension state, in the extension origin's IndexedDB (state-db.ts), where content
// scripts cannot reach it: storage.local is readable and writable by content scripts (Firefox, and
// Chrome unless restricted), and a compromised content script must not read the long-term key nor
// plant a phone or a relay (issue 20). The background is the only reader and writer; extension
// pages get the state through the UI port. Keys are stored as base64url strings.
import browser from 'webextension-polyfill';
import { readState, writeState } from './state-db.ts';
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { generateStaticKeyPair, staticKeyPairFromPrivate, type StaticKeyPair } from '../../shared/protocol/index.ts';
import type { SiteRule } from '../runtime-messages.ts';
import type { PushSubscriptionInfo } from '../../shared/push/subscription.ts';
import { checkSettingUrl } from './settings-urls.ts';

export const DEFAULT_RELAY_URL = 'http://localhost:8787';
export const DEFAULT_PHONE_URL = 'http://localhost:8788/';

export interface Phone {
  /** The paired channel id: unique per pairing, and the phone's id everywhere in the extension. */
  id: string;
  name: string;
  publicKey: Uint8Array;
  confirmationCode: string;
  pairedAt: number;
  /**
   * Set once the person saw the same code on both screens. Until then the phone is never used:
   * whoever photographed the QR code could have completed the handshake first.
   */
  confirmed: boolean;
  /** Client extensions the phone announced beyond the basics (e.g. "prf"), as last heard. */
  extensions?: string[];
  /**
   * The phone's Web Push subscription, as it last sent it (`push-subscription`): where the
   * extension wakes it when a request waits and it is not online. Forgotten with the phone.
   */
  push?: PushSubscriptionInfo;
}

/**
 * A phone the person removed while it was offline: kept only to deliver `unpair` when it comes
 * back. Never asked to sign anything.
 */
export interface RemovedPhone {
  id: string;
  publicKey: Uint8Array;
  removedAt: number;
}

export interface Settings {
  relayUrl: string;
  phoneUrl: string;
  defaultRule: SiteRule;
  /** Chrome: catch calls that reach the browser without passing the page script. */
  proxyEnabled: boolean;
}

type Stored<T> = Omit<T, 'publicKey'> & { publicKey: string };

interface StoredState {
  relayUrl?: string;
  phoneUrl?: string;
  defaultRule?: SiteRule;
  proxyEnabled?: boolean;
  staticPrivateKey?: string;
  phones?: Stored<Phone>[];
  removedPhones?: Stored<RemovedPhone>[];
  siteRules?: Record<string, SiteRule>;
}

const KEYS = ['relayUrl', 'phoneUrl', 'defaultRule', 'proxyEnabled', 'staticPrivateKey', 'phones', 'removedPhones', 'siteRules'];
/** Set in the database once storage.local's state has been moved there. */
const MIGRATED = 'migratedFromStorageLocal';

// Chrome: storage.local open to extension pages and the worker only. Nothing of Pairkey's is kept
// there any more; this keeps content scripts from reading what an older version left behind before
// the migration below runs, and from filling the area. Firefox has no such switch.
const chromeLocal = (globalThis as { chrome?: { storage?: { local?: { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> } } } }).chrome?.storage?.local;
void chromeLocal?.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' })?.catch(() => undefined);

// The stored state as last read, kept in memory: every ceremony reads the phones, the settings
// and the site rules, and each database read is a round trip. The background is the only writer:
// its own writes drop the copy before and after they land.
let cached: Promise<StoredState> | null = null;

function read(): Promise<StoredState> {
  if (cached) return cached;
  const reading = migrated().then(() => readState(KEYS) as Promise<StoredState>);
  cached = reading;
  reading.catch(() => {
    if (cached === reading) cached = null;
  });
  return reading;
}

async function write(items: Partial<StoredState>): Promise<void> {
  cached = null;
  try {
    await migrated();
    await writeState(items);
  } finally {
    cached = null;
  }
}

// Read-modify-write updates run one after another, so two changes never overwrite each other.
let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(change: () => Promise<T>): Promise<T> {
  const run = queue.then(change, change);
  queue = run.catch(() => undefined);
  return run;
}

type LegacyPairing = { phonePublicKey: string; pairedChannelId: string; confirmationCode: string; phoneName: string; pairedAt: number; confirmed: boolean };

/**
 * Moves what versions up to 0.1 kept in storage.local into the database, once, and deletes it
 * there. Version 0.1's single `pairing` becomes the first entry of `phones`. Once moved, anything
 * that appears in storage.local again can only come from a content script: it is never read, and
 * deleted at every start.
 */
async function migrate(): Promise<void> {
  const done = (await readState([MIGRATED]))[MIGRATED] === true;
  const legacyKeys = [...KEYS, 'pairing'];
  if (!done) {
    const legacy = (await browser.storage.local.get(legacyKeys)) as StoredState & { pairing?: LegacyPairing };
    const { pairing, ...state } = legacy;
    if (pairing) {
      const phones = state.phones ?? [];
      const { phonePublicKey, pairedChannelId, phoneName, ...rest } = pairing;
      if (!phones.some((p) => p.id === pairedChannelId)) phones.push({ ...rest, id: pairedChannelId, name: phoneName, publicKey: phonePublicKey });
      state.phones = phones;
    }
    await writeState({ ...state, [MIGRATED]: true });
  }
  await browser.storage.local.remove(legacyKeys);
}

let migration: Promise<void> | null = null;
function migrated(): Promise<void> {
  if (!migration) {
    const running = migrate();
    migration = running;
    // A failed attempt (database unavailable) is tried again by the next read.
    running.catch(() => {
      if (migration === running) migration = null;
    });
  }
  return migration;
}

/** Runs the one-time move out of storage.local (every read waits for it too). */
export function migrateStorage(): Promise<void> {
  return serialized(migrated);
}

const withKey = <T extends { publicKey: Uint8Array }>(s: Stored<T>): T => ({ ...s, publicKey: fromB64url(s.publicKey) }) as unknown as T;
const storeKey = <T extends { publicKey: Uint8Array }>(t: T): Stored<T> => ({ ...t, publicKey: toB64url(t.publicKey) });

export async function getSettings(): Promise<Settings> {
  const s = await read();
  return {
    relayUrl: s.relayUrl ?? DEFAULT_RELAY_URL,
    phoneUrl: s.phoneUrl ?? DEFAULT_PHONE_URL,
    defaultRule: s.defaultRule ?? 'phone',
    proxyEnabled: s.proxyEnabled ?? true,
  };
}

export async function setRelayUrl(relayUrl: string): Promise<void> {
  await write({ relayUrl: checkSettingUrl(relayUrl, 'relay-url') });
}

export async function setPhoneUrl(phoneUrl: string): Promise<void> {
  await write({ phoneUrl: checkSettingUrl(phoneUrl, 'phone-url') });
}

/** Both connection settings at once: neither is stored unless both are valid. */
export async function setConnection(relayUrl: string, phoneUrl: string): Promise<void> {
  await write({ relayUrl: checkSettingUrl(relayUrl, 'relay-url'), phoneUrl: checkSettingUrl(phoneUrl, 'phone-url') });
}

export async function setDefaultRule(rule: SiteRule): Promise<void> {
  await write({ defaultRule: rule });
}

export async function setProxyEnabled(enabled: boolean): Promise<void> {
  await write({ proxyEnabled: enabled });
}

/** The extension's long-term Noise key, created on first use. One key for all phones. */
export async function getStaticKeyPair(): Promise<StaticKeyPair> {
  const s = await read();
  if (s.staticPrivateKey) return staticKeyPairFromPrivate(fromB64url(s.staticPrivateKey));
  const pair = generateStaticKeyPair();
  await write({ staticPrivateKey: toB64url(pair.privateKey) });
  return pair;
}

// ---- phones ------------------------------------------------------------------------------------------

export async function getPhones(): Promise<Phone[]> {
  return ((await read()).phones ?? []).map((p) => withKey<Phone>(p));
}

/** The phones requests may use: the ones the person confirmed. */
export async function getConfirmedPhones(): Promise<Phone[]> {
  return (await getPhones()).filter((p) => p.confirmed);
}

async function writePhones(phones: Phone[]): Promise<void> {
  await write({ phones: phones.map((p) => storeKey(p)) });
}

export function addPhone(phone: Phone): Promise<void> {
  return serialized(async () => writePhones([...(await getPhones()).filter((p) => p.id !== phone.id), phone]));
}

export function updatePhone(id: string, change: Partial<Pick<Phone, 'name' | 'confirmed' | 'extensions' | 'push'>>): Promise<void> {
  return serialized(async () => writePhones((await getPhones()).map((p) => (p.id === id ? { ...p, ...change } : p))));
}

export function removePhone(id: string): Promise<Phone | null> {
  return serialized(async () => {
    const phones = await getPhones();
    const phone = phones.find((p) => p.id === id) ?? null;
    if (phone) await writePhones(phones.filter((p) => p.id !== id));
    return phone;
  });
}

export async function getRemovedPhones(): Promise<RemovedPhone[]> {
  return ((await read()).removedPhones ?? []).map((p) => withKey<RemovedPhone>(p));
}

/** Change the list of removed phones (add one, or drop one whose `unpair` was delivered). */
export function updateRemovedPhones(change: (removed: RemovedPhone[]) => RemovedPhone[]): Promise<void> {
  return serialized(async () => {
    const next = change(await getRemovedPhones());
    await write({ removedPhones: next.map((p) => storeKey(p)) });
  });
}

// ---- site rules -----------------------------------------------------------------------------------

export async function getSiteRules(): Promise<Record<string, SiteRule>> {
  // A copy: the cached state is shared by every reader.
  return { ...(await read()).siteRules };
}

export function setSiteRule(site: string, rule: SiteRule | null): Promise<void> {
  return serialized(async () => {
    const rules = { ...(await getSiteRules()) };
    if (rule) rules[site] = rule;
    else delete rules[site];
    await write({ siteRules: rules });
  });
}
