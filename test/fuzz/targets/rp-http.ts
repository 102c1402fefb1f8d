// HTTP bodies of the relying party's JSON routes, through the real Fastify app and SQLite: any
// body a browser, a script or an attacker sends is answered with 2xx or a 4xx `{ error }`,
// never a 500, and the server keeps serving. Routes are read from Fastify's route table, so new
// ones are fuzzed without anyone updating a list.
import fc from 'fast-check';
import { buildServers, type Servers } from '../../../harness-server/app.ts';
import { createCredential, softwareAuthenticator } from '../../../harness-server/testing/webauthn-client.ts';
import { TestBrowser, testConfig } from '../../../harness-server/testing/servers.ts';
import { apiRoutes, BODY_METHODS, type RouteInfo } from '../../security/support/api-routes.ts';
import {
  FAST_SCRYPT,
  LOAD_ENV,
  PASSKEY_VERIFY,
  passkeyAccount,
  passkeyAssertion,
  TEST_PASSWORD,
  TEST_RP_ORIGIN,
  type PasskeyAccount,
} from '../../security/support/rp-flows.ts';
import { mutatedB64Member, mutatedJsonText } from '../support/arbitraries.ts';
import { invariant } from '../support/oracle.ts';
import { defineGroup } from '../support/registry.ts';

/** Who sends a fuzzed request: a visitor or a signed-in browser (with or without its CSRF token), a forger. */
interface Sender {
  cookies: Record<string, string>;
  headers: Record<string, string>;
  /** How often, relative to the others: most requests should get past the CSRF check. */
  weight: number;
}

interface RpContext {
  servers: Servers;
  routes: RouteInfo[];
  reads: RouteInfo[];
  senders: Sender[];
  /** Bodies the RP accepted in the journey above: the best starting points for mutation. */
  templates: unknown[];
  /** An account only the ceremony target uses, so fuzzed passwords never lock it out. */
  ceremonies: { browser: TestBrowser; account: PasskeyAccount };
}

const OTHER_CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
];

const GENERIC_TEMPLATES: unknown[] = [
  {},
  { username: 'alice', password: TEST_PASSWORD },
  { code: '123456' },
  { token: 'AAAA' },
  { name: 'x', enforce: true },
  { password: TEST_PASSWORD, proof: { type: 'otp', code: '123456' } },
];

const rawBodies = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constantFrom('', '{', '{"a":', 'null', '"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '\u0000', 'x'.repeat(70 * 1024)),
);

async function signedIn(servers: Servers, username: string): Promise<{ browser: TestBrowser; account: PasskeyAccount }> {
  const browser = new TestBrowser(servers.main);
  const account = await passkeyAccount(browser, username);
  return { browser, account };
}

async function setup(): Promise<RpContext> {
  const servers = await buildServers(testConfig(LOAD_ENV), { rp: { scrypt: FAST_SCRYPT } });
  const routes = apiRoutes(servers.main, BODY_METHODS);
  const reads = apiRoutes(servers.main, ['GET']);
  if (routes.length === 0 || reads.length === 0) throw new Error('No API routes found: did the route table format change?');
  const fuzzer = await signedIn(servers, 'fuzzer');
  const cookies = Object.fromEntries(fuzzer.browser.cookies);
  const csrf = { 'x-csrf-token': fuzzer.browser.csrfToken! };
  const visitor = new TestBrowser(servers.main);
  const visitorCsrf = { 'x-csrf-token': (await visitor.get<{ token: string }>('/api/csrf')).body.token };
  const visitorCookies = Object.fromEntries(visitor.cookies);
  return {
    servers,
    // Signing the fuzzer out would leave the signed-in senders signed out for the rest of the run.
    routes: routes.filter((r) => r.url !== '/api/signout'),
    reads,
    senders: [
      { cookies: visitorCookies, headers: visitorCsrf, weight: 3 },
      { cookies, headers: csrf, weight: 4 },
      { cookies: {}, headers: {}, weight: 1 },
      { cookies, headers: {}, weight: 1 },
      { cookies: { pk_session: 'forged', pk_ceremony: 'forged', pk_csrf: 'forged', pk_signin: 'forged' }, headers: { 'x-csrf-token': 'forged' }, weight: 1 },
    ],
    templates: [...GENERIC_TEMPLATES, ...fuzzer.account.bodies],
    ceremonies: await signedIn(servers, 'ceremonies'),
  };
}

export const rpHttpGroup = defineGroup<RpContext>({
  name: 'Relying party JSON routes (harness-server, via fastify.inject)',
  setup,
  teardown: async ({ servers }) => {
    await Promise.all([servers.main.close(), servers.phone.close()]);
  },
  targets: [
    {
      name: 'every API route answers any body with 2xx or a 4xx JSON error, never 5xx',
      cost: 'costly',
      property: (c) =>
        fc.asyncProperty(
          fc.constantFrom(...c.routes),
          fc.oneof({ arbitrary: fc.constantFrom(...c.templates).chain((t) => mutatedJsonText(t)), weight: 3 }, { arbitrary: rawBodies, weight: 2 }),
          fc.oneof({ arbitrary: fc.constant('application/json'), weight: 6 }, { arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES), weight: 2 }),
          fc.oneof(...c.senders.map((sender) => ({ arbitrary: fc.constant(sender), weight: sender.weight }))),
          async (route, payload, contentType, sender) => {
            const response = await c.servers.main.inject({
              method: route.method,
              url: route.url,
              payload,
              cookies: sender.cookies,
              headers: { ...sender.headers, ...(contentType === '' ? {} : { 'content-type': contentType }) },
            });
            const where = `${route.method} ${route.url} (${contentType || 'no content type'})`;
            invariant(response.statusCode < 500, `${where} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
            if (response.statusCode >= 400) {
              const body = response.json<{ error?: unknown }>();
              invariant(typeof body.error === 'string' && body.error.length > 0, `${where} answered ${response.statusCode} without { error }`);
            }
            return true;
          },
        ),
    },
    {
      name: 'forged cookies never sign anyone in nor break a read route',
      cost: 'costly',
      property: (c) =>
        fc.asyncProperty(fc.constantFrom(...c.reads), fc.string({ unit: 'binary' }), fc.string(), async (route, session, other) => {
          const cookies = { pk_session: session, pk_ceremony: other, pk_signin: other, pk_csrf: other };
          const response = await c.servers.main.inject({ method: route.method, url: route.url, cookies });
          invariant(response.statusCode < 500, `${route.method} ${route.url} with forged cookies answered ${response.statusCode}`);
          const me = await c.servers.main.inject({ method: 'GET', url: '/api/me', cookies });
          invariant(me.statusCode === 401, `a forged session cookie got /api/me ${me.statusCode}`);
          return true;
        }),
    },
    {
      name: 'passkey registration and sign-in refuse damaged authenticator responses with a 4xx',
      cost: 'costly',
      property: (c) =>
        fc.asyncProperty(fc.boolean(), fc.integer(), async (registration, salt) => {
          let route: string;
          let genuine: unknown;
          let browser: TestBrowser;
          if (registration) {
            browser = c.ceremonies.browser;
            const options = await browser.post('/api/keys/options', { password: TEST_PASSWORD, kind: 'passkey' });
            invariant(options.status === 200, `key options answered ${options.status}`);
            const credential = await createCredential(softwareAuthenticator(), options.body as Parameters<typeof createCredential>[1], TEST_RP_ORIGIN);
            route = '/api/keys/verify';
            genuine = { name: 'Fuzzed key', credential };
          } else {
            browser = new TestBrowser(c.servers.main);
            genuine = await passkeyAssertion(browser, c.ceremonies.account.authenticator);
            route = PASSKEY_VERIFY;
          }
          // A fresh mutation per run, seeded by fast-check so a failure replays.
          const damage = fc.oneof(mutatedJsonText(genuine), mutatedB64Member(genuine).map((doc) => JSON.stringify(doc)));
          const [damaged] = fc.sample(damage, { numRuns: 1, seed: salt });
          const response = await browser.request('POST', route, damaged, { 'content-type': 'application/json' });
          invariant(response.status < 500, `${route} answered ${response.status} to ${damaged!.slice(0, 300)}`);
          return true;
        }),
    },
  ],
});
