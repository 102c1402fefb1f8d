// The two WebAuthn clients the corpus is replayed in: Chromium's own (answered by the DevTools
// virtual authenticator) and Chromium with the built Pairkey extension (answered by a paired
// in-process virtual phone). Both browsers reach the conformance sites by real HTTPS host names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Frame, type Page } from 'playwright-core';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { playwrightDriver } from '../../qa/browser/driver-playwright.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { pairThroughPopup } from '../../qa/fixtures/pairing.ts';
import type { QaPhone, RequestView } from '../../qa/phone.ts';
import { HarnessProcess } from '../support/harness-process.ts';
import { addVirtualAuthenticatorTo } from '../support/virtual-authenticator.ts';
import type { Answer, CaseSpec } from './corpus.ts';
import type { CaseFrame, CasePage } from './replay.ts';

export type TargetName = 'native' | 'extension' | 'firefox-native' | 'firefox-extension';

/** One browser to replay cases in. */
export interface Target {
  name: TargetName;
  /** A fresh page for one case, ready for `answer` (the authenticator set up, or the phone told). */
  openPage(spec: CaseSpec, answer: Answer): Promise<CasePage>;
  /** Change how the authenticator answers from now on (after a setup registration). */
  setAnswer(page: CasePage, answer: Answer): Promise<void>;
  /**
   * Resolves once the authenticator holds the request (the phone got it), so an abort lands
   * "while the phone waits". Never resolves when the request does not get that far.
   */
  requestHeld(): Promise<void>;
  /**
   * A short pause for a request that is held somewhere DevTools and the phone cannot see (Chromium
   * reports nothing when a request reaches a virtual authenticator or waits for autofill).
   */
  settled(): Promise<void>;
  /** The case's own call starts (after any setup registration). */
  callStarts(): void;
  /** The timeout of the first request the phone received since callStarts (extension only). */
  phoneTimeout(): number | undefined;
  closePage(page: CasePage): Promise<void>;
  close(): Promise<void>;
}

const playwrightFrame = (frame: Frame): CaseFrame => ({ run: (expression) => frame.evaluate(expression) });

/** A Playwright page as the runner sees it; `pages` maps it back for the target's own bookkeeping. */
function casePage(page: Page, pages: Map<CasePage, Page>): CasePage {
  const wrapped: CasePage = {
    goto: async (url) => {
      await page.goto(url);
    },
    main: playwrightFrame(page.mainFrame()),
    child: () => {
      // A sandboxed (opaque) frame's name is not always reported; it is the page's only frame.
      const found = page.frame({ name: 'target' }) ?? page.mainFrame().childFrames()[0];
      return found && playwrightFrame(found);
    },
  };
  pages.set(wrapped, page);
  return wrapped;
}

const SETTLE_MS = 300;
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS));

export function siteFlags(port: number, spkiHash: string): string[] {
  return [
    // Every host name goes to the local sites; localhost stays itself (the relay, the phone app).
    `--host-resolver-rules=MAP * 127.0.0.1:${port}, EXCLUDE localhost`,
    `--ignore-certificate-errors-spki-list=${spkiHash}`,
  ];
}

/**
 * DevTools' virtual environment with one authenticator (CTAP 2.1 over USB, resident keys, UV, PRF,
 * largeBlob). In the extension's browser too: a call Pairkey hands to the browser then meets the
 * same authenticators as in the native run, as it would meet the person's own.
 */
function addAuthenticator(cdp: CDPSession, answer: Answer): Promise<string> {
  // 'wait': no presence simulated, so the request waits as it would for a phone out of reach.
  return addVirtualAuthenticatorTo(cdp, {
    ctap2Version: 'ctap2_1',
    hasLargeBlob: true,
    hasPrf: true,
    hasCredBlob: false,
    automaticPresenceSimulation: answer !== 'wait',
    isUserConsenting: answer !== 'deny',
  });
}

export async function nativeTarget(flags: string[], headless = true): Promise<Target> {
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath(), headless, args: [...CHROMIUM_QUIET_FLAGS, ...flags] });
  const context: BrowserContext = await browser.newContext();
  const sessions = new Map<CasePage, CDPSession>();
  const authenticators = new Map<CasePage, string>();
  const pages = new Map<CasePage, Page>();
  return {
    name: 'native',
    async openPage(_spec, answer) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      const wrapped = casePage(page, pages);
      sessions.set(wrapped, cdp);
      authenticators.set(wrapped, await addAuthenticator(cdp, answer));
      return wrapped;
    },
    async setAnswer(page, answer) {
      const cdp = sessions.get(page)!;
      const authenticatorId = authenticators.get(page)!;
      if (answer === 'deny') throw new Error('A setup registration cannot be followed by a denial (not in the corpus)');
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: answer !== 'wait' });
    },
    requestHeld: () => settle(),
    settled: () => settle(),
    callStarts: () => undefined,
    phoneTimeout: () => undefined,
    async closePage(page) {
      await sessions.get(page)?.detach().catch(() => undefined);
      sessions.delete(page);
      authenticators.delete(page);
      await pages.get(page)?.close();
      pages.delete(page);
    },
    close: () => browser.close(),
  };
}

export async function extensionTarget(flags: string[], headless = true): Promise<Target> {
  const harness = await HarnessProcess.start();
  const dir = extensionBuildDir('chrome', 'loadable');
  const profile = mkdtempSync(join(tmpdir(), 'pairkey-conformance-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless,
    args: [...CHROMIUM_QUIET_FLAGS, ...flags, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const driver = playwrightDriver(context, new URL(worker.url()).host);
  const phone: QaPhone = await pairThroughPopup(driver, { relayUrl: harness.url, phoneAppUrl: `http://localhost:${harness.phonePort}/` }, { policy: 'wait' });

  const sessions = new Map<CasePage, CDPSession>();
  const pages = new Map<CasePage, Page>();
  // One loop hands every request the phone receives to the case that is running.
  let answer: Answer = 'approve';
  let heldWaiters: (() => void)[] = [];
  let running = true;
  let callTimeout: number | undefined;
  let callStarted = false;
  void (async () => {
    while (running) {
      const view: RequestView = await phone.nextRequest();
      if (!running) return;
      if (callStarted && callTimeout === undefined) callTimeout = view.timeout;
      if (answer === 'approve') phone.approveNext();
      else if (answer === 'deny') phone.denyNext();
      for (const wake of heldWaiters.splice(0)) wake();
    }
  })();
  return {
    name: 'extension',
    async openPage(_spec, a) {
      answer = a;
      heldWaiters = [];
      callStarted = false;
      callTimeout = undefined;
      // A fresh authenticator for every case, as the native run's: no passkey of an earlier case.
      await phone.forgetPasskeys();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      const wrapped = casePage(page, pages);
      sessions.set(wrapped, cdp);
      // Pairkey's own requests go to the phone; the authenticator only meets calls it hands over.
      await addAuthenticator(cdp, a);
      return wrapped;
    },
    async setAnswer(_page, a) {
      answer = a;
    },
    requestHeld: () => new Promise<void>((resolve) => heldWaiters.push(resolve)),
    settled: () => settle(),
    callStarts: () => {
      callStarted = true;
      callTimeout = undefined;
    },
    phoneTimeout: () => callTimeout,
    async closePage(page) {
      await sessions.get(page)?.detach().catch(() => undefined);
      sessions.delete(page);
      await pages.get(page)?.close();
      pages.delete(page);
    },
    async close() {
      running = false;
      phone.close();
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      await harness.stop();
    },
  };
}
