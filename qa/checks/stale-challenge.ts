// The phone replays its previous answer: a signature over an earlier challenge.
import { misbehaviourCheck } from './support/misbehaviour-check.ts';

export const staleChallenge = misbehaviourCheck({
  id: 'stale-challenge',
  title: 'A replayed assertion for an earlier challenge is refused',
  requirement: 'WebAuthn L3 §7.2 steps 11 and 21 (challenge, signature); SP 800-63B §5.2.8 (replay resistance)',
  mode: 'stale-challenge-replay',
  ceremony: 'sign-in',
  credential: 'any',
  wrong: 'with its previous answer again (made for an earlier challenge)',
});
