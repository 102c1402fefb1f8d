// The relay operator's VAPID key pair (RFC 8292): from RELAY_VAPID_PUBLIC_KEY and
// RELAY_VAPID_PRIVATE_KEY, else DATA_DIR/vapid.json (created on first start, mode 0600). Push
// subscriptions are bound to the public key they were made with: a new key pair orphans every
// phone's subscription, so a key file that exists but is malformed is an error, never replaced.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webPush from 'web-push';

export interface VapidKeys {
  /** Uncompressed P-256 point, base64url (87 characters): what phones subscribe with. */
  publicKey: string;
  /** P-256 scalar, base64url (43 characters). */
  privateKey: string;
}

export const VAPID_KEY_FILE = 'vapid.json';
const PUBLIC_KEY = /^[A-Za-z0-9_-]{87}$/;
const PRIVATE_KEY = /^[A-Za-z0-9_-]{43}$/;

export function isVapidKeyPair(value: unknown): value is VapidKeys {
  const keys = value as Partial<VapidKeys> | null;
  return typeof keys?.publicKey === 'string' && PUBLIC_KEY.test(keys.publicKey) && typeof keys.privateKey === 'string' && PRIVATE_KEY.test(keys.privateKey);
}

/** The configured pair, else the one in `dataDir` (made now if missing); `:memory:` makes a fresh one. */
export function loadVapidKeys(dataDir: string, configured: VapidKeys | null): VapidKeys {
  if (configured) return configured;
  if (dataDir === ':memory:') return generatedVapidKeys();
  const path = join(dataDir, VAPID_KEY_FILE);
  if (existsSync(path)) {
    const stored: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isVapidKeyPair(stored)) throw new Error(`${path} must hold {"publicKey","privateKey"} in base64url (a VAPID key pair)`);
    return { publicKey: stored.publicKey, privateKey: stored.privateKey };
  }
  mkdirSync(dataDir, { recursive: true });
  const keys = webPush.generateVAPIDKeys();
  // 'wx' fails if another process (another relay node on this folder) wrote it first: use theirs.
  try {
    writeFileSync(path, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return loadVapidKeys(dataDir, null);
  }
  return keys;
}

/** A fresh pair, kept nowhere (relays built by tests, `DATA_DIR=:memory:`). */
export function generatedVapidKeys(): VapidKeys {
  return webPush.generateVAPIDKeys();
}
