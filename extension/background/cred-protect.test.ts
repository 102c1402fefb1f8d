// credProtect inputs as Chromium judges them (PROTECTION_POLICY_INCONSISTENT → NotSupportedError),
// and a policy the site enforces, which Pairkey's phones cannot apply.
import { describe, expect, it } from 'vitest';
import { validateCreationOptions } from '../../shared/webauthn/options.ts';
import { checkCredProtect } from './cred-protect.ts';

const options = (extensions: Record<string, unknown>, authenticatorSelection: Record<string, unknown> = {}) =>
  validateCreationOptions({
    rp: { name: 'x' },
    user: { id: new Uint8Array(16), name: 'a', displayName: 'A' },
    challenge: new Uint8Array(32),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection,
    extensions,
  });
const judge = (...args: Parameters<typeof options>) => {
  try {
    checkCredProtect(options(...args));
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
};

describe('checkCredProtect', () => {
  it('refuses inconsistent policies with NotSupportedError, as Chromium', () => {
    // The corpus case: UV required for the credential, but the call only prefers UV.
    expect(judge({ credentialProtectionPolicy: 'userVerificationRequired', enforceCredentialProtectionPolicy: true })).toBe('NotSupportedError');
    expect(judge({ credentialProtectionPolicy: 'userVerificationRequired' })).toBe('NotSupportedError');
    expect(judge({ enforceCredentialProtectionPolicy: true })).toBe('NotSupportedError');
    expect(judge({ credentialProtectionPolicy: 'userVerificationOptional' })).toBe('NotSupportedError');
    expect(judge({ credentialProtectionPolicy: 'userVerificationOptional', enforceCredentialProtectionPolicy: true }, { residentKey: 'required' })).toBe('NotSupportedError');
  });

  it('lets consistent policies through, and refuses one the site enforces (the phone cannot apply it)', () => {
    expect(judge({})).toBe('ok');
    expect(judge({ credentialProtectionPolicy: 'userVerificationOptional' }, { residentKey: 'required' })).toBe('ok');
    expect(judge({ credentialProtectionPolicy: 'userVerificationOptionalWithCredentialIDList' })).toBe('ok');
    expect(judge({ credentialProtectionPolicy: 'userVerificationRequired' }, { userVerification: 'required' })).toBe('ok');
    expect(judge({ credentialProtectionPolicy: 'userVerificationRequired', enforceCredentialProtectionPolicy: true }, { userVerification: 'required' })).toBe('NotAllowedError');
  });
});
