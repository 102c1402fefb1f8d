// Where to find a browser: an explicit env var, then the Debian packages, then whatever
// Playwright installed on an ordinary machine. Test tools cannot download browsers here.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const FIREFOX_CANDIDATES = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

export function chromiumPath(): string {
  const fromEnv = process.env.PAIRKEY_CHROMIUM;
  if (fromEnv) return fromEnv;
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  const bundled = chromium.executablePath();
  if (bundled && existsSync(bundled)) return bundled;
  throw new Error('No Chromium found: install it (apt-get install chromium) or set PAIRKEY_CHROMIUM');
}

export function firefoxPath(): string {
  const fromEnv = process.env.PAIRKEY_FIREFOX;
  if (fromEnv) return fromEnv;
  const found = FIREFOX_CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  throw new Error('No Firefox found: install it (apt-get install firefox-esr) or set PAIRKEY_FIREFOX');
}

/** Flags for a closed network: without them Chromium floods refused connections at start. */
export const CHROMIUM_QUIET_FLAGS = [
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-gpu',
  '--disable-quic',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
];
