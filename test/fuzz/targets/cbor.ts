// CBOR and the structures built on it, as the extension and an RP receive them from a phone:
// attestation objects, authenticatorData, COSE keys.
import fc from 'fast-check';
import { p256 } from '@noble/curves/nist.js';
import {
  cborDecode,
  cborEncode,
  coseKeyFromP256,
  encodeAuthenticatorData,
  noneAttestationObject,
  PAIRKEY_AAGUID,
  parseAttestationObject,
  parseAuthenticatorData,
  parseCoseKey,
  rpIdHash,
} from '../../../shared/authenticator/index.ts';
import { anyBytes, anyText, mutatedBytes } from '../support/arbitraries.ts';
import { cborError, cleanly, invariant } from '../support/oracle.ts';
import { stateless } from '../support/registry.ts';

const publicKey = p256.getPublicKey(p256.utils.randomSecretKey(), false);
const coseKey = coseKeyFromP256(publicKey);
const authData = encodeAuthenticatorData({
  rpIdHash: rpIdHash('example.com'),
  userPresent: true,
  userVerified: true,
  backupEligible: true,
  backupState: true,
  signCount: 7,
  attestedCredentialData: { aaguid: PAIRKEY_AAGUID, credentialId: new Uint8Array(32).fill(3), credentialPublicKey: coseKey },
  extensions: new Map<string, unknown>([['credProtect', 2]]),
});
const attestationObject = noneAttestationObject(authData);

/** A value CTAP2 structures could hold: integers, byte and text strings, arrays, Maps. */
const ctapValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.uint8Array({ maxLength: 40 }),
    anyText({ maxLength: 20 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: -100, max: 100 }), fc.string({ maxLength: 6 })), tie('value')), {
        maxLength: 4,
        selector: ([key]) => (typeof key === 'number' ? `n${key}` : `s${key}`),
      })
      .map((entries) => new Map<unknown, unknown>(entries)),
  ),
})).value;

/** Deep equality for decoded CBOR (Maps, byte arrays). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((v, i) => v === b[i]);
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && sameValue(v, b.get(k)));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return Object.is(a, b);
}

function isOnCurve(point: Uint8Array): boolean {
  try {
    p256.Point.fromBytes(point).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/** Nesting far deeper than any WebAuthn structure: arrays of one element, or maps of one entry. */
const deepNesting = fc
  .tuple(fc.integer({ min: 17, max: 200_000 }), fc.constantFrom(0x81, 0xa1))
  .map(([depth, head]) => {
    const bytes = new Uint8Array(head === 0x81 ? depth + 1 : depth * 2 + 1).fill(head);
    if (head === 0xa1) for (let i = 0; i < depth; i++) bytes[i * 2 + 1] = 0x01; // key 1, then the next map
    bytes[bytes.length - 1] = 0x00;
    return bytes;
  });

export const cborGroup = stateless('CBOR, authenticatorData, attestation objects and COSE keys (shared/authenticator)', [
  {
    name: 'cborDecode refuses random and damaged input with CborError only',
    cost: 'cheap',
    property: () =>
      fc.property(fc.oneof(anyBytes(64 * 1024), mutatedBytes(attestationObject), deepNesting), (bytes) => {
        cleanly(() => cborDecode(bytes), cborError);
        return true;
      }),
  },
  {
    name: 'cborDecode(cborEncode(v)) gives back v for every CTAP2-shaped value',
    cost: 'cheap',
    property: () =>
      fc.property(ctapValue, (value) => {
        invariant(sameValue(cborDecode(cborEncode(value)), value), 'round trip');
        return true;
      }),
  },
  {
    name: 'parseAuthenticatorData refuses damaged authenticatorData with CborError only',
    cost: 'cheap',
    property: () =>
      fc.property(fc.oneof(anyBytes(), mutatedBytes(authData)), (bytes) => {
        const outcome = cleanly(() => parseAuthenticatorData(bytes), cborError);
        if (outcome.ok) {
          const parsed = outcome.value;
          invariant(((parsed.flags & 0x40) !== 0) === (parsed.attestedCredentialData !== undefined), 'AT flag ⇔ attested credential data');
          invariant(((parsed.flags & 0x80) !== 0) === (parsed.extensions !== undefined), 'ED flag ⇔ extensions');
          invariant(!parsed.backupState || parsed.backupEligible, 'BS implies BE');
        }
        return true;
      }),
  },
  {
    name: 'parseAttestationObject refuses damaged attestation objects with CborError only',
    cost: 'cheap',
    property: () =>
      fc.property(fc.oneof(anyBytes(), mutatedBytes(attestationObject)), (bytes) => {
        const outcome = cleanly(() => parseAttestationObject(bytes), cborError);
        if (outcome.ok) cleanly(() => parseAuthenticatorData(outcome.value.authData), cborError);
        return true;
      }),
  },
  {
    name: 'parseCoseKey accepts only P-256 points on the curve (and Ed25519/RSA keys it checks), refusing the rest with CborError',
    cost: 'cheap',
    property: () =>
      fc.property(fc.oneof(anyBytes(), mutatedBytes(coseKey)), (bytes) => {
        const outcome = cleanly(() => parseCoseKey(bytes), cborError);
        if (outcome.ok && outcome.value.kty === 2) {
          const { x, y } = outcome.value;
          const point = new Uint8Array([0x04, ...x, ...y]);
          invariant(isOnCurve(point), 'the point is on P-256');
        }
        return true;
      }),
  },
]);
