// `pairkey/qa`: the QA harness's building blocks. Playwright users import `test` and `expect`
// (also from `pairkey/qa/playwright`, which loads nothing else); the CLI and puppeteer users
// launch a browser with the extension and a paired phone, and drive it through `Driver`.
export { tid, type Driver, type DriverPage, type ExtensionPagePath } from './browser/driver.ts';
export { playwrightDriver, playwrightPage, rawPage } from './browser/driver-playwright.ts';
export { puppeteerDriver, puppeteerPage } from './browser/driver-puppeteer.ts';
export { CHROMIUM_QUIET_FLAGS, chromiumPath, firefoxPath } from './browser/browsers.ts';
export {
  MISBEHAVIOUR_MODES,
  QaPhone,
  type DefaultPolicy,
  type MisbehaviourMode,
  type QaCredential,
  type QaPhoneOptions,
  type RequestView,
} from './phone.ts';
export { otpauthFromQr, readQrFromPng, totpCode } from './totp.ts';
export { defaultExtensionDir, defaultServers, type PairkeyServers } from './fixtures/defaults.ts';
export type { PairkeyLaunchOptions } from './fixtures/options.ts';
export { pairThroughPopup } from './fixtures/pairing.ts';
export { launchPairkeyChromium, type PairkeyChromium } from './fixtures/chromium.ts';
export { launchPairkeyFirefox, type PairkeyFirefox } from './fixtures/firefox.ts';
export { expect, test, type PairkeyFixtures, type PairkeyOptions, type TotpHelpers } from './fixtures/playwright.ts';
