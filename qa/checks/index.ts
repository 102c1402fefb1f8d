// Every check, in the order they run: the working flows first, then what must be refused.
import { backupCodes } from './backup-codes.ts';
import { backupEligibility } from './backup-eligibility.ts';
import { badSignature } from './bad-signature.ts';
import { bruteForce } from './brute-force.ts';
import { challengeExpiry } from './challenge-expiry.ts';
import { disable2faReauth } from './disable-2fa-reauth.ts';
import { originMismatch } from './origin-mismatch.ts';
import { passkeySignIn } from './passkey-sign-in.ts';
import { passwordResetLink } from './password-reset-link.ts';
import { rpIdMismatch } from './rp-id-mismatch.ts';
import { securityKeySecondFactor } from './security-key-second-factor.ts';
import { signCountRegression } from './sign-count-regression.ts';
import { staleChallenge } from './stale-challenge.ts';
import { totpEnrolmentFallback } from './totp-enrolment-fallback.ts';
import { totpReplay } from './totp-replay.ts';
import { unofferedAlgorithm } from './unoffered-algorithm.ts';
import { userPresence } from './user-presence.ts';
import { userVerification } from './user-verification.ts';
import type { Check } from './types.ts';

export const CHECKS: readonly Check[] = [
  passkeySignIn,
  securityKeySecondFactor,
  totpEnrolmentFallback,
  backupCodes,
  totpReplay,
  bruteForce,
  disable2faReauth,
  signCountRegression,
  rpIdMismatch,
  originMismatch,
  badSignature,
  userPresence,
  userVerification,
  backupEligibility,
  staleChallenge,
  unofferedAlgorithm,
  passwordResetLink,
  challengeExpiry,
];

export const CHECK_IDS = CHECKS.map((c) => c.id);
