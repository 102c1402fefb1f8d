// What the RP needs to know about itself, derived once from the server Config.
import type { AuthPolicy, Config, MailConfig, OtpPolicy, Protections } from '../config.ts';

/** scrypt cost (RFC 7914): OWASP's N=2^15, r=8, p=3 (32 MiB per hash). */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

export interface RpSettings {
  rpId: string;
  rpOrigin: string;
  rpName: string;
  /** Base URL for links in emails, with a trailing slash. */
  publicUrl: string;
  /** Cookies get `Secure` when the RP is served over https. */
  secureCookies: boolean;
  challengeTtlMs: number;
  sessionTtlMs: number;
  /** Between a correct password and the second factor. */
  pendingSigninTtlMs: number;
  emailVerificationTtlMs: number;
  recoveryLinkTtlMs: number;
  otp: OtpPolicy;
  auth: AuthPolicy;
  mail: MailConfig;
  protections: Protections;
  scrypt: ScryptCost;
  /** Worker threads for passkey signature checks (services/assertion-pool.ts); 0: in process. */
  verifyWorkers: number;
  /** 32 bytes; every at-rest and cookie key is derived from it. */
  serverKey: Uint8Array;
  /** Clock in ms since the epoch; tests inject one to expire challenges, sessions and codes. */
  now: () => number;
}

export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_SCRYPT: ScryptCost = { log2N: 15, r: 8, p: 3 };

export function rpSettings(config: Config, serverKey: Uint8Array, overrides: Partial<RpSettings> = {}): RpSettings {
  return {
    rpId: config.rp.id,
    rpOrigin: config.rp.origin,
    rpName: config.rp.name,
    publicUrl: config.publicUrl,
    secureCookies: new URL(config.publicUrl).protocol === 'https:',
    challengeTtlMs: DEFAULT_CHALLENGE_TTL_MS,
    sessionTtlMs: DEFAULT_SESSION_TTL_MS,
    pendingSigninTtlMs: 10 * 60 * 1000,
    emailVerificationTtlMs: 24 * 60 * 60 * 1000,
    recoveryLinkTtlMs: 60 * 60 * 1000,
    otp: config.otp,
    auth: config.auth,
    mail: config.mail,
    protections: config.protections,
    scrypt: DEFAULT_SCRYPT,
    verifyWorkers: config.rpVerifyWorkers,
    serverKey,
    now: Date.now,
    ...overrides,
  };
}
