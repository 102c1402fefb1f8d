// Persistent extension state in storage.local. The background is its only writer; extension pages
// read it through the UI port. Keys are stored as base64url strings.
import browser from 'webextension-polyfill';
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { generateStaticKeyPair, staticKeyPairFromPrivate, type StaticKeyPair } from '../../shared/protocol/index.ts';
import type { SiteRule } from '../runtime-messages.ts';
import { t, UserFacingError } from '../messages.ts';

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

// The stored state as last read, kept in memory: every ceremony reads the phones, the settings
// and the site rules, and each storage.local read is a round trip through the browser. Our own
// writes drop it before and after they land, and storage.onChanged drops it for any other writer.
let cached: Promise<StoredState> | null = null;
browser.storage.onChanged.addListener((_changes, area) => {
  if (area === 'local') cached = null;
});

function read(): Promise<StoredState> {
  if (cached) return cached;
  const reading = browser.storage.local.get(KEYS).then((s) => s as StoredState);
  cached = reading;
  reading.catch(() => {
    if (cached === reading) cached = null;
  });
  return reading;
}

async function write(items: Partial<StoredState> & Record<string, unknown>): Promise<void> {
  cached = null;
  try {
    await browser.storage.local.set(items);
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

/** Version 0.1 kept one `pairing`; it becomes the first entry of `phones`. */
export function migrateStorage(): Promise<void> {
  return serialized(async () => {
    const { pairing } = (await browser.storage.local.get('pairing')) as {
      pairing?: { phonePublicKey: string; pairedChannelId: string; confirmationCode: string; phoneName: string; pairedAt: number; confirmed: boolean };
    };
    if (!pairing) return;
    const phones = (await read()).phones ?? [];
    const { phonePublicKey, pairedChannelId, phoneName, ...rest } = pairing;
    if (!phones.some((p) => p.id === pairedChannelId)) phones.push({ ...rest, id: pairedChannelId, name: phoneName, publicKey: phonePublicKey });
    await write({ phones });
    await browser.storage.local.remove('pairing');
  });
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

/** Normalise and check a URL a person typed; throws a message for them (`what` names the field). */
export function checkUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UserFacingError(t('errUrlInvalid', what));
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new UserFacingError(t('errUrlScheme', what));
  return url.toString();
}

export async function setRelayUrl(relayUrl: string): Promise<void> {
  await write({ relayUrl: checkUrl(relayUrl, t('relayUrl')).replace(/\/$/, '') });
}

export async function setPhoneUrl(phoneUrl: string): Promise<void> {
  await write({ phoneUrl: checkUrl(phoneUrl, t('phoneUrl')) });
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

export function updatePhone(id: string, change: Partial<Pick<Phone, 'name' | 'confirmed' | 'extensions'>>): Promise<void> {
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
