import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const backupEligibility = misbehaviourCheck({
  id: 'backup-eligibility',
  title: 'A credential whose backup eligibility changed is refused',
  requirement: 'WebAuthn L3 §7.2 steps 18-19 (BE and BS flags)',
  mode: 'be-bs-flip',
  ceremony: 'sign-in',
  credential: 'any',
  wrong: 'with its backup-eligible (BE) flag flipped since registration',
});
