// What the RP needs to know about itself, derived once from the server Config.
import type { Config } from '../config.ts';

export interface RpSettings {
  rpId: string;
  rpOrigin: string;
  rpName: string;
  /** Cookies get `Secure` when the RP is served over https. */
  secureCookies: boolean;
  challengeTtlMs: number;
  sessionTtlMs: number;
  /** Clock in ms since the epoch; tests inject one to expire challenges and sessions. */
  now: () => number;
}

export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export function rpSettings(config: Config, overrides: Partial<RpSettings> = {}): RpSettings {
  return {
    rpId: config.rp.id,
    rpOrigin: config.rp.origin,
    rpName: config.rp.name,
    secureCookies: new URL(config.publicUrl).protocol === 'https:',
    challengeTtlMs: DEFAULT_CHALLENGE_TTL_MS,
    sessionTtlMs: DEFAULT_SESSION_TTL_MS,
    now: Date.now,
    ...overrides,
  };
}
