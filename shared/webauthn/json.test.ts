import { generateAuthenticationOptions, generateRegistrationOptions } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { toB64url } from '../bytes.ts';
import { WebAuthnError } from '../errors.ts';
import {
  authenticationResponseFromJSON,
  creationOptionsFromJSON,
  creationOptionsToJSON,
  registrationResponseFromJSON,
  requestOptionsFromJSON,
  requestOptionsToJSON,
  type PublicKeyCredentialCreationOptionsJSON,
} from './json.ts';
import { validateCreationOptions, validateRequestOptions } from './options.ts';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

function typeErrorOf(fn: () => unknown): WebAuthnError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebAuthnError);
    expect((err as WebAuthnError).errorName).toBe('TypeError');
    return err as WebAuthnError;
  }
  throw new Error('expected a TypeError');
}

const creationJSON: PublicKeyCredentialCreationOptionsJSON = {
  rp: { id: 'example.com', name: 'Example' },
  user: { id: toB64url(bytes(16)), name: 'alice', displayName: 'Alice' },
  challenge: toB64url(bytes(32, 2)),
  pubKeyCredParams: [
    { type: 'public-key', alg: -7 },
    { type: 'public-key', alg: -257 },
  ],
  timeout: 60000,
  excludeCredentials: [{ type: 'public-key', id: toB64url(bytes(32, 3)), transports: ['hybrid', 'internal'] }],
  authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  hints: ['hybrid'],
  attestation: 'direct',
  extensions: { credProps: true },
};

describe('creation options JSON', () => {
  it('decodes base64url members into the native shape', () => {
    const o = creationOptionsFromJSON(creationJSON);
    expect(o.user.id).toEqual(bytes(16));
    expect(o.challenge).toEqual(bytes(32, 2));
    expect(o.excludeCredentials[0]!.id).toEqual(bytes(32, 3));
    expect(o.authenticatorSelection.residentKey).toBe('required');
    expect(o.attestation).toBe('direct');
  });

  it('round-trips JSON → native → JSON unchanged for normalised input', () => {
    expect(creationOptionsToJSON(creationOptionsFromJSON(creationJSON))).toEqual(creationJSON);
  });

  it('round-trips native → JSON → native', () => {
    const native = validateCreationOptions({
      rp: { name: 'No id' },
      user: { id: bytes(3), name: 'u', displayName: '' },
      challenge: bytes(20, 9),
      pubKeyCredParams: [],
      extensions: { prf: { eval: { first: bytes(32, 5) } } },
    });
    const json = creationOptionsToJSON(native);
    expect(json.extensions).toEqual({ prf: { eval: { first: toB64url(bytes(32, 5)) } } });
    expect(creationOptionsFromJSON(json)).toEqual(native);
  });

  it('accepts what @simplewebauthn/server generates', async () => {
    const json = await generateRegistrationOptions({
      rpName: 'Example',
      rpID: 'example.com',
      userName: 'alice',
      userID: bytes(16, 7),
      challenge: bytes(32, 8),
      excludeCredentials: [{ id: toB64url(bytes(32, 4)), transports: ['usb'] }],
    });
    const o = creationOptionsFromJSON(json);
    expect(o.user.id).toEqual(bytes(16, 7));
    expect(o.challenge).toEqual(bytes(32, 8));
    expect(o.pubKeyCredParams.map((p) => p.alg)).toContain(-7);
    expect(o.excludeCredentials).toEqual([{ type: 'public-key', id: bytes(32, 4), transports: ['usb'] }]);
  });

  it('tolerates alg as a numeric string and fills defaults', () => {
    const o = creationOptionsFromJSON({
      rp: { name: 'x' },
      user: { id: 'AQ', name: 'a', displayName: 'b' },
      challenge: 'AQID',
      pubKeyCredParams: [{ type: 'public-key', alg: '-7' }],
    });
    expect(o.pubKeyCredParams).toEqual([{ type: 'public-key', alg: -7 }]);
    expect(o.attestation).toBe('none');
    expect(o.authenticatorSelection.userVerification).toBe('preferred');
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'x', ''],
    ['missing challenge', { ...creationJSON, challenge: undefined }, 'challenge'],
    ['challenge with standard-base64 characters', { ...creationJSON, challenge: 'ab+/' }, 'challenge'],
    ['challenge with padding', { ...creationJSON, challenge: 'AQ==' }, 'challenge'],
    ['challenge of impossible length', { ...creationJSON, challenge: 'AAAAA' }, 'challenge'],
    ['user.id not base64url', { ...creationJSON, user: { ...creationJSON.user, id: 'a b' } }, 'user.id'],
    ['user.id as bytes instead of a string', { ...creationJSON, user: { ...creationJSON.user, id: bytes(4) } }, 'user.id'],
    ['user.id too long after decoding', { ...creationJSON, user: { ...creationJSON.user, id: toB64url(bytes(65)) } }, 'user.id'],
    ['missing rp.name', { ...creationJSON, rp: { id: 'example.com' } }, 'rp.name'],
    ['excluded id not base64url', { ...creationJSON, excludeCredentials: [{ type: 'public-key', id: '!!' }] }, 'excludeCredentials.0.id'],
    ['excluded id of impossible length', { ...creationJSON, excludeCredentials: [{ type: 'public-key', id: 'A' }] }, 'excludeCredentials[0].id'],
    ['pubKeyCredParams missing', { ...creationJSON, pubKeyCredParams: undefined }, 'pubKeyCredParams'],
    ['timeout as an object', { ...creationJSON, timeout: {} }, 'timeout'],
    ['prf eval not base64url', { ...creationJSON, extensions: { prf: { eval: { first: '+' } } } }, 'extensions.prf.eval.first'],
  ])('TypeError for %s', (_name, input, path) => {
    const err = typeErrorOf(() => creationOptionsFromJSON(input));
    expect(err.message).toContain(path);
  });
});

describe('request options JSON', () => {
  const requestJSON = {
    challenge: toB64url(bytes(32, 2)),
    timeout: 30000,
    rpId: 'example.com',
    allowCredentials: [{ type: 'public-key' as const, id: toB64url(bytes(32, 3)), transports: ['hybrid'] }],
    userVerification: 'required' as const,
    hints: ['security-key'],
    extensions: {},
  };

  it('round-trips both ways', () => {
    const native = requestOptionsFromJSON(requestJSON);
    expect(native.allowCredentials[0]!.id).toEqual(bytes(32, 3));
    expect(requestOptionsToJSON(native)).toEqual(requestJSON);
    const minimal = validateRequestOptions({ challenge: bytes(16) });
    expect(requestOptionsFromJSON(requestOptionsToJSON(minimal))).toEqual(minimal);
  });

  it('accepts what @simplewebauthn/server generates', async () => {
    const json = await generateAuthenticationOptions({
      rpID: 'example.com',
      allowCredentials: [{ id: toB64url(bytes(32, 4)) }],
      userVerification: 'required',
    });
    const o = requestOptionsFromJSON(json);
    expect(o.rpId).toBe('example.com');
    expect(o.allowCredentials[0]!.id).toEqual(bytes(32, 4));
    expect(o.userVerification).toBe('required');
  });

  it.each<[string, unknown, string]>([
    ['missing challenge', {}, 'challenge'],
    ['bad challenge', { challenge: '***' }, 'challenge'],
    ['allowCredentials not an array', { challenge: 'AAAA', allowCredentials: 'x' }, 'allowCredentials'],
    ['allowed id missing', { challenge: 'AAAA', allowCredentials: [{ type: 'public-key' }] }, 'allowCredentials.0.id'],
    ['rpId not a string', { challenge: 'AAAA', rpId: 7 }, 'rpId'],
  ])('TypeError for %s', (_name, input, path) => {
    expect(typeErrorOf(() => requestOptionsFromJSON(input)).message).toContain(path);
  });
});

describe('credential response JSON validators', () => {
  const registration = {
    id: toB64url(bytes(32)),
    rawId: toB64url(bytes(32)),
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: { credProps: { rk: true } },
    response: {
      clientDataJSON: toB64url(bytes(10)),
      attestationObject: toB64url(bytes(10)),
      authenticatorData: toB64url(bytes(37)),
      publicKey: toB64url(bytes(91)),
      publicKeyAlgorithm: -7,
      transports: ['hybrid'],
    },
  };
  const authentication = {
    id: toB64url(bytes(32)),
    rawId: toB64url(bytes(32)),
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toB64url(bytes(10)),
      authenticatorData: toB64url(bytes(37)),
      signature: toB64url(bytes(70)),
      userHandle: toB64url(bytes(4)),
    },
  };

  it('accept well-formed responses', () => {
    expect(registrationResponseFromJSON(registration)).toBe(registration);
    expect(authenticationResponseFromJSON(authentication)).toBe(authentication);
    const { userHandle: _omit, ...noHandle } = authentication.response;
    expect(authenticationResponseFromJSON({ ...authentication, response: noHandle })).toBeDefined();
  });

  it.each<[string, unknown]>([
    ['missing attestationObject', { ...registration, response: { ...registration.response, attestationObject: undefined } }],
    ['missing transports', { ...registration, response: { ...registration.response, transports: undefined } }],
    ['non-integer publicKeyAlgorithm', { ...registration, response: { ...registration.response, publicKeyAlgorithm: '-7' } }],
    ['wrong type', { ...registration, type: 'password' }],
    ['bad attachment', { ...registration, authenticatorAttachment: 'usb' }],
    ['id not base64url', { ...registration, id: 'a+b' }],
    ['rawId of impossible length', { ...registration, rawId: 'AAAAA' }],
    ['missing clientExtensionResults', { ...registration, clientExtensionResults: undefined }],
  ])('registration: TypeError for %s', (_name, input) => {
    typeErrorOf(() => registrationResponseFromJSON(input));
  });

  it.each<[string, unknown]>([
    ['missing signature', { ...authentication, response: { ...authentication.response, signature: undefined } }],
    ['userHandle null', { ...authentication, response: { ...authentication.response, userHandle: null } }],
    ['signature of impossible length', { ...authentication, response: { ...authentication.response, signature: 'A' } }],
    ['not an object', null],
  ])('authentication: TypeError for %s', (_name, input) => {
    typeErrorOf(() => authenticationResponseFromJSON(input));
  });
});
