// Public API of the authenticator core (used by the virtual phone and the phone web app).
export { CborError, cborDecode, cborDecodeFirst, cborEncode, type CborLimits } from './cbor.ts';
export {
  assertP256Point,
  COSE_ALG_ES256,
  coseKeyFromP256,
  coseToRawP256,
  coseToSpki,
  parseCoseKey,
  rawP256ToSpki,
  type CoseEc2Key,
} from './cose.ts';
export {
  aaguidFromString,
  aaguidToString,
  encodeAuthenticatorData,
  FLAG_AT,
  FLAG_BE,
  FLAG_BS,
  FLAG_ED,
  FLAG_UP,
  FLAG_UV,
  PAIRKEY_AAGUID,
  PAIRKEY_AAGUID_STRING,
  parseAuthenticatorData,
  rpIdHash,
  type AttestedCredentialData,
  type AuthenticatorDataInput,
  type ParsedAuthenticatorData,
} from './auth-data.ts';
export {
  attestationFormatFor,
  buildAttestationObject,
  noneAttestationObject,
  packedSelfAttestationObject,
  parseAttestationObject,
  type AttestationConveyance,
  type AttestationFormat,
  type ParsedAttestationObject,
} from './attestation.ts';
export {
  generateNobleP256Key,
  generateWebCryptoP256Key,
  nobleP256KeyFromPrivate,
  webCryptoP256Key,
  type SigningKey,
} from './keys.ts';
export { MemoryCredentialStore, type CredentialStore, type StoredCredential } from './store.ts';
export {
  Authenticator,
  type Approval,
  type AuthenticatorOptions,
  type CredentialParameter,
  type CredentialRef,
  type GetAssertionInput,
  type GetAssertionResult,
  type MakeCredentialInput,
  type MakeCredentialResult,
  type Requirement,
} from './core.ts';
