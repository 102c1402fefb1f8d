import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServers, testConfig, type Started } from './testing/servers.ts';
import { PHONE_APP_CSP } from './phone-app/index.ts';

let servers: Started | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'self'";

/** `csp` false: the response's own CSP is its server's business (the phone app sets its own). */
function expectSecurityHeaders(response: Response, csp: string | false = CSP): void {
  if (csp) expect(response.headers.get('content-security-policy')).toBe(csp);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('buildServers', () => {
  it('serves every RP page with its data-testids, security headers and no inline script', async () => {
    servers = await startServers(testConfig());
    const pages: Record<string, string[]> = {
      '/': ['home-signup', 'home-signin', 'home-2fa'],
      '/signup': ['signup-username', 'signup-email', 'signup-password', 'signup-submit'],
      '/signin': ['signin-username', 'signin-password', 'signin-submit', 'signin-passkey', 'signin-key', 'signin-use-otp', 'signin-use-backup', 'signin-otp-code', 'signin-backup-code', 'signin-recovery-start', 'signin-recovery-complete'],
      '/security': ['email-status', 'twofa-status', 'key-list', 'key-add-submit', 'otp-qr', 'otp-secret', 'otp-confirm-code', 'backup-codes', 'backup-download', 'backup-copy', 'backup-print', 'backup-regenerate', 'twofa-disable', 'reauth-dialog', 'audit-log', 'password-new', 'password-change-submit'],
      '/teams': ['org-name', 'org-create', 'org-list', 'invitation-list', 'teams-enforcement'],
      '/verify-email': ['verify-result'],
      '/recover': ['recover-result'],
      '/reset-password': ['reset-account', 'reset-request-submit', 'reset-new-password', 'reset-complete-submit'],
      '/dev/outbox': ['outbox'],
    };
    for (const [path, ids] of Object.entries(pages)) {
      const response = await fetch(servers.mainUrl + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expectSecurityHeaders(response);
      const html = await response.text();
      for (const id of ids) expect(html, `${path} ${id}`).toContain(`data-testid="${id}"`);
      // CSP forbids inline scripts: pages only load external modules.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).toMatch(/<script type="module" src="\/js\/[a-z-]+\.js"><\/script>/);
    }
  });

  it('declares its relay and phone app at the well-known path, and serves the /connect page that offers them', async () => {
    const config = testConfig();
    servers = await startServers(config);
    const declared = await fetch(`${servers.mainUrl}/.well-known/pairkey-connect.json`);
    expect(declared.status).toBe(200);
    expect(declared.headers.get('cache-control')).toBe('no-store');
    expectSecurityHeaders(declared);
    expect(await declared.json()).toEqual({ relayUrl: config.relayUrl, phoneUrl: config.phoneUrl });
    const page = await fetch(`${servers.mainUrl}/connect`);
    expectSecurityHeaders(page);
    const html = await page.text();
    for (const id of ['connect-button', 'connect-status', 'connect-relay-url', 'connect-phone-url']) expect(html).toContain(`data-testid="${id}"`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect((await fetch(`${servers.mainUrl}/connect.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('serves the page modules and the @simplewebauthn/browser ESM build they import', async () => {
    servers = await startServers(testConfig());
    const security = await fetch(servers.mainUrl + '/js/security.js');
    expect(security.headers.get('content-type')).toMatch(/javascript/);
    const source = await security.text();
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
    expect((await fetch(servers.mainUrl + '/js/common.js')).status).toBe(200);
  });

  it('serves the phone app on its own origin, without the RP API or the relay', async () => {
    servers = await startServers(testConfig({ PHONE_URL: 'http://phone.localhost:8788/' }));
    // 200 once `phone/app/build.ts` ran, 503 with the build command before; the app's own
    // serving is tested in harness-server/phone-app.
    const response = await fetch(servers.phoneUrl + '/');
    expect([200, 503]).toContain(response.status);
    expect(response.headers.get('content-security-policy')).toBe(PHONE_APP_CSP);
    expect((await fetch(servers.phoneUrl + '/api/me')).status).not.toBe(200);
    expect(new URL(servers.phoneUrl).port).not.toBe(new URL(servers.mainUrl).port);
  });

  it('sets security headers on API errors and 404s too', async () => {
    servers = await startServers(testConfig());
    expectSecurityHeaders(await fetch(servers.mainUrl + '/api/me'));
    expectSecurityHeaders(await fetch(servers.mainUrl + '/no-such-page'));
    expectSecurityHeaders(await fetch(servers.phoneUrl + '/no-such-page'), false);
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

type MainProcess = ChildProcessByStdio<null, Readable, Readable>;
const children: MainProcess[] = [];

/** main.ts under tsx in a child process; killed after the test even when an assertion failed. */
function spawnMain(env: Record<string, string>): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness-server/main.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

describe('main.ts', () => {
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('starts both servers under tsx, prints the URLs and stops cleanly on SIGINT', async () => {
    const [port, phonePort] = [await freePort(), await freePort()];
    const child = spawnMain({ PORT: String(port), PHONE_PORT: String(phonePort), HOST: '127.0.0.1', DATA_DIR: ':memory:' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (output.includes('Connect Pairkey:')) resolve();
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`exited early (${code}): ${output}`)));
    });
    expect(output).toContain(`http://localhost:${port}/`);
    expect(output).toContain(`ws://localhost:${port}/relay`);
    expect(output).toContain(`http://localhost:${phonePort}/`);
    expect(output).toContain('Load the extension from dist/chrome (Chrome) or dist/firefox (Firefox)');
    expect(output).toContain(`Email outbox:   http://localhost:${port}/dev/outbox`);
    // The one-click connect link, on whatever port the server got.
    expect(output).toContain(`Connect Pairkey: http://localhost:${port}/connect`);
    expect(output).not.toContain('INSECURE QA MODE');
    expect((await fetch(`http://127.0.0.1:${port}/api/me`)).status).toBe(401);
    expect([200, 503]).toContain((await fetch(`http://127.0.0.1:${phonePort}/`)).status);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('exits with a clear message on a bad configuration', async () => {
    const child = spawnMain({ PORT: 'nope' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('PORT must be an integer');
  });

  it('refuses to start with a protection off unless PAIRKEY_INSECURE_QA=1, then prints a loud banner', async () => {
    const run = (env: Record<string, string>) => spawnMain({ HOST: '127.0.0.1', DATA_DIR: ':memory:', ...env });
    const refused = run({ QA_ORIGIN_CHECK: 'off', PORT: '0', PHONE_PORT: '0' });
    let refusal = '';
    refused.stderr.on('data', (chunk: Buffer) => (refusal += chunk.toString()));
    expect(await new Promise<number | null>((resolve) => refused.once('exit', resolve))).toBe(2);
    expect(refusal).toContain('QA_ORIGIN_CHECK turns a protection off: refusing to start without PAIRKEY_INSECURE_QA=1');

    const [port, phonePort] = [await freePort(), await freePort()];
    const insecure = run({ QA_ORIGIN_CHECK: 'off', PAIRKEY_INSECURE_QA: '1', PORT: String(port), PHONE_PORT: String(phonePort) });
    let output = '';
    const exited = new Promise<number | null>((resolve) => insecure.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const collect = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Load the extension') && output.split('INSECURE QA MODE').length === 3) resolve();
      };
      insecure.stdout.on('data', collect);
      insecure.stderr.on('data', collect);
      void exited.then((code) => reject(new Error(`exited early (${code}): ${output}`)));
    });
    expect(output).toContain('!!  INSECURE QA MODE: THIS SERVER IS DELIBERATELY VULNERABLE');
    expect(output).toContain('  - QA_ORIGIN_CHECK=off');
    insecure.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000); // two tsx start-ups
});
