// A signature counter that goes backwards is the WebAuthn signal of a cloned authenticator.
import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const signCountRegression = misbehaviourCheck({
  id: 'sign-count-regression',
  title: 'A signature counter that went backwards is refused',
  requirement: 'WebAuthn L3 §7.2 step 22 (signCount); §6.1.1 (signature counter considerations)',
  mode: 'counter-rollback',
  ceremony: 'sign-in',
  credential: 'any',
  wrong: 'with a signature counter lower than the last one it sent',
  spendsAccount: true,
});
