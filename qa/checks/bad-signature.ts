import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const badSignature = misbehaviourCheck({
  id: 'bad-signature',
  title: 'An assertion with a bad signature is refused',
  requirement: 'WebAuthn L3 §7.2 step 21 (assertion signature)',
  mode: 'bad-signature',
  ceremony: 'sign-in',
  credential: 'any',
  wrong: 'with a signature over other bytes',
});
