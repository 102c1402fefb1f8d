// Driving the extension's popup the way a person does (settings, pairing, confirming the code),
// with the popup probe timing each step inside the popup. Everything that depends on the
// popup's markup is in this file.
import type { BrowserContext, Page } from 'playwright-core';
import { now } from '../lib/clock.ts';
import { extensionId } from './launch.ts';
import { probeCall } from './probes.ts';
import { VirtualPhone } from '../../phone/virtual/phone.ts';
import { instrumentPhone, type PhoneEvent } from './phone-probe.ts';

/** The phone app origin only appears in pairing links; nothing needs to be served there. */
export const BENCH_PHONE_URL = 'http://localhost:23799/';

type PopupEvent = [what: string, t: number, text: string];

export interface PairingTimes {
  /** The person asked for a new code (clicked Unpair); null for the code shown when the popup opened. */
  requestedAt: number | null;
  qrShownAt: number;
  /** The phone had the link and started pairing. */
  phoneStartAt: number;
  phonePairedAt: number;
  codeShownAt: number;
  confirmClickAt: number;
  pairedShownAt: number;
}

const DEADLINE_MS = 30_000;

/** A step that has not finished in 30 s will not: fail the run rather than hang it. */
function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export class Popup {
  private constructor(
    readonly page: Page,
    private readonly phoneUrl: string,
  ) {}

  /** Open the popup, point it at the benchmark's relay and phone origin. */
  static async open(context: BrowserContext, relayUrl: string, phoneUrl: string): Promise<Popup> {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${await extensionId(context)}/extension/ui/popup.html`);
    await page.evaluate(probeCall('popup-probe'));
    await page.locator('summary').click();
    await page.getByTestId('relay-url').fill(relayUrl);
    await page.getByTestId('phone-url').fill(phoneUrl);
    await page.getByTestId('save-settings').click();
    return new Popup(page, phoneUrl);
  }

  private log(): Promise<PopupEvent[]> {
    return this.page.evaluate('window.__pairkeyBench.log.slice()');
  }

  /** Resolve with the first event `what` logged at or after `after` (waits for it in the page). */
  private event(what: string, after: number): Promise<PopupEvent> {
    // Only codes for the benchmark's phone origin count, not one shown before the settings changed.
    const prefix = what === 'qr' ? this.phoneUrl : '';
    return this.page.evaluate(`window.__pairkeyBench.waitFor(${JSON.stringify(what)}, ${after}, ${JSON.stringify(prefix)}, ${DEADLINE_MS})`);
  }

  private async click(testId: string): Promise<number> {
    await this.page.evaluate(`window.__pairkeyBench.click(${JSON.stringify(testId)})`);
    const events = await this.log();
    return events.filter((e) => e[0] === `click:${testId}`).at(-1)![1];
  }

  /**
   * One complete pairing: show a code (unpairing first if paired), let `phone` read the link
   * as if it had scanned the QR code, wait for the code on both sides, confirm it.
   */
  async pair(phone: VirtualPhone): Promise<PairingTimes> {
    // Unpair asks first: the request is the confirmation's click.
    const unpairing = await this.page.getByTestId('unpair').isVisible();
    if (unpairing) await this.click('unpair');
    const requestedAt = unpairing ? await this.click('unpair-confirm') : null;
    const [, qrShownAt, link] = await this.event('qr', requestedAt ?? 0);
    const phoneStartAt = now();
    const pending = await withDeadline(phone.pair(link), 'the phone to pair');
    const { confirmationCode } = pending;
    const phonePairedAt = now();
    const [, codeShownAt, code] = await this.event('code', phoneStartAt);
    if (code !== confirmationCode) throw new Error(`popup shows ${code}, phone shows ${confirmationCode}`);
    pending.confirm(); // the codes match: the phone keeps the pairing (never silently)
    const confirmClickAt = await this.click('pairing-confirm');
    const [, pairedShownAt] = await this.event('paired', confirmClickAt);
    return { requestedAt, qrShownAt, phoneStartAt, phonePairedAt, codeShownAt, confirmClickAt, pairedShownAt };
  }
}

/** Pair an instrumented in-process virtual phone with the extension and bring it online. */
export async function pairedPhone(context: BrowserContext, relayUrl: string): Promise<{ popup: Popup; phone: VirtualPhone; events: PhoneEvent[] }> {
  const popup = await Popup.open(context, relayUrl, BENCH_PHONE_URL);
  const phone = VirtualPhone.open({ name: 'Bench phone' });
  const events = instrumentPhone(phone);
  await popup.pair(phone);
  await phone.goOnline();
  return { popup, phone, events };
}
