// The WebAuthn client codec: options and responses as a page (or an RP's JSON) hands them over,
// client data as the phone reads it back, and the rpId rule that scopes every credential.
import fc from 'fast-check';
import { parse as parseDomain } from 'tldts';
import { toB64url, utf8Encode } from '../../../shared/bytes.ts';
import {
  authenticationResponseFromJSON,
  buildClientDataJSON,
  creationOptionsFromJSON,
  creationOptionsToJSON,
  parseClientDataJSON,
  registrationResponseFromJSON,
  requestOptionsFromJSON,
  requestOptionsToJSON,
  resolveRpId,
  validateCreationOptions,
  validateRequestOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '../../../shared/webauthn/index.ts';
import { anyBytes, anyText, anyValue, mutatedBytes, mutatedValue, withOwnMember } from '../support/arbitraries.ts';
import { cleanly, invariant, webAuthnError } from '../support/oracle.ts';
import { stateless } from '../support/registry.ts';

const b64 = (length: number, fill: number) => toB64url(new Uint8Array(length).fill(fill));

const creationJSON: PublicKeyCredentialCreationOptionsJSON = {
  rp: { id: 'example.com', name: 'Example' },
  user: { id: b64(16, 1), name: 'alice', displayName: 'Alice' },
  challenge: b64(32, 2),
  pubKeyCredParams: [
    { type: 'public-key', alg: -7 },
    { type: 'public-key', alg: -257 },
  ],
  timeout: 60_000,
  excludeCredentials: [{ type: 'public-key', id: b64(32, 3), transports: ['hybrid', 'internal'] }],
  authenticatorSelection: { authenticatorAttachment: 'cross-platform', residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  hints: ['hybrid'],
  attestation: 'direct',
  attestationFormats: ['packed'],
  extensions: { credProps: true, prf: { eval: { first: b64(32, 4), second: b64(32, 5) } }, largeBlob: { write: b64(8, 6) } },
};

const requestJSON: PublicKeyCredentialRequestOptionsJSON = {
  challenge: b64(32, 7),
  timeout: 30_000,
  rpId: 'example.com',
  allowCredentials: [{ type: 'public-key', id: b64(32, 3), transports: ['hybrid'] }],
  userVerification: 'preferred',
  hints: ['security-key'],
  extensions: { prf: { evalByCredential: { [b64(32, 3)]: { first: b64(32, 8) } } } },
};

const registrationResponse = {
  id: b64(32, 3),
  rawId: b64(32, 3),
  type: 'public-key',
  authenticatorAttachment: 'cross-platform',
  clientExtensionResults: { credProps: { rk: true } },
  response: {
    clientDataJSON: toB64url(utf8Encode('{"type":"webauthn.create","challenge":"AAAA","origin":"https://example.com","crossOrigin":false}')),
    authenticatorData: b64(164, 9),
    transports: ['hybrid'],
    publicKey: b64(91, 10),
    publicKeyAlgorithm: -7,
    attestationObject: b64(200, 11),
  },
};

const authenticationResponse = {
  id: b64(32, 3),
  rawId: b64(32, 3),
  type: 'public-key',
  clientExtensionResults: {},
  response: {
    clientDataJSON: toB64url(utf8Encode('{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.com","crossOrigin":false}')),
    authenticatorData: b64(37, 12),
    signature: b64(71, 13),
    userHandle: b64(16, 1),
  },
};

const typeErrors = webAuthnError('TypeError', 'NotSupportedError');

/** Anything a page could pass, or a valid document with a few members broken. */
const hostile = (base: unknown) => fc.oneof({ arbitrary: mutatedValue(base), weight: 4 }, { arbitrary: anyValue, weight: 1 });

function checkCreation(input: unknown): boolean {
  const outcome = cleanly(() => creationOptionsFromJSON(input), typeErrors);
  if (!outcome.ok) return true;
  const o = outcome.value;
  invariant(Object.getPrototypeOf(o.extensions) === Object.prototype, 'the extensions object has the plain prototype');
  // Empty user.id and challenge are accepted, as Chromium does (docs/extension.md, Conformance).
  invariant(o.user.id.length <= 64, 'user.id is at most 64 bytes');
  invariant(o.pubKeyCredParams.length > 0 && o.pubKeyCredParams.every((p) => p.type === 'public-key'), 'only public-key parameters remain');
  // Normalised options survive a second trip unchanged: the extension may re-encode them.
  const again = creationOptionsFromJSON(creationOptionsToJSON(o));
  invariant(JSON.stringify(creationOptionsToJSON(again)) === JSON.stringify(creationOptionsToJSON(o)), 'JSON round trip is stable');
  return true;
}

function checkRequest(input: unknown): boolean {
  const outcome = cleanly(() => requestOptionsFromJSON(input), typeErrors);
  if (!outcome.ok) return true;
  const o = outcome.value;
  invariant(Object.getPrototypeOf(o.extensions) === Object.prototype, 'the extensions object has the plain prototype');
  invariant(o.challenge instanceof Uint8Array, 'the challenge is bytes (empty is accepted, as Chromium does)');
  invariant(o.allowCredentials.every((d) => d.type === 'public-key'), 'only public-key descriptors remain');
  const again = requestOptionsFromJSON(requestOptionsToJSON(o));
  invariant(JSON.stringify(requestOptionsToJSON(again)) === JSON.stringify(requestOptionsToJSON(o)), 'JSON round trip is stable');
  return true;
}

/** Hosts under a real public suffix, a private one, localhost, or an IP; origins over several schemes. */
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const suffix = fc.constantFrom('com', 'co.uk', 'github.io', 'localhost', 'blogspot.com', 'example', 'xn--p1ai', 'appspot.com');
const host = fc.oneof(
  { arbitrary: fc.tuple(fc.array(label, { minLength: 0, maxLength: 3 }), suffix).map(([labels, s]) => [...labels, s].join('.')), weight: 6 },
  { arbitrary: fc.constantFrom('127.0.0.1', '[::1]', '0x7f.1', 'xn--nxasmq6b.com', 'EXAMPLE.com', 'example.com.', 'ex ample.com'), weight: 1 },
);
const origin = fc
  .tuple(fc.constantFrom('https://', 'http://', 'ws://', 'chrome-extension://', ''), host, fc.constantFrom('', ':8443', ':0', '/', '/path', '?q', '#f'))
  .map(([scheme, h, tail]) => scheme + h + tail);

export const webauthnGroup = stateless('WebAuthn codec (shared/webauthn)', [
  {
    name: 'creationOptionsFromJSON accepts or refuses with TypeError/NotSupportedError, and normalises stably',
    cost: 'cheap',
    property: () => fc.property(hostile(creationJSON), checkCreation),
  },
  {
    name: 'requestOptionsFromJSON accepts or refuses with TypeError, and normalises stably',
    cost: 'cheap',
    property: () => fc.property(hostile(requestJSON), checkRequest),
  },
  {
    // Once skipped unless PAIRKEY_KNOWN_ISSUES=1 (issue 11): the bug is fixed, the inputs are checked.
    name: 'an own "__proto__" member in any object of the options is accepted or refused like any other member, and normalises stably',
    cost: 'cheap',
    property: () =>
      fc.property(withOwnMember(creationJSON, '__proto__'), withOwnMember(requestJSON, '__proto__'), (creation, request) => checkCreation(creation) && checkRequest(request)),
  },
  {
    name: 'validateCreationOptions / validateRequestOptions on native values from a page',
    cost: 'cheap',
    property: () => {
      const nativeCreation = creationOptionsFromJSON(creationJSON);
      const nativeRequest = requestOptionsFromJSON(requestJSON);
      return fc.property(hostile(nativeCreation), hostile(nativeRequest), (c, r) => {
        cleanly(() => validateCreationOptions(c), typeErrors);
        cleanly(() => validateRequestOptions(r), typeErrors);
        return true;
      });
    },
  },
  {
    name: 'registrationResponseFromJSON / authenticationResponseFromJSON refuse with TypeError only',
    cost: 'cheap',
    property: () =>
      fc.property(hostile(registrationResponse), hostile(authenticationResponse), (reg, auth) => {
        cleanly(() => registrationResponseFromJSON(reg), typeErrors);
        cleanly(() => authenticationResponseFromJSON(auth), typeErrors);
        return true;
      }),
  },
  {
    name: 'parseClientDataJSON refuses damaged client data with TypeError only',
    cost: 'cheap',
    property: () => {
      const valid = buildClientDataJSON({ type: 'webauthn.get', challenge: new Uint8Array(32).fill(1), origin: 'https://example.com', crossOrigin: true, topOrigin: 'https://top.example' });
      return fc.property(fc.oneof(anyBytes(), mutatedBytes(valid)), (bytes) => {
        const outcome = cleanly(() => parseClientDataJSON(bytes), webAuthnError('TypeError'));
        if (outcome.ok) invariant(outcome.value.type === 'webauthn.get' || outcome.value.type === 'webauthn.create', 'a known type');
        return true;
      });
    },
  },
  {
    name: 'buildClientDataJSON output is JSON that parses back to the same fields, for any origin text',
    cost: 'cheap',
    property: () =>
      fc.property(
        fc.constantFrom('webauthn.create' as const, 'webauthn.get' as const),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        anyText({ minLength: 1 }),
        fc.option(anyText(), { nil: undefined }),
        (type, challenge, originText, topOrigin) => {
          const crossOrigin = topOrigin !== undefined;
          const bytes = buildClientDataJSON({ type, challenge, origin: originText, crossOrigin, ...(crossOrigin ? { topOrigin } : {}) });
          const asJson = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
          invariant(asJson.origin === originText && asJson.challenge === toB64url(challenge), 'standard JSON reads the same origin and challenge');
          const parsed = parseClientDataJSON(bytes);
          invariant(parsed.origin === originText && parsed.type === type && parsed.topOrigin === topOrigin, 'fields survive');
          return true;
        },
      ),
  },
  {
    name: 'resolveRpId only ever returns the origin host or a registrable parent of it',
    cost: 'cheap',
    property: () =>
      fc.property(origin, fc.option(fc.oneof(host, fc.string()), { nil: undefined }), (originText, requested) => {
        const outcome = cleanly(() => resolveRpId(originText, requested), webAuthnError('SecurityError'));
        if (!outcome.ok) return true;
        const rpId = outcome.value;
        const originHost = new URL(originText).hostname;
        invariant(rpId === originHost || originHost.endsWith(`.${rpId}`), `${rpId} is ${originHost} or a parent of it`);
        const info = parseDomain(rpId, { allowPrivateDomains: true });
        invariant(rpId === 'localhost' || rpId.endsWith('.localhost') || (info.domain !== null && !info.isIp), `${rpId} is not a public suffix or an IP`);
        return true;
      }),
  },
]);
