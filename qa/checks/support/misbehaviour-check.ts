// The shape shared by the checks that make the phone answer wrongly in one way: the site must
// refuse that answer, after an honest answer from the same phone worked.
import type { MisbehaviourMode } from '../../phone.ts';
import type { Check } from '../types.ts';
import { createAccount, newAccount, valuesOf } from './account.ts';
import { submitForm } from './form.ts';
import { judgedStep, refused, type Judge } from './expect.ts';
import { accountWithCredential, credentialAccountUse, requireRoute, signInWith, webauthnRoute } from './webauthn-route.ts';

export interface MisbehaviourCheckSpec {
  id: string;
  title: string;
  requirement: string;
  mode: MisbehaviourMode;
  /** Which ceremony the wrong answer is given in. */
  ceremony: 'sign-in' | 'registration';
  /** 'passkey': the requirement is about passkeys (e.g. user verification when signing in alone). */
  credential: 'passkey' | 'any';
  /** What the phone's answer does wrong, completing "a sign-in / registration …". */
  wrong: string;
  /** The site may hold the wrong answer against the credential (a flagged key): the account is used up. */
  spendsAccount?: boolean;
}

/**
 * `judge`, once the phone's last answer is known to carry `mode`: a mode that cannot apply makes
 * the phone answer UnknownError instead, and a site refusing that proves nothing.
 */
function carrying(mode: MisbehaviourMode, judge: Judge): Judge {
  return (ctx, outcome) => {
    const answer = ctx.phone.answers().at(-1);
    if (!answer?.misbehaved.includes(mode)) {
      throw new Error(`The phone did not send the ${mode} answer (${answer?.error ?? 'it answered nothing'}), so the outcome proves nothing`);
    }
    judge(ctx, outcome);
  };
}

export function misbehaviourCheck(spec: MisbehaviourCheckSpec): Check {
  return {
    id: spec.id,
    title: spec.title,
    requirement: spec.requirement,
    unsupported: (profile) => {
      const found = webauthnRoute(profile, spec.credential);
      return typeof found === 'string' ? found : null;
    },
    account: (profile) => {
      if (spec.ceremony === 'sign-in') return credentialAccountUse(profile, spec.credential, spec.spendsAccount);
      const found = webauthnRoute(profile, spec.credential);
      // A passkey-only site's registration is the sign-up of a new user: no account to give.
      if (typeof found === 'string' || found.registersAtSignUp) return null;
      return { from: ['password-only'], leaves: 'password-only', changes: `tries to add a ${found.kind} (the site must refuse it)` };
    },
    run: async (ctx) => {
      const via = requireRoute(ctx.profile, spec.credential);
      if (spec.ceremony === 'registration') {
        // On a passkey-only site the registration is the sign-up itself, of an account not made yet.
        const account = via.registersAtSignUp ? newAccount(ctx.profile) : await createAccount(ctx);
        ctx.phone.misbehave(spec.mode);
        try {
          await judgedStep(
            ctx,
            `Add a ${via.kind} while the phone answers ${spec.wrong}`,
            () => submitForm(ctx, via.addForm, valuesOf(account)),
            carrying(spec.mode, refused(`a registration ${spec.wrong}`)),
          );
        } finally {
          ctx.phone.behave();
        }
        return;
      }
      const account = await accountWithCredential(ctx, via);
      ctx.phone.misbehave(spec.mode);
      try {
        await signInWith(ctx, via, account, `Sign in with the ${via.kind} while the phone answers ${spec.wrong}`, carrying(spec.mode, refused(`a sign-in ${spec.wrong}`)));
      } finally {
        ctx.phone.behave();
      }
    },
  };
}
