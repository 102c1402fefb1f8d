// One click of `pairkey qa init`, and what followed: the WebAuthn call the paired phone received
// (through the extension, the way every call reaches it), the page's fetch/XHR answers, and what
// the page showed. The phone holds each request ('wait' policy) until the prober answers it as
// told (approve or deny), so a click that starts no ceremony leaves nothing queued behind.
import type { Page, Request } from 'playwright-core';
import type { QaPhone, RequestView } from '../phone.ts';
import type { Located, ProbeResult, SeenResponse } from './findings.ts';
import { ACTIVITY, RECORD, readAfter } from './page-scripts.ts';

/**
 * How long a page must stay quiet (no request in flight, no DOM change, no WebAuthn call
 * pending) to count as done, and the most a click may take. A crawled site offers no event that
 * says "finished", so quiet is the signal; the bound keeps a busy page (a clock, an animation) from
 * holding the crawl.
 */
const QUIET_MS = 600;
const POLL_MS = 100;
const MAX_CLICK_MS = 20_000;

/** A response body larger than this is cut (markers read small JSON answers). */
const MAX_BODY = 16_384;

export type Answer = 'approve' | 'deny';

/** Feeds the phone's requests to whoever is probing, answering each as the probe says. */
export class PhoneWatch {
  private answer: Answer = 'deny';
  readonly seen: { view: RequestView; at: number }[] = [];
  private closed = false;

  constructor(private readonly phone: QaPhone) {
    void this.pump();
  }

  /** How the next requests are answered. */
  answerWith(answer: Answer): void {
    this.answer = answer;
  }

  /** A request has arrived that the phone has not finished with (answered or cancelled). */
  get busy(): boolean {
    return this.phone.answers().length < this.seen.length;
  }

  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      const view = await this.phone.nextRequest();
      this.seen.push({ view, at: Date.now() });
      if (this.answer === 'approve') this.phone.approveNext();
      else this.phone.denyNext();
    }
  }
}

export interface ClickPlan {
  /** Typed before the click (selector → value). */
  fill: Record<string, string>;
  click: Located;
  answer: Answer;
  /** Looked for on the page afterwards (the signed-in marker). */
  username: string | null;
  /** Re-checked on the control's live name and on each URL it leads to, right before the click. */
  allowed?: (name: string, url: string | null) => boolean;
}

export interface NetworkLog {
  /** Answers in the order they finished, each with when its request started. */
  responses: (SeenResponse & { startedAt: number })[];
  inFlight(): number;
  stop(): void;
}

/** Records the page's fetch/XHR answers from now on. */
export function recordResponses(page: Page): NetworkLog {
  const responses: (SeenResponse & { startedAt: number })[] = [];
  const startedAt = new WeakMap<Request, number>();
  const open = new Set<Request>();
  const started = (request: Request) => {
    if (!['fetch', 'xhr', 'document'].includes(request.resourceType())) return;
    open.add(request);
    startedAt.set(request, Date.now());
  };
  const finished = async (request: Request) => {
    if (!open.delete(request)) return;
    if (request.resourceType() === 'document') return;
    const response = await request.response().catch(() => null);
    if (!response) return;
    const body = await response.text().catch(() => '');
    responses.push({ url: request.url(), method: request.method(), status: response.status(), body: body.slice(0, MAX_BODY), startedAt: startedAt.get(request) ?? 0 });
  };
  const failed = (request: Request) => void open.delete(request);
  page.on('request', started);
  page.on('requestfinished', finished);
  page.on('requestfailed', failed);
  return {
    responses,
    inFlight: () => open.size,
    stop: () => {
      page.off('request', started);
      page.off('requestfinished', finished);
      page.off('requestfailed', failed);
    },
  };
}

interface Activity {
  mutations: number;
  pending: number;
  ready: boolean;
  recording: boolean;
}

async function activity(page: Page): Promise<Activity | null> {
  try {
    return await page.evaluate<Activity>(ACTIVITY);
  } catch {
    return null; // between documents
  }
}

/** Waits until the page, its requests and the phone have been quiet for QUIET_MS (or MAX_CLICK_MS passed). */
export async function settle(page: Page, inFlight: () => number, watch: PhoneWatch): Promise<void> {
  const deadline = Date.now() + MAX_CLICK_MS;
  let last = '';
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const now = await activity(page);
    // A page that navigated has lost the recorder: put it back, so its WebAuthn calls count too.
    if (now && now.ready && !now.recording) await page.evaluate(RECORD).catch(() => undefined);
    const busy = !now || !now.ready || now.pending > 0 || inFlight() > 0 || watch.busy;
    const signature = JSON.stringify(now);
    if (busy || signature !== last) {
      last = signature;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= QUIET_MS) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The control as it is right before the click: its name (as page-scripts' nameOf reads it) and where its form would go. */
interface ControlNow {
  name: string;
  /** The URL a submit would go to (the form's action or the button's formaction), else null. */
  target: string | null;
  href: string | null;
}

/**
 * Refuses a click the scan did not plan: the control's name changed since the scan (a page that
 * swaps a harmless label for "Delete" must not get the click), or its form or link leads off the
 * page's origin. Throws a sentence; the crawl logs it and moves on.
 */
export function refusedClick(planned: Located, now: ControlNow, pageUrl: string): string | null {
  if (now.name === '' || now.name !== planned.name) return `its name is now "${now.name.slice(0, 40)}", not "${planned.name.slice(0, 40)}" as scanned`;
  const origin = new URL(pageUrl).origin;
  for (const url of [now.target, now.href]) {
    if (url === null) continue;
    let to: URL;
    try {
      to = new URL(url, pageUrl);
    } catch {
      return 'it leads to a URL that does not parse';
    }
    if (to.origin !== origin) return `it leads to another origin (${to.origin})`;
  }
  return null;
}

/**
 * Page code reading a control right before the click (ControlNow): its name the way
 * page-scripts' nameOf reads it (kept in step with it), and where it leads. A string, as the other
 * page scripts are (tsx's transform would add helpers a function cannot take into the page), made
 * a Function so that Playwright calls it with the element.
 */
const CONTROL_NOW = new Function('el', `
  const clean = (text) => String(text || '').replace(/\\s+/g, ' ').trim();
  const name = clean(el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent) || (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type) ? el.value : '') || el.textContent || el.getAttribute('placeholder') || el.getAttribute('title') || '').slice(0, 80);
  const form = el.form || null;
  const target = form && (el.type === 'submit' || el.type === 'image') ? el.formAction || form.action || null : null;
  const link = el.closest('a[href]');
  return { name, target, href: link ? link.href : null };
`) as (el: Element) => ControlNow;

/** Opens `url` (when given), fills and clicks as planned, and reports what followed. */
export async function probeClick(page: Page, watch: PhoneWatch, url: string | null, plan: ClickPlan): Promise<ProbeResult> {
  if (url !== null) await page.goto(url, { waitUntil: 'load' });
  await page.evaluate(RECORD);
  for (const [selector, value] of Object.entries(plan.fill)) await page.locator(selector).first().fill(value, { timeout: 5_000 });
  const control = page.locator(plan.click.selector).first();
  const now = await control.evaluate(CONTROL_NOW, undefined, { timeout: 5_000 });
  const refused =
    refusedClick(plan.click, now, page.url()) ??
    (plan.allowed && [null, now.target, now.href].some((to, i) => (i === 0 || to !== null) && !plan.allowed!(now.name, to)) ? 'it sounds destructive or leads somewhere the crawl does not go' : null);
  if (refused) throw new Error(`The control "${plan.click.name.slice(0, 40)}" was not clicked: ${refused}`);
  watch.answerWith(plan.answer);
  const seenBefore = watch.seen.length;
  const network = recordResponses(page);
  try {
    await control.click({ timeout: 5_000 });
    await settle(page, network.inFlight, watch);
  } finally {
    network.stop();
  }
  const after = await readPage(page, plan.username);
  const request = watch.seen.slice(seenBefore)[0]?.view ?? null;
  return {
    webauthn: request ? { kind: request.kind, rpId: request.rpId, reply: plan.answer === 'approve' ? 'approved' : 'denied' } : null,
    responses: network.responses.map(({ startedAt: _, ...r }) => r),
    ...after,
  };
}

export type PageAfter = Omit<ProbeResult, 'webauthn' | 'responses'>;

/** What the page shows now (status elements, what appeared since RECORD, the username). */
export async function readPage(page: Page, username: string | null): Promise<PageAfter> {
  const after = await page.evaluate<PageAfter | null>(readAfter(username)).catch(() => null);
  return after ?? { status: [], appeared: [], url: page.url(), usernameShown: null };
}
