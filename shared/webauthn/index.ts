// Public API of the WebAuthn client helpers (used by the extension background and the phone).
export {
  COSE_ALG_ES256,
  COSE_ALG_RS256,
  OPTION_LIMITS,
  validateCreationOptions,
  validateRequestOptions,
  type AttestationConveyancePreference,
  type AuthenticatorAttachment,
  type AuthenticatorSelection,
  type AuthenticatorTransport,
  type CreationOptions,
  type CredentialDescriptor,
  type CredentialParameters,
  type PublicKeyCredentialHint,
  type RequestOptions,
  type ResidentKeyRequirement,
  type UserVerificationRequirement,
} from './options.ts';
export {
  authenticationResponseFromJSON,
  creationOptionsFromJSON,
  creationOptionsToJSON,
  registrationResponseFromJSON,
  requestOptionsFromJSON,
  requestOptionsToJSON,
  type AuthenticationResponseJSON,
  type AuthenticatorAssertionResponseJSON,
  type AuthenticatorAttestationResponseJSON,
  type Base64URLString,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialDescriptorJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from './json.ts';
export {
  buildClientDataJSON,
  ccdToString,
  parseClientDataJSON,
  type ClientDataInput,
  type ClientDataType,
  type ParsedClientData,
} from './client-data.ts';
export { isPotentiallyTrustworthyOrigin, resolveRpId } from './rp-id.ts';
