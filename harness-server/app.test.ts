import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServers, testConfig, type Started } from './testing.ts';

let servers: Started | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

const CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(CSP);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('buildServers', () => {
  it('serves the RP page with every data-testid and security headers', async () => {
    servers = await startServers(testConfig());
    const response = await fetch(servers.mainUrl + '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectSecurityHeaders(response);
    const html = await response.text();
    for (const id of ['signup-username', 'signup-submit', 'signin-passkey', 'signin-username', 'status', 'current-user', 'signout']) {
      expect(html).toContain(`data-testid="${id}"`);
    }
    // CSP forbids inline scripts: the page must only load external ones.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).toContain('<script type="module" src="/app.js"></script>');
  });

  it('serves the page module and the @simplewebauthn/browser ESM build it imports', async () => {
    servers = await startServers(testConfig());
    const app = await fetch(servers.mainUrl + '/app.js');
    expect(app.headers.get('content-type')).toMatch(/javascript/);
    const source = await app.text();
    const imported = /from '(\/vendor\/[^']+)'/.exec(source)?.[1];
    expect(imported).toBe('/vendor/simplewebauthn-browser/index.js');
    const vendor = await fetch(servers.mainUrl + imported);
    expect(vendor.status).toBe(200);
    expect(vendor.headers.get('content-type')).toMatch(/javascript/);
    expectSecurityHeaders(vendor);
    expect(await vendor.text()).toContain("export * from './methods/startRegistration.js'");
    const method = await fetch(servers.mainUrl + '/vendor/simplewebauthn-browser/methods/startAuthentication.js');
    expect(await method.text()).toContain('export async function startAuthentication');
    expect((await fetch(servers.mainUrl + '/vendor/simplewebauthn-browser/%2e%2e/package.json')).status).not.toBe(200);
  });

  it('serves the phone placeholder on its own origin with security headers', async () => {
    servers = await startServers(testConfig({ PHONE_URL: 'http://phone.localhost:8788/' }));
    const response = await fetch(servers.phoneUrl + '/');
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    const html = await response.text();
    expect(html).toContain('http://phone.localhost:8788/#&lt;payload&gt;');
    expect(html).toContain("npx pairkey-phone pair '&lt;link&gt;'");
    expect(html).toContain('npx pairkey-phone serve --store FILE');
    expect((await fetch(servers.phoneUrl + '/placeholder.js')).headers.get('content-type')).toMatch(/javascript/);
    // The phone origin has no RP API and no relay.
    expect((await fetch(servers.phoneUrl + '/api/me')).status).toBe(404);
    expect(new URL(servers.phoneUrl).port).not.toBe(new URL(servers.mainUrl).port);
  });

  it('sets security headers on API errors and 404s too', async () => {
    servers = await startServers(testConfig());
    expectSecurityHeaders(await fetch(servers.mainUrl + '/api/me'));
    expectSecurityHeaders(await fetch(servers.mainUrl + '/no-such-page'));
    expectSecurityHeaders(await fetch(servers.phoneUrl + '/no-such-page'));
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('main.ts', () => {
  it('starts both servers under tsx, prints the URLs and stops cleanly on SIGINT', async () => {
    const [port, phonePort] = [await freePort(), await freePort()];
    const root = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness-server/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), PHONE_PORT: String(phonePort), HOST: '127.0.0.1', DATA_DIR: ':memory:' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (output.includes('Load the extension')) resolve();
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`exited early (${code}): ${output}`)));
    });
    expect(output).toContain(`http://localhost:${port}/`);
    expect(output).toContain(`ws://localhost:${port}/relay`);
    expect(output).toContain(`http://localhost:${phonePort}/`);
    expect(output).toContain('Load the extension from dist/chrome (Chrome) or dist/firefox (Firefox)');
    expect((await fetch(`http://127.0.0.1:${port}/api/me`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${phonePort}/`)).status).toBe(200);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('exits with a clear message on a bad configuration', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness-server/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'nope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('PORT must be an integer');
  });
});
