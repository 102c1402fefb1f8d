import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PrfSyntaxError, prfCreateInputs, prfGetInputs } from './prf.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
/** §10.1.4: SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input), computed independently with node:crypto. */
const salt = (text: string) => createHash('sha256').update(Buffer.concat([Buffer.from('WebAuthn PRF'), Buffer.from([0]), Buffer.from(text)])).digest('base64url');

describe('PRF inputs', () => {
  it('hashes the salts as the spec says, so the phone never sees the raw inputs', () => {
    expect(prfCreateInputs({ eval: { first: bytes('a'), second: bytes('b') } })).toEqual({ eval: { first: salt('a'), second: salt('b') } });
    expect(prfCreateInputs({})).toEqual({});
    expect(prfCreateInputs(undefined)).toBeNull();
  });

  it('refuses evalByCredential at registration (NotSupportedError) and non-bytes (TypeError)', () => {
    expect(() => prfCreateInputs({ evalByCredential: {} })).toThrow(expect.objectContaining({ name: 'NotSupportedError' }));
    expect(() => prfCreateInputs({ eval: { first: 'text' } })).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });

  it('keeps evalByCredential entries for allowed credentials, keyed by canonical base64url', () => {
    expect(prfGetInputs({ eval: { first: bytes('x') }, evalByCredential: { AQID: { first: bytes('y') } } }, ['AQID'])).toEqual({
      eval: { first: salt('x') },
      evalByCredential: { AQID: { first: salt('y') } },
    });
  });

  it('gives SyntaxError for keys outside allowCredentials or not base64url, NotSupportedError without allowCredentials', () => {
    expect(() => prfGetInputs({ evalByCredential: { BBBB: { first: bytes('y') } } }, ['AQID'])).toThrow(PrfSyntaxError);
    expect(() => prfGetInputs({ evalByCredential: { 'a+b/': { first: bytes('y') } } }, ['AQID'])).toThrow(PrfSyntaxError);
    expect(() => prfGetInputs({ evalByCredential: { AQID: { first: bytes('y') } } }, [])).toThrow(expect.objectContaining({ name: 'NotSupportedError' }));
  });
});
