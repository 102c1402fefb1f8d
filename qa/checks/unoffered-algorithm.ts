import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const unofferedAlgorithm = misbehaviourCheck({
  id: 'unoffered-algorithm',
  title: 'A credential with an algorithm the site did not offer is not registered',
  requirement: 'WebAuthn L3 §7.1 step 20 (alg in pubKeyCredParams)',
  mode: 'unoffered-alg',
  ceremony: 'registration',
  credential: 'any',
  wrong: 'with a public key of an algorithm the site did not offer',
});
