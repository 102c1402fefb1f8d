// The text of every email the RP sends. Plain text only: links are the whole point of most
// of them and a plain message cannot hide where a link goes.

export interface Email {
  subject: string;
  body: string;
}

const when = (ms: number): string => new Date(ms).toUTCString();
const signature = (site: string): string => `\n\n— ${site}\n`;

export const emails = {
  verifyEmail: (site: string, username: string, link: string): Email => ({
    subject: `Verify your email address for ${site}`,
    body:
      `Hello ${username},\n\nconfirm that this is your email address by opening this link (valid for 24 hours):\n\n${link}\n\n` +
      'Two-factor authentication can be turned on once your address is verified.' +
      signature(site),
  }),

  factorChanged: (site: string, username: string, change: string, at: number): Email => ({
    subject: `Security alert: ${change}`,
    body:
      `Hello ${username},\n\n${change} on your ${site} account at ${when(at)}.\n\n` +
      'If this was not you, sign in, review the Security page and its activity log, and remove what you do not recognise.' +
      signature(site),
  }),

  accountLocked: (site: string, username: string, failures: number, until: number): Email => ({
    subject: `Your ${site} account is temporarily locked`,
    body:
      `Hello ${username},\n\nafter ${failures} failed sign-in attempts in a row, sign-in to your account is paused until ${when(until)}.\n\n` +
      'If this was not you, someone may know your password: change it once you are back in.' +
      signature(site),
  }),

  confirmRecovery: (site: string, username: string, link: string, waitText: string): Email => ({
    subject: `Confirm the two-factor reset of your ${site} account`,
    body:
      `Hello ${username},\n\nsomeone who knows your password asked to reset two-factor authentication because every second factor was lost.\n\n` +
      `To confirm, open this link within one hour:\n\n${link}\n\n` +
      `For your security the reset takes effect ${waitText} after confirmation. If this was not you, ignore this email and change your password.` +
      signature(site),
  }),

  invitation: (site: string, username: string, org: string, by: string, enforce2fa: boolean, link: string, expiresAt: number): Email => ({
    subject: `${by} invited you to join ${org} on ${site}`,
    body:
      `Hello ${username},\n\n${by} invited you to join the organisation ${org}. ` +
      'Nothing changes for your account unless you accept: until then its admin cannot see your account or its settings.\n\n' +
      (enforce2fa ? `${org} requires two-factor authentication of its members: accepting means you must set it up.\n\n` : '') +
      `To accept or decline, sign in and open your Teams page (the invitation is valid until ${when(expiresAt)}):\n\n${link}\n\n` +
      'If you do not know this organisation, decline it or simply ignore this email.' +
      signature(site),
  }),

  passwordChanged: (site: string, username: string, at: number, how: 'changed' | 'reset', recoveryCancelled: boolean): Email => ({
    subject: `Your ${site} password was changed`,
    body:
      `Hello ${username},\n\nthe password of your ${site} account was ${how === 'reset' ? 'reset through an emailed link' : 'changed'} at ${when(at)}. ` +
      'Every other signed-in browser was signed out.' +
      (recoveryCancelled ? ' A pending two-factor reset was cancelled.' : '') +
      '\n\nIf this was not you, reset your password now from the sign-in page and review the activity log on the Security page.' +
      signature(site),
  }),

  passwordReset: (site: string, username: string, link: string): Email => ({
    subject: `Reset your ${site} password`,
    body:
      `Hello ${username},\n\nsomeone asked to reset the password of your account. To choose a new password, open this link within one hour (it works once):\n\n${link}\n\n` +
      'Every signed-in browser is signed out when the password changes. If this was not you, ignore this email: your password stays as it is.' +
      signature(site),
  }),

  passwordResetNeeds2fa: (site: string, username: string, link: string): Email => ({
    subject: `About resetting your ${site} password`,
    body:
      `Hello ${username},\n\nsomeone asked to reset the password of your account. Your account uses two-factor authentication, ` +
      'so an email alone cannot reset its password: that would let whoever reads your email past your second factor.\n\n' +
      'If you know your password, sign in with it and your second factor and change it on the Security page. ' +
      `If you lost your second factors, sign in with your password and choose "Can't use any of your second factors?" (account recovery):\n\n${link}\n\n` +
      'If this was not you, ignore this email: nothing has changed.' +
      signature(site),
  }),

  recoveryScheduled: (site: string, username: string, availableAt: number): Email => ({
    subject: `Two-factor reset scheduled for your ${site} account`,
    body:
      `Hello ${username},\n\na reset of your two-factor authentication was confirmed. It can be completed from ${when(availableAt)}.\n\n` +
      'If this was not you, sign in with your second factor and cancel it on the Security page now.' +
      signature(site),
  }),
};

/** "3 days", "1 hour", "immediately": the waiting period in words. */
export function durationText(ms: number): string {
  if (ms <= 0) return 'immediately';
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${Math.ceil(ms / 60_000)} minutes`;
}
