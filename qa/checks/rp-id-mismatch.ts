// An answer made for another RP ID must not sign in here. The extension, like a browser, never
// lets a page ask for a foreign RP ID, so the phone sends the wrong rpIdHash itself.
import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const rpIdMismatch = misbehaviourCheck({
  id: 'rp-id-mismatch',
  title: 'An assertion for another RP ID is refused',
  requirement: 'WebAuthn L3 §7.2 step 15 (rpIdHash)',
  mode: 'wrong-rp-id-hash',
  ceremony: 'sign-in',
  credential: 'any',
  wrong: 'with the rpIdHash of another RP ID',
});
