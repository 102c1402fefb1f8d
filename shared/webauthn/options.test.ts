import { describe, expect, it } from 'vitest';
import { WebAuthnError } from '../errors.ts';
import { OPTION_LIMITS, validateCreationOptions, validateRequestOptions } from './options.ts';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

function creation(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rp: { id: 'example.com', name: 'Example' },
    user: { id: bytes(16), name: 'alice', displayName: 'Alice' },
    challenge: bytes(32, 2),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    ...over,
  };
}

function request(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { challenge: bytes(32, 2), ...over };
}

function errorOf(fn: () => unknown): WebAuthnError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebAuthnError);
    return err as WebAuthnError;
  }
  throw new Error('expected a WebAuthnError');
}

function expectTypeError(fn: () => unknown, path: string): void {
  const err = errorOf(fn);
  expect(err.errorName).toBe('TypeError');
  expect(err.message).toContain(path);
}

describe('validateCreationOptions: defaults', () => {
  it('applies the spec defaults', () => {
    const o = validateCreationOptions(creation());
    expect(o).toEqual({
      rp: { id: 'example.com', name: 'Example' },
      user: { id: bytes(16), name: 'alice', displayName: 'Alice' },
      challenge: bytes(32, 2),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'discouraged', requireResidentKey: false, userVerification: 'preferred' },
      hints: [],
      attestation: 'none',
      extensions: {},
    });
    expect('timeout' in o).toBe(false);
  });

  it('empty pubKeyCredParams means ES256 then RS256', () => {
    expect(validateCreationOptions(creation({ pubKeyCredParams: [] })).pubKeyCredParams).toEqual([
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -257 },
    ]);
  });

  it('derives residentKey from requireResidentKey only when residentKey is absent or unknown', () => {
    const rk = (sel: unknown) => validateCreationOptions(creation({ authenticatorSelection: sel })).authenticatorSelection;
    expect(rk({ requireResidentKey: true })).toMatchObject({ residentKey: 'required', requireResidentKey: true });
    expect(rk({ requireResidentKey: false })).toMatchObject({ residentKey: 'discouraged', requireResidentKey: false });
    expect(rk({ residentKey: 'preferred', requireResidentKey: true })).toMatchObject({ residentKey: 'preferred', requireResidentKey: false });
    expect(rk({ residentKey: 'required' })).toMatchObject({ residentKey: 'required', requireResidentKey: true });
    expect(rk({ residentKey: 'bogus', requireResidentKey: true })).toMatchObject({ residentKey: 'required' });
    expect(rk({ userVerification: 'required', authenticatorAttachment: 'cross-platform' })).toEqual({
      residentKey: 'discouraged',
      requireResidentKey: false,
      userVerification: 'required',
      authenticatorAttachment: 'cross-platform',
    });
  });

  it('ignores unknown enum values, hints, transports, descriptor types and members', () => {
    const o = validateCreationOptions(
      creation({
        attestation: 'fancy',
        authenticatorSelection: { userVerification: 'always', authenticatorAttachment: 'roaming' },
        hints: ['hybrid', 'carrier-pigeon', 'hybrid', 'security-key'],
        excludeCredentials: [
          { type: 'public-key', id: bytes(16, 3), transports: ['usb', 'teleport', 'hybrid'] },
          { type: 'future-key', id: bytes(16, 4) },
        ],
        somethingNew: { x: 1 },
      }),
    );
    expect(o.attestation).toBe('none');
    expect(o.authenticatorSelection.userVerification).toBe('preferred');
    expect(o.authenticatorSelection.authenticatorAttachment).toBeUndefined();
    expect(o.hints).toEqual(['hybrid', 'security-key']);
    expect(o.excludeCredentials).toEqual([{ type: 'public-key', id: bytes(16, 3), transports: ['usb', 'hybrid'] }]);
    expect('somethingNew' in o).toBe(false);
  });

  it('tolerates alg as a numeric string and skips entries of unknown type', () => {
    const o = validateCreationOptions(
      creation({ pubKeyCredParams: [{ type: 'public-key', alg: '-7' }, { type: 'password', alg: -7 }, { type: 'public-key', alg: ' -257 ' }] }),
    );
    expect(o.pubKeyCredParams).toEqual([
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -257 },
    ]);
  });

  it('NotSupportedError when no entry of a supported type remains', () => {
    const err = errorOf(() => validateCreationOptions(creation({ pubKeyCredParams: [{ type: 'password', alg: -7 }] })));
    expect(err.errorName).toBe('NotSupportedError');
  });

  it('accepts short challenges (browsers do not enforce 16 bytes) and keeps the timeout', () => {
    const o = validateCreationOptions(creation({ challenge: bytes(1), timeout: 60000.7 }));
    expect(o.challenge.length).toBe(1);
    expect(o.timeout).toBe(60000);
    expect(validateCreationOptions(creation({ timeout: '30000' })).timeout).toBe(30000);
  });

  it('accepts an empty challenge and an empty user.id, as Chromium does (L3 says TypeError for the user.id)', () => {
    const o = validateCreationOptions(creation({ challenge: bytes(0), user: { id: bytes(0), name: 'a', displayName: 'b' } }));
    expect(o.challenge.length).toBe(0);
    expect(o.user.id.length).toBe(0);
    expect(validateRequestOptions(request({ challenge: bytes(0) })).challenge.length).toBe(0);
  });

  it('accepts user.id of 1 and 64 bytes, and copies binary input', () => {
    expect(validateCreationOptions(creation({ user: { id: bytes(1), name: '', displayName: '' } })).user.id.length).toBe(1);
    const id = bytes(64);
    const o = validateCreationOptions(creation({ user: { id, name: 'a', displayName: 'b' } }));
    id[0] = 99;
    expect(o.user.id[0]).toBe(1);
  });

  it('passes extensions through', () => {
    const o = validateCreationOptions(creation({ extensions: { credProps: true, prf: { eval: { first: bytes(32) } } } }));
    expect(o.extensions).toEqual({ credProps: true, prf: { eval: { first: bytes(32) } } });
  });
});

describe('validateCreationOptions: TypeError cases', () => {
  const u = { id: bytes(16), name: 'alice', displayName: 'Alice' };
  it.each<[string, unknown, string]>([
    ['options not an object', 'nope', 'options'],
    ['options missing', undefined, 'options'],
    ['rp missing', creation({ rp: undefined }), 'rp'],
    ['rp not an object', creation({ rp: 'example.com' }), 'rp'],
    ['rp.name missing', creation({ rp: { id: 'example.com' } }), 'rp.name'],
    ['rp.name not a string', creation({ rp: { name: 5 } }), 'rp.name'],
    ['rp.id not a string', creation({ rp: { name: 'x', id: 5 } }), 'rp.id'],
    ['user missing', creation({ user: undefined }), 'user'],
    ['user.id missing', creation({ user: { name: 'a', displayName: 'b' } }), 'user.id'],
    ['user.id an ArrayBuffer', creation({ user: { ...u, id: new ArrayBuffer(8) } }), 'user.id'],
    ['user.id a string', creation({ user: { ...u, id: 'abc' } }), 'user.id'],
    ['user.id a number[]', creation({ user: { ...u, id: [1, 2, 3] } }), 'user.id'],
    ['user.id 65 bytes', creation({ user: { ...u, id: bytes(65) } }), 'user.id'],
    ['user.name missing', creation({ user: { id: bytes(8), displayName: 'b' } }), 'user.name'],
    ['user.displayName missing', creation({ user: { id: bytes(8), name: 'a' } }), 'user.displayName'],
    ['user.displayName not a string', creation({ user: { ...u, displayName: null } }), 'user.displayName'],
    ['challenge missing', creation({ challenge: undefined }), 'challenge'],
    ['challenge not bytes', creation({ challenge: 'AAAA' }), 'challenge'],
    ['pubKeyCredParams missing', creation({ pubKeyCredParams: undefined }), 'pubKeyCredParams'],
    ['pubKeyCredParams not an array', creation({ pubKeyCredParams: { type: 'public-key', alg: -7 } }), 'pubKeyCredParams'],
    ['pubKeyCredParams entry not an object', creation({ pubKeyCredParams: [-7] }), 'pubKeyCredParams[0]'],
    ['alg missing', creation({ pubKeyCredParams: [{ type: 'public-key' }] }), 'pubKeyCredParams[0].alg'],
    ['alg non-numeric string', creation({ pubKeyCredParams: [{ type: 'public-key', alg: 'ES256' }] }), 'pubKeyCredParams[0].alg'],
    ['alg out of long range', creation({ pubKeyCredParams: [{ type: 'public-key', alg: 2 ** 40 }] }), 'pubKeyCredParams[0].alg'],
    ['type missing', creation({ pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { alg: -7 }] }), 'pubKeyCredParams[1].type'],
    ['excludeCredentials not an array', creation({ excludeCredentials: 'x' }), 'excludeCredentials'],
    ['descriptor id missing', creation({ excludeCredentials: [{ type: 'public-key' }] }), 'excludeCredentials[0].id'],
    ['descriptor id not bytes', creation({ excludeCredentials: [{ type: 'public-key', id: 'abc' }] }), 'excludeCredentials[0].id'],
    ['descriptor type missing', creation({ excludeCredentials: [{ id: bytes(16) }] }), 'excludeCredentials[0].type'],
    ['transports not an array', creation({ excludeCredentials: [{ type: 'public-key', id: bytes(16), transports: 'usb' }] }), 'excludeCredentials[0].transports'],
    ['transport not a string', creation({ excludeCredentials: [{ type: 'public-key', id: bytes(16), transports: [1] }] }), 'excludeCredentials[0].transports[0]'],
    ['authenticatorSelection not an object', creation({ authenticatorSelection: 'platform' }), 'authenticatorSelection'],
    ['timeout not a number', creation({ timeout: 'soon' }), 'timeout'],
    ['timeout negative', creation({ timeout: -1 }), 'timeout'],
    ['hints not an array', creation({ hints: 'hybrid' }), 'hints'],
    ['hint not a string', creation({ hints: [1] }), 'hints[0]'],
    ['extensions not an object', creation({ extensions: 'credProps' }), 'extensions'],
  ])('%s', (_name, input, path) => {
    expectTypeError(() => validateCreationOptions(input), path);
  });

  it('caps the size of excludeCredentials', () => {
    const many = Array.from({ length: OPTION_LIMITS.descriptorBytes / 1000 + 1 }, () => ({ type: 'public-key', id: bytes(1000) }));
    expectTypeError(() => validateCreationOptions(creation({ excludeCredentials: many })), 'excludeCredentials');
    const fits = many.slice(0, 60);
    expect(validateCreationOptions(creation({ excludeCredentials: fits })).excludeCredentials.length).toBe(60);
  });

  it('caps string lengths and challenge size', () => {
    expectTypeError(() => validateCreationOptions(creation({ rp: { name: 'x'.repeat(OPTION_LIMITS.stringLength + 1) } })), 'rp.name');
    expectTypeError(() => validateCreationOptions(creation({ challenge: bytes(OPTION_LIMITS.challengeBytes + 1) })), 'challenge');
  });
});

describe('validateRequestOptions', () => {
  it('applies defaults', () => {
    expect(validateRequestOptions(request())).toEqual({
      challenge: bytes(32, 2),
      allowCredentials: [],
      userVerification: 'preferred',
      hints: [],
      extensions: {},
    });
  });

  it('keeps rpId, timeout, allowCredentials and a known userVerification', () => {
    const o = validateRequestOptions(
      request({
        rpId: 'example.com',
        timeout: 1000,
        userVerification: 'required',
        allowCredentials: [{ type: 'public-key', id: bytes(16), transports: ['hybrid'] }, { type: 'other', id: bytes(16) }],
      }),
    );
    expect(o).toMatchObject({ rpId: 'example.com', timeout: 1000, userVerification: 'required' });
    expect(o.allowCredentials).toEqual([{ type: 'public-key', id: bytes(16), transports: ['hybrid'] }]);
    expect(validateRequestOptions(request({ userVerification: 'sometimes' })).userVerification).toBe('preferred');
  });

  it.each<[string, unknown, string]>([
    ['options not an object', 42, 'options'],
    ['challenge missing', {}, 'challenge'],
    ['challenge an ArrayBuffer', request({ challenge: new ArrayBuffer(16) }), 'challenge'],
    ['rpId not a string', request({ rpId: 1 }), 'rpId'],
    ['allowCredentials not an array', request({ allowCredentials: {} }), 'allowCredentials'],
    ['descriptor id missing', request({ allowCredentials: [{ type: 'public-key' }] }), 'allowCredentials[0].id'],
    ['descriptor id not bytes', request({ allowCredentials: [{ type: 'public-key', id: [1, 2] }] }), 'allowCredentials[0].id'],
    ['timeout not a number', request({ timeout: {} }), 'timeout'],
  ])('TypeError: %s', (_name, input, path) => {
    expectTypeError(() => validateRequestOptions(input), path);
  });

  it('caps the size of allowCredentials', () => {
    const many = Array.from({ length: 70 }, () => ({ type: 'public-key', id: bytes(1000) }));
    expectTypeError(() => validateRequestOptions(request({ allowCredentials: many })), 'allowCredentials');
  });
});
