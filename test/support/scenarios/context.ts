// What every extension scenario gets, and the steps many of them share: a configured popup,
// pairing the real `pairkey-phone` CLI by decoding the QR code's pixels, WebAuthn options.
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { tid, type Driver, type DriverPage } from '../../../qa/browser/driver.ts';
import type { PagesServer } from '../pages-server.ts';
import { PhoneProcess } from '../phone-cli.ts';

export interface ScenarioContext {
  driver: Driver;
  /** The relay (the harness server) the extension and the phones meet on. */
  relayUrl: string;
  phoneUrl: string;
  /** The site under test, and a second origin for cross-origin frames. */
  site: PagesServer;
  otherSite: PagesServer;
  tempDir: string;
  /** Every phone started here is stopped after the scenario. */
  phones: PhoneProcess[];
  /**
   * The browser's own authenticator, where the automation can provide one (Chromium's DevTools
   * virtual authenticator): proves a call reached the browser. Absent in Firefox, where a call
   * that reaches the browser fails at once (software token enabled, no credentials).
   */
  nativeAuthenticator: NativeAuthenticator | null;
}

export interface NativeAuthenticator {
  /** Install it for `page`'s browser profile. */
  attach: (page: DriverPage) => Promise<void>;
  /** How many credentials the browser's own authenticator holds. */
  credentialCount: () => Promise<number>;
}

export interface Scenario {
  name: string;
  /** Limit to one browser, with the reason in `name` or a comment. */
  only?: 'chromium' | 'firefox';
  run: (ctx: ScenarioContext) => Promise<void>;
}

/** Decode the QR code in an image from its pixels, as a phone camera would. */
export function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) throw new Error('No QR code found in the image');
  return code.data;
}

/** The popup, pointed at the test relay and phone app; it shows a pairing code when no phone is paired. */
export async function openPopup(ctx: ScenarioContext): Promise<DriverPage> {
  const popup = await ctx.driver.extensionPage('extension/ui/popup.html');
  await popup.click('summary');
  await popup.fill(tid('relay-url'), ctx.relayUrl);
  await popup.fill(tid('phone-url'), ctx.phoneUrl);
  await popup.click(tid('save-settings'));
  return popup;
}

export function startPhone(ctx: ScenarioContext, args: string[]): PhoneProcess {
  const phone = PhoneProcess.start(args);
  ctx.phones.push(phone);
  return phone;
}

export interface PairedPhone {
  phone: PhoneProcess;
  code: string;
  storePath: string;
  link: string;
}

/** Pair a virtual phone from the QR code in `page` (popup or options) and confirm the code. */
export async function pairPhone(ctx: ScenarioContext, page: DriverPage, flags: string[] = []): Promise<PairedPhone> {
  await page.waitForText(tid('pairing-link'), new RegExp(escape(ctx.phoneUrl)));
  const link = decodeQr(await page.screenshot(tid('pairing-qr')));
  const shown = await page.waitForText(tid('pairing-link'), /./);
  if (shown !== link) throw new Error(`The QR code (${link}) and the link (${shown}) differ`);
  const storePath = join(ctx.tempDir, `phone-${ctx.phones.length}.json`);
  const phone = startPhone(ctx, ['pair', link, '--confirm', '--store', storePath, ...flags]);
  const [, code] = await phone.waitFor(/paired (\d{6})/);
  await phone.waitFor(/^online$/m);
  const item = `[data-testid="phone-item"]:has(${tid('pairing-confirm')})`;
  await page.waitForText(`${item} ${tid('pairing-code')}`, new RegExp(`^${code}$`));
  await page.click(`${item} ${tid('pairing-confirm')}`);
  await page.waitFor(tid('unpair'));
  return { phone, code: code!, storePath, link };
}

/** Open the popup and pair one phone: the usual start of a scenario. */
export async function withPairedPhone(ctx: ScenarioContext, flags: string[] = []): Promise<PairedPhone & { popup: DriverPage }> {
  const popup = await openPopup(ctx);
  const paired = await pairPhone(ctx, popup, flags);
  return { ...paired, popup };
}

export async function sitePage(ctx: ScenarioContext, path = '/', site = ctx.site): Promise<DriverPage> {
  const page = await ctx.driver.newPage();
  await page.goto(site.url(path));
  return page;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- WebAuthn options (JSON form; the test page turns them into native options) ----------------

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const random = (n: number) => b64(crypto.getRandomValues(new Uint8Array(n)));

export function creationOptions(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rp: { name: 'Pairkey test site' },
    user: { id: random(16), name: 'alice', displayName: 'Alice' },
    challenge: random(32),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    attestation: 'none',
    ...overrides,
  };
}

export function requestOptions(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { challenge: random(32), userVerification: 'preferred', ...overrides };
}

/** `pk.run(kind, options, opts)` in the page, as a JS expression. */
export function call(kind: 'create' | 'get', options: unknown, opts: Record<string, unknown> = {}): string {
  return `pk.run(${JSON.stringify(kind)}, ${JSON.stringify(options)}, ${JSON.stringify(opts)})`;
}

/** Start a call in the page without waiting: returns an expression that yields its handle. */
export function start(kind: 'create' | 'get', options: unknown, opts: Record<string, unknown> = {}): string {
  return `pk.start(${JSON.stringify(kind)}, ${JSON.stringify(options)}, ${JSON.stringify(opts)})`;
}

export interface CallResult {
  ok: boolean;
  ms: number;
  // success
  instanceOfPublicKeyCredential?: boolean;
  instanceOfCredential?: boolean;
  responseType?: 'attestation' | 'assertion' | 'other';
  id?: string;
  rawIdMatchesId?: boolean;
  type?: string;
  authenticatorAttachment?: string | null;
  clientData?: { type: string; challenge: string; origin: string; crossOrigin?: boolean; topOrigin?: string };
  clientExtensionResults?: Record<string, unknown>;
  json?: { id: string; rawId: string; type: string; response: Record<string, unknown>; clientExtensionResults: Record<string, unknown> };
  stringified?: unknown;
  transports?: string[] | null;
  publicKeyAlgorithm?: number | null;
  // failure
  name?: string;
  message?: string;
  isDOMException?: boolean;
  isTypeError?: boolean;
}
