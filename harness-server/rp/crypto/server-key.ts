// The server key: 32 random bytes from SERVER_KEY or DATA_DIR/server.key (created on first
// start, mode 0600). Every purpose gets its own key derived with HKDF, so a key used to sign
// cookies can never decrypt TOTP secrets.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromB64url, toB64url, utf8Encode } from '../../../shared/bytes.ts';

export const SERVER_KEY_FILE = 'server.key';

/**
 * With `:memory:` the key is ephemeral like the data it protects. A key file that exists but
 * is malformed is an error rather than silently replaced: replacing it would make every
 * stored TOTP secret undecryptable.
 */
export function loadServerKey(dataDir: string, fromEnv: string | null): Uint8Array {
  if (fromEnv !== null) return fromB64url(fromEnv);
  if (dataDir === ':memory:') return new Uint8Array(randomBytes(32));
  const path = join(dataDir, SERVER_KEY_FILE);
  if (existsSync(path)) {
    const key = fromB64url(readFileSync(path, 'utf8').trim());
    if (key.length !== 32) throw new Error(`${path} must hold 32 bytes in base64url`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = new Uint8Array(randomBytes(32));
  // 'wx' fails if another process created the file meanwhile; then we read theirs.
  try {
    writeFileSync(path, `${toB64url(key)}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return loadServerKey(dataDir, null);
  }
  return key;
}

export type KeyPurpose = 'otp-secrets' | 'cookies' | 'throttle-keys';

export function deriveKey(serverKey: Uint8Array, purpose: KeyPurpose): Uint8Array {
  return hkdf(sha256, serverKey, undefined, utf8Encode(`pairkey rp ${purpose} v1`), 32);
}
