// Persistent extension state in storage.local. The background is its only writer; the popup
// reads it through messages. Keys are stored as base64url strings.
import browser from 'webextension-polyfill';
import { fromB64url, toB64url } from '../../shared/bytes.ts';
import { generateStaticKeyPair, staticKeyPairFromPrivate, type StaticKeyPair } from '../../shared/protocol/index.ts';

export const DEFAULT_RELAY_URL = 'http://localhost:8787';
export const DEFAULT_PHONE_URL = 'http://localhost:8788/';

export interface Pairing {
  phonePublicKey: Uint8Array;
  pairedChannelId: string;
  confirmationCode: string;
  phoneName: string;
  pairedAt: number;
  /**
   * Set once the person saw the same code on both screens. Until then the pairing is never used:
   * whoever photographed the QR code could have completed the handshake first.
   */
  confirmed: boolean;
}

type StoredPairing = Omit<Pairing, 'phonePublicKey'> & { phonePublicKey: string };

interface Stored {
  relayUrl?: string;
  phoneUrl?: string;
  staticPrivateKey?: string;
  pairing?: StoredPairing;
}

async function read(): Promise<Stored> {
  return (await browser.storage.local.get(['relayUrl', 'phoneUrl', 'staticPrivateKey', 'pairing'])) as Stored;
}

export async function getSettings(): Promise<{ relayUrl: string; phoneUrl: string }> {
  const s = await read();
  return { relayUrl: s.relayUrl ?? DEFAULT_RELAY_URL, phoneUrl: s.phoneUrl ?? DEFAULT_PHONE_URL };
}

/** Normalise and check a URL a person typed; throws with a readable message. */
export function checkUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`${what} is not a valid URL`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new Error(`${what} must use http(s) or ws(s)`);
  return url.toString();
}

export async function setRelayUrl(relayUrl: string): Promise<void> {
  await browser.storage.local.set({ relayUrl: checkUrl(relayUrl, 'The relay URL').replace(/\/$/, '') });
}

export async function setPhoneUrl(phoneUrl: string): Promise<void> {
  await browser.storage.local.set({ phoneUrl: checkUrl(phoneUrl, 'The phone app URL') });
}

/** The extension's long-term Noise key, created on first use. */
export async function getStaticKeyPair(): Promise<StaticKeyPair> {
  const s = await read();
  if (s.staticPrivateKey) return staticKeyPairFromPrivate(fromB64url(s.staticPrivateKey));
  const pair = generateStaticKeyPair();
  await browser.storage.local.set({ staticPrivateKey: toB64url(pair.privateKey) });
  return pair;
}

/** The pairing requests may use: one the person confirmed. */
export async function getConfirmedPairing(): Promise<Pairing | null> {
  const pairing = await getPairing();
  return pairing?.confirmed ? pairing : null;
}

export async function getPairing(): Promise<Pairing | null> {
  const p = (await read()).pairing;
  if (!p) return null;
  return { ...p, phonePublicKey: fromB64url(p.phonePublicKey) };
}

export async function savePairing(p: Pairing): Promise<void> {
  const stored: StoredPairing = { ...p, phonePublicKey: toB64url(p.phonePublicKey) };
  await browser.storage.local.set({ pairing: stored });
}

export async function confirmPairing(): Promise<void> {
  const pairing = await getPairing();
  if (pairing) await savePairing({ ...pairing, confirmed: true });
}

/** Forget the phone, and the extension's static key with it: the next pairing starts afresh. */
export async function forgetPairing(): Promise<void> {
  await browser.storage.local.remove(['pairing', 'staticPrivateKey']);
}
