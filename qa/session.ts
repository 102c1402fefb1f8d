// The browser a run uses: Chromium or Firefox with the built extension and a paired phone. The
// launchers (and their automation libraries) load only when a run starts, so `--help`, `--list`
// and usage errors answer at once.
import type { PairkeyLaunchOptions } from './fixtures/options.ts';
import type { Session } from './runner.ts';

export const BROWSERS = ['chromium', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];

export async function openSession(browser: BrowserName, options: PairkeyLaunchOptions): Promise<Session & { close(): Promise<void> }> {
  const launched =
    browser === 'chromium'
      ? await (await import('./fixtures/chromium.ts')).launchPairkeyChromium(options)
      : await (await import('./fixtures/firefox.ts')).launchPairkeyFirefox(options);
  return { driver: launched.driver, phone: launched.phone, close: () => launched.close() };
}
