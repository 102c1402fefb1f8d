import { describe, expect, it } from 'vitest';
import { checkAppId } from './appid.ts';

describe('checkAppId', () => {
  it.each([
    ['https://login.example.com', 'https://login.example.com/app-id.json'],
    ['https://login.example.com', 'https://example.com/app-id.json'],
    ['https://login.example.com', 'https://other.login.example.com/facets'],
    ['https://login.example.com', ''],
  ])('%s may claim %j', (origin, appid) => {
    expect(() => checkAppId(origin, appid)).not.toThrow();
  });

  it.each([
    ['another site', 'https://login.example.com', 'https://other.example/app-id.json'],
    ['an http AppID', 'https://login.example.com', 'http://login.example.com/app-id.json'],
    ['a public suffix only', 'https://alice.github.io', 'https://bob.github.io/app-id.json'],
    ['an http page', 'http://localhost:8080', 'https://localhost/app-id.json'],
    ['not a string', 'https://login.example.com', 5],
  ])('refuses %s with SecurityError', (_why, origin, appid) => {
    expect(() => checkAppId(origin, appid)).toThrow(expect.objectContaining({ name: 'SecurityError' }));
  });

  it('refuses a value that is not a URL with SyntaxError (as Chromium)', () => {
    expect(() => checkAppId('https://login.example.com', 'not a url')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
  });
});
