// A passkey signs in on its own, so it must verify the user (PIN, biometrics): it is then a
// multi-factor authenticator. Without UV it is one factor only.
import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const userVerification = misbehaviourCheck({
  id: 'user-verification',
  title: 'A passkey sign-in without user verification is refused',
  requirement: 'WebAuthn L3 §7.2 step 17 (UV flag); SP 800-63B §5.1.9.1 (multi-factor cryptographic device)',
  mode: 'uv-false',
  ceremony: 'sign-in',
  credential: 'passkey',
  wrong: 'with the user-verified (UV) flag clear',
});
