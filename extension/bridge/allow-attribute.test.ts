import { describe, expect, it } from 'vitest';
import { allowAttributeGrants } from './allow-attribute.ts';

const TOP = 'https://top.example';
const CHILD = 'https://child.example';
const SRC = 'https://child.example/login';

describe('allowAttributeGrants', () => {
  it.each([
    ['publickey-credentials-get *', true],
    ['publickey-credentials-get', true], // no allowlist: 'src'
    ["publickey-credentials-get 'src'", true],
    ['publickey-credentials-get https://child.example', true],
    ["camera 'none'; publickey-credentials-get https://other.example https://child.example", true],
    ['', false],
    ['camera *', false],
    ['publickey-credentials-create *', false], // the other feature
    ["publickey-credentials-get 'none'", false],
    ["publickey-credentials-get 'self'", false], // 'self' is the embedding page
    ['publickey-credentials-get https://other.example', false],
  ])('%j → %s', (allow, expected) => {
    expect(allowAttributeGrants(allow, 'publickey-credentials-get', CHILD, SRC, TOP)).toBe(expected);
  });

  it("'src' follows the iframe's src, so a frame that navigated elsewhere is not granted", () => {
    expect(allowAttributeGrants('publickey-credentials-get', 'publickey-credentials-get', 'https://elsewhere.example', SRC, TOP)).toBe(false);
  });

  it("'self' grants a child of the embedding page's own origin", () => {
    expect(allowAttributeGrants("publickey-credentials-create 'self'", 'publickey-credentials-create', TOP, `${TOP}/frame`, TOP)).toBe(true);
  });
});
