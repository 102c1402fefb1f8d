// The bundled relying party, as the QA fixture specs and the e2e passkey spec drive it: sign-up with a verified email,
// passkeys added on the Security page, passkey sign-in, and what the server recorded.
import { expect, type Page } from '@playwright/test';
import { E2E_PHONE_PORT, E2E_PORT } from '../../playwright.config.ts';

export const RP_URL = `http://localhost:${E2E_PORT}`;
export const PHONE_APP_URL = `http://localhost:${E2E_PHONE_PORT}/`;
const PASSWORD = 'correct horse battery staple 42';

/** A username no other test on the shared e2e server has used. */
export function freshUsername(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

export async function signUpVerified(page: Page, username: string): Promise<void> {
  const email = `${username}@example.com`;
  await page.goto(`${RP_URL}/signup`);
  await page.getByTestId('signup-username').fill(username);
  await page.getByTestId('signup-email').fill(email);
  await page.getByTestId('signup-password').fill(PASSWORD);
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(`${RP_URL}/security`);
  const outbox = await page.request.get(`${RP_URL}/dev/outbox/messages?to=${encodeURIComponent(email)}`);
  const { messages } = (await outbox.json()) as { messages: { links: string[] }[] };
  const link = messages.flatMap((m) => m.links).find((l) => new URL(l).pathname === '/verify-email');
  await page.goto(link!);
  await expect(page.getByTestId('verify-result')).toContainText('verified');
  await page.goto(`${RP_URL}/security`);
}

/** Start adding a passkey on the Security page (the phone is asked next). */
export async function addPasskey(page: Page, name: string): Promise<void> {
  await page.getByTestId('key-add-name').fill(name);
  await page.getByTestId('key-add-kind').selectOption('passkey');
  await page.getByTestId('key-add-password').fill(PASSWORD);
  await page.getByTestId('key-add-submit').click();
}

/** Dismiss the once-only backup codes the first factor brings. */
export async function dismissBackupCodes(page: Page): Promise<void> {
  await expect(page.getByTestId('backup-code')).toHaveCount(10);
  await page.getByTestId('backup-done').click();
}

export async function signInWithPasskey(page: Page): Promise<void> {
  await page.goto(`${RP_URL}/signin`);
  await page.getByTestId('signin-passkey').click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByTestId('signout').click();
  await expect(page.getByTestId('current-user')).toHaveText('');
}

export interface ServerKey {
  id: string;
  kind: string;
  name: string;
  signCount: number;
  cloneWarningAt: string | null;
}

export async function keysOnServer(page: Page): Promise<ServerKey[]> {
  return ((await (await page.request.get(`${RP_URL}/api/keys`)).json()) as { keys: ServerKey[] }).keys;
}

export interface AuditEntry {
  event: string;
  detail: Record<string, string | number | boolean | null>;
}

/** The signed-in account's audit log, newest first. */
export async function auditLog(page: Page): Promise<AuditEntry[]> {
  return ((await (await page.request.get(`${RP_URL}/api/audit`)).json()) as { entries: AuditEntry[] }).entries;
}
