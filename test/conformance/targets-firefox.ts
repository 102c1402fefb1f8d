// The corpus's two Firefox ESR targets: Firefox's own WebAuthn client, and Firefox with the built
// Pairkey extension and a paired virtual phone. Driven by puppeteer-core over WebDriver BiDi
// (Playwright cannot drive Debian's firefox-esr); the native authenticator is Firefox's WebDriver
// WebAuthn virtual authenticator, reached over Marionette (marionette.ts), since BiDi has none.
//
// How Firefox reaches the corpus's host names and accepts the throw-away certificate
// (docs/development.md "Conformance in Firefox"):
// - no --host-resolver-rules in Firefox: a manual HTTP/HTTPS proxy pointing at the sites' port,
//   which answers CONNECT itself (sites.ts); localhost and 127.0.0.1 stay direct;
// - HTTPS-First off, or `http://login.example.com` would be tried as https first;
// - the throw-away CA (tls.ts) is trusted through the enterprise policy `Certificates.Install`,
//   read from `browser.policies.alternatePath`, which Firefox honours only "in automation":
//   the pref `security.turn_off_all_security_so_that_viruses_can_take_over_this_computer` and the
//   environment variable MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 (every connection here is local). A
//   certificate error that is merely overridden (`acceptInsecureCerts`) is not enough: Firefox's
//   WebAuthn then answers every call "SecurityError: The operation is insecure".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../extension/manifests.ts';
import { firefoxPath } from '../../qa/browser/browsers.ts';
import { puppeteerDriver } from '../../qa/browser/driver-puppeteer.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { FIREFOX_EXTENSION_BASE, FIREFOX_EXTENSION_UUID } from '../../qa/fixtures/firefox.ts';
import { pairThroughPopup } from '../../qa/fixtures/pairing.ts';
import type { QaPhone, RequestView } from '../../qa/phone.ts';
import { HarnessProcess } from '../support/harness-process.ts';
import type { Answer } from './corpus.ts';
import { Marionette } from './marionette.ts';
import type { CaseFrame, CasePage } from './replay.ts';
import type { Target } from './targets.ts';

// Firefox's own virtual authenticator answers at once and cannot be told to hold a request, so
// native Firefox offers no event for "the authenticator holds it" or "the page settled its call":
// the native target waits this long instead (as the Chromium native target does, targets.ts).
const SETTLE_MS = 300;
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Prefs that put Firefox on the conformance sites (see the file comment). */
export function firefoxSitePrefs(sitesPort: number): Record<string, unknown> {
  return {
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': sitesPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': sitesPort,
    'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
    'network.proxy.allow_hijacking_localhost': false,
    'dom.security.https_first': false,
    'dom.security.https_first_pbm': false,
    'dom.security.https_first_schemeless': false,
    'dom.security.https_only_mode': false,
  };
}

interface FirefoxRun {
  browser: Browser;
  marionette: Marionette | null;
  /** Removed at the end: the profile and the policy folder. */
  dirs: string[];
}

/** The sites' port, and the throw-away CA (PEM) Firefox is to trust. */
export interface FirefoxSites {
  port: number;
  ca: string;
}

async function launch(sites: FirefoxSites, headless: boolean, withMarionette: boolean): Promise<FirefoxRun> {
  const marionettePort = withMarionette ? await freePort() : 0;
  const profile = mkdtempSync(join(tmpdir(), 'pairkey-conformance-ff-'));
  const policyDir = mkdtempSync(join(tmpdir(), 'pairkey-conformance-ff-policy-'));
  writeFileSync(join(policyDir, 'ca.pem'), sites.ca);
  writeFileSync(join(policyDir, 'policies.json'), JSON.stringify({ policies: { Certificates: { Install: [join(policyDir, 'ca.pem')] } } }));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless,
    userDataDir: profile,
    env: { ...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' },
    args: withMarionette ? ['--marionette'] : [],
    extraPrefsFirefox: {
      ...firefoxSitePrefs(sites.port),
      'browser.policies.alternatePath': join(policyDir, 'policies.json'),
      'security.turn_off_all_security_so_that_viruses_can_take_over_this_computer': true,
      ...(withMarionette ? { 'marionette.port': marionettePort } : {}),
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
      // Firefox's own authenticators: only the virtual ones WebDriver adds (no USB key to wait for).
      'security.webauth.webauthn_enable_softtoken': true,
      'security.webauth.webauthn_enable_usbtoken': false,
    },
  });
  let marionette: Marionette | null = null;
  if (withMarionette) {
    try {
      marionette = await Marionette.open(marionettePort);
    } catch (error) {
      process.stderr.write(`Firefox: no Marionette virtual authenticator (${String(error)})\n`);
    }
  }
  return { browser, marionette, dirs: [profile, policyDir] };
}

const puppeteerFrame = (frame: Frame): CaseFrame => ({ run: (expression) => frame.evaluate(expression) as Promise<never> });

function casePage(page: Page, pages: Map<CasePage, Page>): CasePage {
  const wrapped: CasePage = {
    goto: async (url) => {
      await page.goto(url, { waitUntil: 'load' });
    },
    main: puppeteerFrame(page.mainFrame()),
    child: () => {
      const found = page.mainFrame().childFrames()[0];
      return found && puppeteerFrame(found);
    },
  };
  pages.set(wrapped, page);
  return wrapped;
}

/**
 * Firefox's WebDriver authenticator for one case: CTAP 2 over USB with resident keys and UV, new
 * for each case (no passkey of an earlier case). It answers at once ('deny': the person says no);
 * it cannot be told to wait, so for 'wait' there is none and the request waits for a key.
 */
class NativeAuthenticator {
  private id: string | null = null;
  constructor(private readonly marionette: Marionette | null) {}

  get available(): boolean {
    return this.marionette !== null;
  }

  async reset(answer: Answer): Promise<void> {
    if (!this.marionette) return;
    if (this.id) await this.marionette.removeVirtualAuthenticator(this.id).catch(() => undefined);
    this.id = null;
    if (answer === 'wait') return;
    this.id = await this.marionette.addVirtualAuthenticator({
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserConsenting: answer !== 'deny',
      isUserVerified: true,
    });
  }

  /** After a setup registration: the credential must stay, so only 'wait' (remove) can follow. */
  async change(answer: Answer): Promise<void> {
    if (answer === 'wait') await this.reset('wait');
  }
}

export interface FirefoxTargetInfo {
  /** Whether Firefox's own calls met a virtual authenticator (Marionette's WebAuthn commands). */
  virtualAuthenticator: boolean;
}

export async function firefoxNativeTarget(sites: FirefoxSites, headless = true): Promise<Target & FirefoxTargetInfo> {
  const run = await launch(sites, headless, true);
  const authenticator = new NativeAuthenticator(run.marionette);
  const pages = new Map<CasePage, Page>();
  return {
    name: 'firefox-native',
    virtualAuthenticator: authenticator.available,
    async openPage(_spec, answer) {
      await authenticator.reset(answer);
      return casePage(await run.browser.newPage(), pages);
    },
    setAnswer: (_page, answer) => authenticator.change(answer),
    requestHeld: () => settle(),
    settled: () => settle(),
    callStarts: () => undefined,
    phoneTimeout: () => undefined,
    async closePage(page) {
      await pages.get(page)?.close();
      pages.delete(page);
    },
    async close() {
      run.marionette?.close();
      await run.browser.close();
      for (const dir of run.dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function firefoxExtensionTarget(sites: FirefoxSites, headless = true): Promise<Target & FirefoxTargetInfo> {
  const harness = await HarnessProcess.start();
  const run = await launch(sites, headless, true);
  let phone: QaPhone;
  try {
    await run.browser.installExtension(extensionBuildDir('firefox', 'test'));
    // Extension pages open through the test build's hook, from a page of a site Pairkey runs on.
    const driver = puppeteerDriver(run.browser, FIREFOX_EXTENSION_BASE, () => harness.url);
    phone = await pairThroughPopup(driver, { relayUrl: harness.url, phoneAppUrl: `http://localhost:${harness.phonePort}/` }, { policy: 'wait' });
  } catch (error) {
    run.marionette?.close();
    await run.browser.close();
    await harness.stop();
    throw error;
  }
  // Calls Pairkey hands to Firefox meet the same authenticator as in the native run.
  const authenticator = new NativeAuthenticator(run.marionette);
  const pages = new Map<CasePage, Page>();
  let answer: Answer = 'approve';
  let heldWaiters: (() => void)[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const view: RequestView = await phone.nextRequest();
      if (!running) return;
      void view;
      if (answer === 'approve') phone.approveNext();
      else if (answer === 'deny') phone.denyNext();
      for (const wake of heldWaiters.splice(0)) wake();
    }
  })();
  return {
    name: 'firefox-extension',
    virtualAuthenticator: authenticator.available,
    async openPage(_spec, a) {
      answer = a;
      heldWaiters = [];
      await phone.forgetPasskeys();
      await authenticator.reset(a);
      return casePage(await run.browser.newPage(), pages);
    },
    async setAnswer(_page, a) {
      answer = a;
      await authenticator.change(a);
    },
    requestHeld: () => new Promise<void>((resolve) => heldWaiters.push(resolve)),
    settled: () => settle(),
    callStarts: () => undefined,
    // Firefox clamps timeouts its own way (docs/extension.md "Known limits"): not compared here.
    phoneTimeout: () => undefined,
    async closePage(page) {
      await pages.get(page)?.close();
      pages.delete(page);
    },
    async close() {
      running = false;
      phone.close();
      run.marionette?.close();
      await run.browser.close();
      for (const dir of run.dirs) rmSync(dir, { recursive: true, force: true });
      await harness.stop();
    },
  };
}
