// Browser-side measuring code lives in ./probes/*.js as plain function expressions and is
// evaluated as text: tsx would otherwise wrap its inner functions in a `__name` helper that the
// page and the service worker do not have, and the extension's CSP forbids eval in the worker.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

type Probe = 'ceremonies' | 'sw-probe' | 'popup-probe';

const sources = new Map<Probe, string>();

function source(probe: Probe): string {
  let text = sources.get(probe);
  if (!text) {
    text = readFileSync(new URL(`./probes/${probe}.js`, import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('//'))
      .join('\n')
      .trim();
    sources.set(probe, text);
  }
  return text;
}

/** An expression that calls the probe with `argument` (JSON), for `page.evaluate(expression)`. */
export function probeCall(probe: Probe, argument?: unknown): string {
  return `(${source(probe)})(${argument === undefined ? '' : JSON.stringify(argument)})`;
}

export interface Ceremony {
  start: number;
  end: number;
  id: string;
}

/** Run `count` ceremonies of `kind` one after another in `page` (see probes/ceremonies.js). */
export function ceremonies(page: Page, kind: 'create' | 'get', count: number, credentialId?: string): Promise<Ceremony[]> {
  return page.evaluate(probeCall('ceremonies', { kind, count, rpId: 'localhost', credentialId })) as Promise<Ceremony[]>;
}
