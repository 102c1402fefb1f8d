import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../bytes.ts';
import { WebAuthnError } from '../errors.ts';
import { buildClientDataJSON, ccdToString, parseClientDataJSON } from './client-data.ts';

const challenge = Uint8Array.from({ length: 16 }, (_, i) => i); // base64url AAECAwQFBgcICQoLDA0ODw

describe('buildClientDataJSON', () => {
  it('matches a browser-produced webauthn.get clientDataJSON byte for byte', () => {
    const expected = '{"type":"webauthn.get","challenge":"AAECAwQFBgcICQoLDA0ODw","origin":"https://example.com","crossOrigin":false}';
    const built = buildClientDataJSON({ type: 'webauthn.get', challenge, origin: 'https://example.com', crossOrigin: false });
    expect(built).toEqual(utf8Encode(expected));
  });

  it('matches the webauthn.create form with a port in the origin', () => {
    const built = buildClientDataJSON({ type: 'webauthn.create', challenge, origin: 'http://localhost:8080', crossOrigin: false });
    expect(utf8Decode(built)).toBe(
      '{"type":"webauthn.create","challenge":"AAECAwQFBgcICQoLDA0ODw","origin":"http://localhost:8080","crossOrigin":false}',
    );
  });

  it('appends topOrigin only when crossOrigin is true', () => {
    const cross = buildClientDataJSON({ type: 'webauthn.get', challenge, origin: 'https://a.example', crossOrigin: true, topOrigin: 'https://top.example' });
    expect(utf8Decode(cross)).toBe(
      '{"type":"webauthn.get","challenge":"AAECAwQFBgcICQoLDA0ODw","origin":"https://a.example","crossOrigin":true,"topOrigin":"https://top.example"}',
    );
    const same = buildClientDataJSON({ type: 'webauthn.get', challenge, origin: 'https://a.example', crossOrigin: false, topOrigin: 'https://a.example' });
    expect(utf8Decode(same)).not.toContain('topOrigin');
  });

  it('uses CCDToString escaping (\\u00XX, not JSON short forms) and stays valid JSON', () => {
    expect(ccdToString('a"b\\c\n\t\u0001\u007fé😀')).toBe('"a\\"b\\\\c\\u000a\\u0009\\u0001\u007fé😀"');
    const odd = 'https://x.example"\n';
    const built = buildClientDataJSON({ type: 'webauthn.get', challenge, origin: odd, crossOrigin: false });
    expect(JSON.parse(utf8Decode(built)).origin).toBe(odd);
  });
});

describe('parseClientDataJSON', () => {
  it('round-trips what buildClientDataJSON makes', () => {
    const built = buildClientDataJSON({ type: 'webauthn.create', challenge, origin: 'https://example.com', crossOrigin: true, topOrigin: 'https://top.example' });
    expect(parseClientDataJSON(built)).toEqual({
      type: 'webauthn.create',
      challenge,
      origin: 'https://example.com',
      crossOrigin: true,
      topOrigin: 'https://top.example',
    });
  });

  it('accepts extra members browsers add', () => {
    const text = '{"type":"webauthn.get","challenge":"AAECAwQFBgcICQoLDA0ODw","origin":"https://example.com","crossOrigin":false,"other_keys_can_be_added_here":"x"}';
    expect(parseClientDataJSON(utf8Encode(text)).origin).toBe('https://example.com');
  });

  it.each([
    ['not JSON', '{"type":'],
    ['not an object', '[1,2]'],
    ['an unknown type', '{"type":"payment.get","challenge":"AAAA","origin":"https://e.com"}'],
    ['a missing challenge', '{"type":"webauthn.get","origin":"https://e.com"}'],
    ['a padded challenge', '{"type":"webauthn.get","challenge":"AAECAw==","origin":"https://e.com"}'],
    ['an impossible base64url length', '{"type":"webauthn.get","challenge":"AAECA","origin":"https://e.com"}'],
    ['a missing origin', '{"type":"webauthn.get","challenge":"AAAA"}'],
    ['a string crossOrigin', '{"type":"webauthn.get","challenge":"AAAA","origin":"https://e.com","crossOrigin":"false"}'],
    ['topOrigin without crossOrigin', '{"type":"webauthn.get","challenge":"AAAA","origin":"https://e.com","crossOrigin":false,"topOrigin":"https://t.com"}'],
  ])('rejects %s with TypeError', (_name, text) => {
    expect(() => parseClientDataJSON(utf8Encode(text))).toThrow(WebAuthnError);
    try {
      parseClientDataJSON(utf8Encode(text));
    } catch (err) {
      expect((err as WebAuthnError).errorName).toBe('TypeError');
    }
  });

  it('rejects invalid UTF-8', () => {
    expect(() => parseClientDataJSON(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/UTF-8/);
  });
});
