import { describe, expect, it } from 'vitest';
import { WebAuthnError } from '../errors.ts';
import { isPotentiallyTrustworthyOrigin, resolveRpId } from './rp-id.ts';

function expectSecurityError(origin: string, rpId: string | undefined): void {
  let caught: unknown;
  try {
    resolveRpId(origin, rpId);
  } catch (err) {
    caught = err;
  }
  expect(caught, `${origin} / ${String(rpId)}`).toBeInstanceOf(WebAuthnError);
  expect((caught as WebAuthnError).errorName).toBe('SecurityError');
}

describe('resolveRpId', () => {
  it.each<[string, string | undefined, string]>([
    ['https://login.example.com', 'example.com', 'example.com'],
    ['https://login.example.com', 'login.example.com', 'login.example.com'],
    ['https://login.example.com', undefined, 'login.example.com'],
    ['https://example.com:8443', 'example.com', 'example.com'],
    ['https://a.b.example.co.uk', 'example.co.uk', 'example.co.uk'],
    ['https://a.b.example.co.uk', 'b.example.co.uk', 'b.example.co.uk'],
    ['https://user.github.io', 'user.github.io', 'user.github.io'],
    ['https://Login.Example.COM', 'example.com', 'example.com'],
    ['https://xn--bcher-kva.de', 'xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['http://localhost', undefined, 'localhost'],
    ['http://localhost:3000', 'localhost', 'localhost'],
    ['https://localhost', 'localhost', 'localhost'],
    ['http://sub.localhost:8080', undefined, 'sub.localhost'],
    ['http://sub.localhost', 'sub.localhost', 'sub.localhost'],
    ['http://sub.localhost', 'localhost', 'localhost'],
  ])('%s with rpId %s → %s', (origin, rpId, expected) => {
    expect(resolveRpId(origin, rpId)).toBe(expected);
  });

  it.each<[string, string, string | undefined]>([
    ['an uppercase RP ID (Chromium: SecurityError)', 'https://login.example.com', 'EXAMPLE.com'],
    ['a Unicode RP ID instead of punycode (Chromium: SecurityError)', 'https://xn--bcher-kva.de', 'bücher.de'],
    ['a public suffix (com)', 'https://example.com', 'com'],
    ['a public suffix (co.uk)', 'https://example.co.uk', 'co.uk'],
    ['a private-section public suffix (github.io)', 'https://user.github.io', 'github.io'],
    ['an origin that is itself a public suffix', 'https://github.io', undefined],
    ['another registrable domain', 'https://login.example.com', 'example.org'],
    ['a sibling subdomain', 'https://login.example.com', 'other.example.com'],
    ['a longer, unrelated domain', 'https://example.com', 'login.example.com'],
    ['a suffix that is not on a label boundary', 'https://notexample.com', 'example.com'],
    ['an IPv4 origin', 'https://127.0.0.1', undefined],
    ['an IPv4 origin with rpId', 'https://192.168.1.10', '192.168.1.10'],
    ['an IPv6 origin', 'https://[::1]', undefined],
    ['an http origin that is not localhost', 'http://example.com', undefined],
    ['an http origin with a localhost-looking name', 'http://localhost.example.com', undefined],
    ['an opaque origin', 'null', undefined],
    ['a non-http scheme', 'ftp://example.com', undefined],
    ['a file URL', 'file:///etc/passwd', undefined],
    ['a URL rather than an origin', 'https://example.com/path', 'example.com'],
    ['an rpId with a path', 'https://example.com', 'example.com/evil'],
    ['an rpId with userinfo', 'https://example.com', 'evil.com@example.com'],
    ['an rpId with a port', 'https://example.com', 'example.com:443'],
    ['an empty rpId', 'https://example.com', ''],
    ['a trailing-dot rpId', 'https://example.com', 'example.com.'],
    ['a single-label host', 'https://intranet', undefined],
  ])('SecurityError for %s', (_name, origin, rpId) => {
    expectSecurityError(origin, rpId);
  });
});

describe('isPotentiallyTrustworthyOrigin', () => {
  it.each<[string, boolean]>([
    ['https://example.com', true],
    ['wss://example.com', true],
    ['http://localhost:3000', true],
    ['http://sub.localhost', true],
    ['http://127.0.0.1:8080', true],
    ['http://127.8.9.1', true],
    ['http://[::1]:80', true],
    ['http://example.com', false],
    ['http://10.0.0.1', false],
    ['null', false],
    ['data:text/html,hi', false],
    ['not a url', false],
  ])('%s → %s', (origin, expected) => {
    expect(isPotentiallyTrustworthyOrigin(origin)).toBe(expected);
  });
});
