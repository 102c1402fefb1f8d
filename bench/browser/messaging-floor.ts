// The floor under the page ↔ background hops: the same path a ceremony takes (a MAIN-world script,
// a MessageChannel to an isolated-world bridge, one long-lived runtime port to the service
// worker, and back), in an extension that does nothing else. What a Pairkey hop spends above this
// is Pairkey's own work; the floor itself is Chrome's messaging between two renderer processes
// through the browser process, which no extension can skip.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const now = 'performance.timeOrigin + performance.now()';

const MAIN = `(() => {
  const channel = new MessageChannel();
  const waiting = new Map();
  let next = 1;
  channel.port1.onmessage = (e) => { const end = ${now}; const done = waiting.get(e.data.id); waiting.delete(e.data.id); done({ ...e.data, end }); };
  window.postMessage({ floor: 'port' }, '*', [channel.port2]);
  window.__floorPing = () => new Promise((resolve) => { const id = next++; waiting.set(id, resolve); channel.port1.postMessage({ id, start: ${now} }); });
})();`;

const BRIDGE = `(() => {
  let runtime = null;
  window.addEventListener('message', (e) => {
    if (e.source !== window || !e.data || e.data.floor !== 'port' || !e.ports[0]) return;
    const page = e.ports[0];
    page.onmessage = (m) => {
      if (!runtime) { runtime = chrome.runtime.connect({ name: 'floor' }); runtime.onMessage.addListener((r) => page.postMessage(r)); }
      runtime.postMessage(m.data);
    };
  });
})();`;

const WORKER = `chrome.runtime.onConnect.addListener((port) => {
  port.onMessage.addListener((m) => { const swIn = ${now}; port.postMessage({ ...m, swIn, swOut: ${now} }); });
});`;

/** Writes the floor extension into a temporary directory and returns it. */
export function messagingFloorExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pairkey-bench-floor-ext-'));
  const scripts = (js: string, world?: 'MAIN') => ({ matches: ['<all_urls>'], js: [js], run_at: 'document_start', all_frames: false, ...(world ? { world } : {}) });
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'Messaging floor',
      version: '1.0',
      background: { service_worker: 'sw.js' },
      content_scripts: [scripts('main.js', 'MAIN'), scripts('bridge.js')],
    }),
  );
  writeFileSync(join(dir, 'main.js'), MAIN);
  writeFileSync(join(dir, 'bridge.js'), BRIDGE);
  writeFileSync(join(dir, 'sw.js'), WORKER);
  return dir;
}

export interface FloorTrip {
  /** Page → service worker, ms. */
  toBackground: number;
  /** Service worker → page, ms. */
  toPage: number;
}

/** `count` round trips one after another, as a ceremony's request and reply would go. */
export async function floorTrips(page: Page, count: number): Promise<FloorTrip[]> {
  const raw = (await page.evaluate(
    `(async (n) => { const out = []; for (let i = 0; i < n; i++) out.push(await window.__floorPing()); return out; })(${count})`,
  )) as { start: number; swIn: number; swOut: number; end: number }[];
  return raw.map((t) => ({ toBackground: t.swIn - t.start, toPage: t.end - t.swOut }));
}
