// Authenticator-app helpers for QA: read the enrolment QR code off the page as a phone camera
// would (from pixels, not the DOM), and compute the codes an authenticator app would show.
import { parse } from '@otplib/uri';
import jsQR from 'jsqr';
import { createGuardrails, generate } from 'otplib';
import { PNG } from 'pngjs';
import type { DriverPage } from './browser/driver.ts';

/** The text of the QR code in a PNG image; throws when the image holds none. */
export function readQrFromPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) throw new Error('No QR code found in the image');
  return code.data;
}

/** The otpauth:// URI in the QR code the element `selector` shows (waits for it to be visible). */
export async function otpauthFromQr(page: DriverPage, selector: string): Promise<string> {
  const text = readQrFromPng(await page.screenshot(selector));
  if (!text.startsWith('otpauth://')) throw new Error(`The QR code holds ${JSON.stringify(text.slice(0, 40))}, not an otpauth:// URI`);
  return text;
}

/**
 * An authenticator app computes codes for whatever secret a site issues: many use 80-bit secrets,
 * below otplib's 128-bit floor. Judging a secret's length is a check's job, not this helper's.
 */
const ANY_SECRET = createGuardrails({ MIN_SECRET_BYTES: 1 });

/**
 * The code an authenticator app shows at `at` (default now) for an otpauth:// URI (its algorithm,
 * digits and period are honoured) or a bare base32 secret (SHA-1, 6 digits, 30 s). For an HOTP
 * URI, pass `counter`.
 */
export async function totpCode(uriOrSecret: string, opts: { at?: Date; counter?: number } = {}): Promise<string> {
  const epoch = Math.floor((opts.at ?? new Date()).getTime() / 1000);
  if (!uriOrSecret.startsWith('otpauth://')) return generate({ secret: uriOrSecret, epoch, guardrails: ANY_SECRET });
  const { type, params } = parse(uriOrSecret);
  const shape = {
    secret: params.secret,
    guardrails: ANY_SECRET,
    ...(params.algorithm ? { algorithm: params.algorithm } : {}),
    ...(params.digits ? { digits: params.digits } : {}),
  };
  if (type === 'hotp') return generate({ ...shape, strategy: 'hotp', counter: opts.counter ?? params.counter ?? 0 });
  return generate({ ...shape, epoch, ...(params.period ? { period: params.period } : {}) });
}
