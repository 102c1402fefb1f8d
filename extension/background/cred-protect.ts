// The credProtect extension's inputs (`credentialProtectionPolicy`, `enforceCredentialProtectionPolicy`;
// CTAP 2.1 §12.1), judged as Chromium's AuthenticatorCommonImpl::MakeCredential judges them before any
// authenticator is asked. Pairkey's phones do not apply credProtect, so a policy the site insists on
// (enforce) cannot be met: that ends as when no authenticator can satisfy the call.
import { WebAuthnError } from '../../shared/errors.ts';
import type { CreationOptions } from '../../shared/webauthn/options.ts';

type Policy = 'none' | 'uv-or-cred-id' | 'uv-required';

const POLICIES: Record<string, Policy> = {
  userVerificationOptional: 'none',
  userVerificationOptionalWithCredentialIDList: 'uv-or-cred-id',
  userVerificationRequired: 'uv-required',
};

export function checkCredProtect(options: CreationOptions): void {
  const e = options.extensions;
  const policy = typeof e.credentialProtectionPolicy === 'string' ? POLICIES[e.credentialProtectionPolicy] : undefined;
  const enforce = e.enforceCredentialProtectionPolicy === true;
  const residentKey = options.authenticatorSelection.residentKey === 'required';
  const inconsistent =
    // Insisting on the default policy (or on none) makes no sense.
    (enforce && (policy === undefined || policy === 'none')) ||
    // For a credential that need not be discoverable, "none" makes no sense.
    (!residentKey && policy === 'none') ||
    // Requiring UV for the credential only makes sense when the call requires UV.
    (policy === 'uv-required' && options.authenticatorSelection.userVerification !== 'required');
  if (inconsistent) {
    // Chromium's PROTECTION_POLICY_INCONSISTENT, with its message.
    throw new WebAuthnError('NotSupportedError', 'Requested protection policy is inconsistent or incongruent with other requested parameters.');
  }
  if (enforce && policy !== undefined) {
    throw new WebAuthnError('NotAllowedError', 'The phone cannot apply the credential protection policy the site requires.');
  }
}
