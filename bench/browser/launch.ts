// Headless Chromium for the browser suites: one profile with the built extension, one without.
// Both get the same flags, so the extension is the only difference between them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { CHROMIUM_QUIET_FLAGS } from '../../qa/browser/browsers.ts';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(executable: string, extensionDir: string | null): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pairkey-bench-'));
  const extensionFlags = extensionDir ? [`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`] : [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: [...CHROMIUM_QUIET_FLAGS, ...extensionFlags],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function serviceWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
}

export async function extensionId(context: BrowserContext): Promise<string> {
  return new URL((await serviceWorker(context)).url()).host;
}

