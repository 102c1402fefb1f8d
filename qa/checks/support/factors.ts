// Adding second factors on the settings page, and reading the backup codes the site shows once.
import { parse } from '@otplib/uri';
import { otpauthFromQr } from '../../totp.ts';
import type { FormSpec, Profile } from '../../profile/schema.ts';
import type { AccountState, CheckContext } from '../types.ts';
import { valuesOf, type TestAccount } from './account.ts';
import { mustSucceed } from './expect.ts';
import { submitForm } from './form.ts';
import { freshTotpCode } from './totp-codes.ts';

/** The backup codes on the page now (none when the list is not shown); dismisses the list. */
export async function readBackupCodes(ctx: CheckContext): Promise<string[]> {
  const spec = ctx.profile.backupCodes;
  if (!spec) return [];
  const texts = await ctx.page.eval<string[]>(
    `[...document.querySelectorAll(${JSON.stringify(spec.list)})].filter((el) => el.getClientRects().length > 0).map((el) => (el.textContent || '').trim())`,
  );
  // One element holding every code (a <pre>, a paragraph) or one element per code.
  const codes = texts.length === 1 ? texts[0]!.split(/[\s,;]+/).filter(Boolean) : texts.filter(Boolean);
  if (codes.length > 0 && spec.dismiss) await ctx.page.click(spec.dismiss);
  return codes;
}

async function keepBackupCodes(ctx: CheckContext, account: TestAccount): Promise<void> {
  const codes = await readBackupCodes(ctx);
  if (codes.length === 0) return;
  account.backupCodes = codes;
  ctx.note(`${codes.length} backup codes shown`);
}

async function addKey(ctx: CheckContext, account: TestAccount, form: FormSpec, kind: string): Promise<void> {
  await ctx.step(`Add a ${kind} held by the phone`, async () => {
    mustSucceed(await submitForm(ctx, form, valuesOf(account)), `Adding a ${kind}`);
    await keepBackupCodes(ctx, account);
  });
}

export async function addSecurityKey(ctx: CheckContext, account: TestAccount): Promise<void> {
  await addKey(ctx, account, ctx.profile.securityKey!.add!, 'security key');
  account.holdsSecurityKey = true;
}

/** A passkey on the account: added on the settings page, unless signing up already registered one. */
export async function addPasskey(ctx: CheckContext, account: TestAccount): Promise<void> {
  if (account.holdsPasskey) return;
  await addKey(ctx, account, ctx.profile.passkey!.add!, 'passkey');
  account.holdsPasskey = true;
}

const normaliseSecret = (text: string) => text.replace(/[\s-]/g, '').toUpperCase();

/** Enrol an authenticator app from the QR code (read from its pixels) and confirm a code. */
export async function enrolTotp(ctx: CheckContext, account: TestAccount): Promise<void> {
  const enrol = ctx.profile.totp!.enrol!;
  await ctx.step('Start the authenticator app setup and scan its QR code', async () => {
    mustSucceed(await submitForm(ctx, enrol.start, valuesOf(account)), 'Starting the authenticator app setup');
    const otpauth = await otpauthFromQr(ctx.page, enrol.qr);
    const secret = parse(otpauth).params.secret;
    if (enrol.secret) {
      const shown = normaliseSecret(await ctx.page.textOf(enrol.secret));
      if (shown !== normaliseSecret(secret)) throw new Error(`The key shown for manual entry (${shown}) is not the QR code's secret`);
      ctx.note('the key shown for manual entry matches the QR code');
    }
    account.otpauth = otpauth;
    ctx.note(otpauth.replace(/secret=[^&]+/, 'secret=…'));
  });
  await ctx.step('Confirm a code from the app', async () => {
    const code = await freshTotpCode(ctx, account);
    mustSucceed(await submitForm(ctx, enrol.confirm, valuesOf(account, { totp: code })), 'Confirming the authenticator app');
    await keepBackupCodes(ctx, account);
  });
}

/** The profile's way to turn 2FA on: the authenticator app, else a security key, else a passkey. */
export function firstFactorRoute(profile: Profile): 'totp' | 'security key' | 'passkey' | null {
  if (profile.totp?.enrol) return 'totp';
  if (profile.securityKey?.add) return 'security key';
  if (profile.passkey?.add) return 'passkey';
  return null;
}

export const NO_FIRST_FACTOR = 'profile has no totp.enrol, securityKey.add or passkey.add';

/** The state an account is in once turnOnTwoFactor has turned 2FA on. */
export function twoFactorState(profile: Profile): AccountState | 'spent' {
  const route = firstFactorRoute(profile);
  return route === 'totp' ? 'totp-enrolled' : route === 'security key' ? 'security-key-registered' : route === 'passkey' ? 'passkey-registered' : 'spent';
}

/** Turn 2FA on with the profile's first factor route; the site then shows the backup codes. */
export async function turnOnTwoFactor(ctx: CheckContext, account: TestAccount): Promise<void> {
  const route = firstFactorRoute(ctx.profile);
  if (route === 'totp') return enrolTotp(ctx, account);
  if (route === 'security key') return addSecurityKey(ctx, account);
  if (route === 'passkey') return addPasskey(ctx, account);
  throw new Error(NO_FIRST_FACTOR);
}
