import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const userPresence = misbehaviourCheck({
  id: 'user-presence',
  title: 'An assertion without user presence is refused',
  requirement: 'WebAuthn L3 §7.2 step 16 (UP flag)',
  mode: 'up-false',
  ceremony: 'sign-in',
  credential: 'any',
  wrong: 'with the user-present (UP) flag clear',
});
