// One small interface over the two browser automation tools Pairkey drives: Playwright (Chromium)
// and puppeteer-core over WebDriver BiDi (Firefox ESR). The QA checks and the extension's
// end-to-end scenarios (test/support/scenarios) are written once against it and run in both.
//
// Selectors are CSS; `tid('x')` is `[data-testid="x"]`. Page code is passed as strings: functions
// would carry the test runner's transpiled helpers into the page.

export const tid = (id: string) => `[data-testid="${id}"]`;

/** JPEG quality of report screenshots: text stays legible, a step costs ~20-40 KB. */
export const REPORT_JPEG_QUALITY = 60;

export type ExtensionPagePath = 'extension/ui/popup.html' | 'extension/ui/options.html';

export interface DriverPage {
  goto(url: string): Promise<void>;
  /** Where the page is now (extension pages included). */
  url(): Promise<string>;
  /** Evaluate an expression in the page; a promise is awaited. The value must be JSON. */
  eval<T>(expression: string): Promise<T>;
  click(selector: string): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  check(selector: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<void>;
  /** Wait until the first match is visible (or, with 'hidden', until none is). */
  waitFor(selector: string, state?: 'visible' | 'hidden'): Promise<void>;
  /** Wait until the first match's text matches, and return it. */
  waitForText(selector: string, pattern: RegExp): Promise<string>;
  count(selector: string): Promise<number>;
  /** The text content of the first match, once there is one. */
  textOf(selector: string): Promise<string>;
  /** PNG of the first match, as a camera would see it. */
  screenshot(selector: string): Promise<Buffer>;
  /** PNG of the whole page, beyond the viewport too (for reports). */
  screenshotPage(): Promise<Buffer>;
  /**
   * A small JPEG of the page for reports: the viewport at CSS pixels, quality REPORT_JPEG_QUALITY.
   * Full-page PNGs made a 16-check report 13.6 MB; these keep it to a few hundred KB.
   */
  screenshotReport(): Promise<Buffer>;
  /** Press a key with the real keyboard (focus moves as for a person). */
  press(key: string): Promise<void>;
  /**
   * Emulate `prefers-color-scheme`. Chromium only: Firefox ESR's WebDriver BiDi has no media
   * emulation (see ../shared/TOOLCHAIN.md), so the Firefox driver leaves this out.
   */
  colorScheme?: (scheme: 'light' | 'dark') => Promise<void>;
  close(): Promise<void>;
}

export interface Driver {
  readonly browserName: 'chromium' | 'firefox';
  newPage(): Promise<DriverPage>;
  /** An extension page in a tab of its own. */
  extensionPage(path: ExtensionPagePath): Promise<DriverPage>;
  /** The next "phone or browser?" prompt window the extension opens. */
  nextPrompt(): Promise<DriverPage>;
}
