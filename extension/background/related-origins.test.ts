// Related origin requests (WebAuthn L3 §5.11), judged as Chromium's RemoteValidation judges them:
// the JSON rules and label limit, and the fetch's rules against a real local HTTP server.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relatedCheckApplies } from '../../shared/webauthn/rp-id.ts';
import { fetchWellKnown, judgeWellKnown, resolveRpIdOrRelated, WELL_KNOWN_MAX_BYTES } from './related-origins.ts';

const list = (...origins: unknown[]) => JSON.stringify({ origins });

describe('judgeWellKnown', () => {
  it('allows an origin the list names, exactly (scheme, host, port)', () => {
    expect(judgeWellKnown('https://shop.example', list('https://shop.example'))).toBe('allowed');
    expect(judgeWellKnown('https://shop.example', list('https://shop.example:443/'))).toBe('allowed');
    expect(judgeWellKnown('https://shop.example', list('http://shop.example'))).toBe('no-match');
    expect(judgeWellKnown('https://shop.example', list('https://shop.example:8443'))).toBe('no-match');
    expect(judgeWellKnown('https://a.shop.example', list('https://shop.example'))).toBe('no-match');
  });

  it('refuses what is not a JSON object with an `origins` list of strings', () => {
    for (const body of ['[]', '{}', '{"foo":"bar"}', '{"origins":"x"}', 'not json', '{"origins":[1]}']) {
      expect(judgeWellKnown('https://shop.example', body)).toBe('parse-error');
    }
    expect(judgeWellKnown('https://shop.example', list())).toBe('no-match');
  });

  it('skips entries that are no URL or have no registrable domain', () => {
    expect(judgeWellKnown('https://shop.example', list('::', 'https://com', 'https://127.0.0.1', 'https://shop.example'))).toBe('allowed');
  });

  it('stops at the sixth distinct registrable-domain label, as Chromium (kMaxLabels = 5)', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((l) => `https://${l}.com`);
    expect(judgeWellKnown('https://shop.example', list(...five, 'https://shop.example'))).toBe('no-match-hit-limits');
    // Labels, not domains: shop.co.uk shares "shop" with shop.example, so it is no new label.
    expect(judgeWellKnown('https://shop.example', list('https://shop.co.uk', ...five.slice(0, 4), 'https://shop.example'))).toBe('allowed');
    expect(judgeWellKnown('https://e.com', list(...five))).toBe('allowed');
  });
});

describe('relatedCheckApplies', () => {
  it('only for an https caller and a good RP ID of another site', () => {
    expect(relatedCheckApplies('https://shop.example', 'rp.example')).toBe(true);
    expect(relatedCheckApplies('https://shop.example', 'RP.example')).toBe(false);
    expect(relatedCheckApplies('https://shop.example', 'com')).toBe(false);
    expect(relatedCheckApplies('https://shop.example', '127.0.0.1')).toBe(false);
    expect(relatedCheckApplies('https://shop.example', 'github.io')).toBe(false);
    expect(relatedCheckApplies('http://localhost:3000', 'rp.example')).toBe(false);
  });
});

describe('fetchWellKnown and resolveRpIdOrRelated against a real server', () => {
  let server: Server;
  let base = '';
  const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
    'good.example': (res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(list('https://shop.example')),
    'text.example': (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(list('https://shop.example')),
    'moved.example': (res) => res.writeHead(302, { location: '/elsewhere' }).end(),
    'missing.example': (res) => res.writeHead(404).end(),
    'huge.example': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(list('https://shop.example', 'x'.repeat(WELL_KNOWN_MAX_BYTES))),
  };
  const seen: { url: string; cookie?: string }[] = [];
  // The fetch goes to https://<rpId>/...; the test sends it to the local server, host in the path.
  const fetcher: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    return fetch(`${base}/${url.hostname}${url.pathname}`, init);
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const host = (req.url ?? '').split('/')[1] ?? '';
      seen.push({ url: req.url ?? '', ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}) });
      const route = routes[host];
      if (route && req.url === `/${host}/.well-known/webauthn`) route(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(list('https://shop.example'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('takes the body only when served as application/json, 2xx, unredirected, within the cap', async () => {
    expect(await fetchWellKnown('good.example', fetcher)).toBe(list('https://shop.example'));
    expect(await fetchWellKnown('text.example', fetcher)).toBeNull();
    expect(await fetchWellKnown('moved.example', fetcher)).toBeNull();
    expect(await fetchWellKnown('missing.example', fetcher)).toBeNull();
    expect(await fetchWellKnown('huge.example', fetcher)).toBeNull();
    expect(seen.some((s) => s.url === '/moved.example/elsewhere')).toBe(false);
    expect(seen.every((s) => s.cookie === undefined)).toBe(true);
  });

  it('accepts another site\'s RP ID only when its list names the caller', async () => {
    await expect(resolveRpIdOrRelated('https://shop.example', 'good.example', fetcher)).resolves.toEqual({ rpId: 'good.example', via: 'related-origins' });
    await expect(resolveRpIdOrRelated('https://other.example', 'good.example', fetcher)).rejects.toMatchObject({ name: 'SecurityError' });
    await expect(resolveRpIdOrRelated('https://shop.example', 'text.example', fetcher)).rejects.toMatchObject({ name: 'SecurityError' });
    // The caller's own domain needs no fetch.
    const before = seen.length;
    await expect(resolveRpIdOrRelated('https://login.shop.example', 'shop.example', fetcher)).resolves.toEqual({ rpId: 'shop.example', via: 'origin' });
    await expect(resolveRpIdOrRelated('https://shop.example', 'GOOD.example', fetcher)).rejects.toMatchObject({ name: 'SecurityError' });
    expect(seen.length).toBe(before);
  });
});
