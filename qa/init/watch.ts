// `pairkey qa init --watch`: a person uses the site in a browser window (sign up, sign out, sign
// in) while each click is recorded with what followed it — the WebAuthn call the paired phone
// received through the extension (the phone approves), the page's fetch/XHR answers and what the
// page showed — into the same findings the headless crawl makes (crawl.ts), for the same draft.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { BrowserContext, Page } from 'playwright-core';
import { intentOf, DESTRUCTIVE } from './crawl.ts';
import type { ButtonFinding, Crawl, FieldKind, FormFinding, Located, Probe, SelectorHow } from './findings.ts';
import { CLICK_RECORDER, RECORD } from './page-scripts.ts';
import { readPage, recordResponses, settle, type NetworkLog, type PhoneWatch } from './probe.ts';

// Records, so that a new kind in findings.ts fails to compile here until it is accepted.
const SELECTOR_HOWS = Object.keys({ 'test-id': 1, id: 1, name: 1, label: 1, role: 1, form: 1, class: 1, structure: 1 } satisfies Record<SelectorHow, 1>) as SelectorHow[];
const FIELD_KINDS = Object.keys({ username: 1, email: 1, password: 1, 'new-password': 1, otp: 1, text: 1, choice: 1 } satisfies Record<FieldKind, 1>) as FieldKind[];
const Text = (maxLength: number) => Type.String({ maxLength });
const LocatedShape = Type.Object({ selector: Text(2000), how: Type.Union(SELECTOR_HOWS.map((how) => Type.Literal(how))), name: Text(200) });
const FieldShape = Type.Composite([LocatedShape, Type.Object({ kind: Type.Union(FIELD_KINDS.map((kind) => Type.Literal(kind))) })]);
/** What CLICK_RECORDER sends for one click (page-scripts.ts); anything else is not recorded. */
export const ClickInfo = Type.Object({
  url: Text(4000),
  title: Text(2000),
  link: Type.Boolean(),
  control: LocatedShape,
  form: Type.Union([Type.Null(), Type.Composite([LocatedShape, Type.Object({ fields: Type.Array(FieldShape, { maxItems: 100 }), submit: Type.Union([Type.Null(), LocatedShape]) })])]),
  values: Type.Record(Type.String({ maxLength: 2000 }), Text(10_000)),
});

/** A click is recorded only from a page's top frame, on the start origin, in the recorder's shape. */
export function recordable(topFrame: boolean, frameUrl: string, origin: string, info: unknown): info is Omit<Click, 'at' | 'page'> {
  let on: string;
  try {
    on = new URL(frameUrl).origin;
  } catch {
    return false;
  }
  return topFrame && on === origin && Value.Check(ClickInfo, info);
}

interface Click {
  url: string;
  title: string;
  link: boolean;
  control: Located;
  form: FormFinding | null;
  values: Record<string, string>;
  at: number;
  page: Page;
}

export interface WatchOptions {
  start: URL;
  context: BrowserContext;
  page: Page;
  watch: PhoneWatch;
  log: (line: string) => void;
  /** Resolves when the person is done (window closed, Ctrl-C; a test's script finished). */
  done: Promise<void>;
}

export async function watchVisit({ start, context, page, watch, log, done }: WatchOptions): Promise<Crawl> {
  watch.answerWith('approve');
  const probes: Probe[] = [];
  const clicks: Click[] = [];
  const networks = new Map<Page, NetworkLog>();
  let wake: (() => void) | null = null;
  let title = '';

  const follow = (p: Page) => {
    networks.set(p, recordResponses(p));
    // The recorder counts the page's pending WebAuthn calls; it goes in once the extension's own
    // page script has replaced navigator.credentials (document_start), i.e. after load.
    p.on('load', () => void p.evaluate(RECORD).catch(() => undefined));
  };
  await context.exposeBinding('__pairkeyInitClick', ({ page: source, frame }, info: unknown) => {
    // Every frame can call the binding, third-party iframes included: only the top frame of a
    // page on the start origin is recorded, and only a payload of the recorder's shape.
    if (!source || !recordable(frame === source.mainFrame(), frame.url(), start.origin, info)) return;
    clicks.push({ ...info, at: Date.now(), page: source });
    wake?.();
  });
  await context.addInitScript(CLICK_RECORDER);
  for (const p of context.pages()) follow(p);
  context.on('page', follow);
  await page.goto(start.href, { waitUntil: 'load' });
  await page.evaluate(CLICK_RECORDER);
  await page.evaluate(RECORD).catch(() => undefined);

  let finished = false;
  void done.then(() => {
    finished = true;
    wake?.();
  });
  let lastUsername: string | null = null;
  while (!finished || clicks.length > 0) {
    const click = clicks.shift();
    if (!click) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      continue;
    }
    title ||= click.title;
    const typedName = click.form?.fields.find((f) => f.kind === 'username' && click.values[f.selector]);
    const username: string | null = typedName ? click.values[typedName.selector]! : lastUsername;
    lastUsername = username;
    const intent = intentOf(click.control.name, click.form);
    if (click.link && intent !== 'sign-out') continue;
    const seenBefore = watch.seen.filter((s) => s.at < click.at).length;
    const network = networks.get(click.page);
    try {
      await settle(click.page, network?.inFlight ?? (() => 0), watch);
    } catch {
      // The page closed: what it showed is lost; the phone's request is still known.
    }
    const after = click.page.isClosed() ? { status: [], appeared: [], url: click.url, usernameShown: null } : await readPage(click.page, username);
    if (!click.page.isClosed()) await click.page.evaluate(RECORD).catch(() => undefined);
    const request = watch.seen.slice(seenBefore).find((s) => s.at >= click.at)?.view ?? null;
    const responses = (network?.responses ?? []).filter((r) => r.startedAt >= click.at).map(({ startedAt: _, ...r }) => r);
    if (!request && DESTRUCTIVE.test(click.control.name)) continue;
    const probe: Probe = {
      page: click.url,
      control: click.control as ButtonFinding,
      form: click.form,
      intent,
      answer: 'approve',
      typed: click.values,
      username,
      result: { webauthn: request ? { kind: request.kind, rpId: request.rpId, reply: 'approved' } : null, responses, ...after },
    };
    probes.push(probe);
    log(`Recorded "${click.control.name}" on ${new URL(click.url).pathname}: ${request ? `a WebAuthn ${request.kind} reached the phone` : 'no WebAuthn call'}`);
  }
  for (const network of networks.values()) network.stop();
  return { start: start.href, title, pages: [], probes, mode: 'watch' };
}
