// The phone origin serves the real build of the phone app (built here into a temporary folder),
// with its own CSP, and explains itself when the app was not built.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPhoneApp } from '../../phone/app/build.ts';
import { securityHeaders } from '../plugins/security-headers.ts';
import { PHONE_APP_CSP, phoneAppPlugin } from './index.ts';

let server: FastifyInstance | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(appDir: string): Promise<string> {
  server = Fastify({ logger: false, forceCloseConnections: true });
  await server.register(securityHeaders);
  await server.register(phoneAppPlugin, { appDir });
  return server.listen({ port: 0, host: '127.0.0.1' });
}

describe('phone origin without a build', () => {
  it('answers every page with 503 and how to build the app', async () => {
    const base = await serve(join(tmpdir(), 'pairkey-no-such-build'));
    for (const path of ['/', '/sw.js']) {
      const response = await fetch(base + path);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-security-policy')).toBe(PHONE_APP_CSP);
      const html = await response.text();
      expect(html).toContain('npx tsx phone/app/build.ts');
      expect(html).toContain('pairkey-no-such-build');
    }
  });
});

describe('phone origin with the built app', () => {
  let dist: string;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'pairkey-phone-build-'));
    await buildPhoneApp(join(dist, 'phone'));
  }, 180_000);
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it('serves the app shell with the phone CSP: relays on ws:/wss:, the camera, nothing inline', async () => {
    const base = await serve(join(dist, 'phone'));
    const response = await fetch(base + '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(PHONE_APP_CSP);
    expect(PHONE_APP_CSP).toContain("connect-src 'self' ws: wss:");
    expect(response.headers.get('permissions-policy')).toContain('camera=(self)');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const id of ['scan-pairing', 'paste-link', 'request-list', 'passkey-list', 'otp-list', 'pin-new']) expect(html).toContain(`data-testid="${id}"`);

    // Every script and stylesheet the page names exists, with a long cache (hashed names).
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const file = await fetch(`${base}/${asset}`);
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('cache-control')).toContain('immutable');
    }
    expect((await fetch(base + '/api/me')).status).toBe(404);
  });

  it('is installable: a manifest whose icons exist at their stated sizes', async () => {
    const base = await serve(join(dist, 'phone'));
    const manifest = (await (await fetch(base + '/manifest.webmanifest')).json()) as { start_url: string; display: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
    expect(manifest).toMatchObject({ start_url: './', display: 'standalone' });
    const sizes = new Set<string>();
    for (const icon of manifest.icons) {
      const response = await fetch(`${base}/${icon.src}`);
      expect(response.status, icon.src).toBe(200);
      if (icon.type !== 'image/png') continue;
      const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
      expect(`${png.width}x${png.height}`).toBe(icon.sizes);
      sizes.add(`${icon.sizes} ${icon.purpose}`);
    }
    expect([...sizes]).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
  });

  it('has a service worker that caches every file of the build', async () => {
    const base = await serve(join(dist, 'phone'));
    const response = await fetch(base + '/sw.js');
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const source = await response.text();
    const files = readdirSync(join(dist, 'phone'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name !== 'sw.js')
      .map((entry) => join(entry.parentPath, entry.name).slice(join(dist, 'phone').length + 1));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(source, file).toContain(`\`${file}\``);
  });
});
