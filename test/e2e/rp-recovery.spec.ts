// "Lost everything": the confirmation link from the outbox, the waiting period, the reset.
import { addKey, expect, signInWithPassword, signOut, signUpVerified, test } from './rp-fixtures.ts';

test.use({ rpEnv: { RECOVERY_WAIT_MINUTES: '60' } });

test('recover an account whose every factor is lost, through the emailed link and a waiting period', async ({ page, rp, addAuthenticator }) => {
  const key = await addAuthenticator(page);
  await signUpVerified(page, rp, 'dana');
  await addKey(page, 'Only key');
  await signOut(page);
  // The key is gone (and the backup codes with it).
  await key.remove();

  await signInWithPassword(page, rp, 'dana');
  await expect(page.getByTestId('signin-key-step')).toBeVisible();
  await page.getByTestId('signin-lost-everything').click();
  await expect(page.getByTestId('signin-recovery-text')).toContainText('1 hour after you confirm');
  await page.getByTestId('signin-recovery-start').click();
  await expect(page.getByTestId('status')).toHaveText('We sent a confirmation link to d•••@example.com. Open it, then come back after the waiting period.');

  // The email, read from the outbox page as a person would, and its link followed.
  await page.goto(`${rp.url}/dev/outbox`);
  const message = page.getByTestId('outbox-message').filter({ hasText: 'Confirm the two-factor reset' });
  await expect(message.getByTestId('outbox-to')).toContainText('dana@example.com');
  await message.getByRole('link').click();
  await expect(page).toHaveURL(`${rp.url}/recover`); // the token left the address bar
  await expect(page.getByTestId('recover-result')).toContainText('Confirmed. Two-factor authentication can be reset from');
  const availableAt = await page.getByTestId('recover-result').getAttribute('data-available-at');
  expect(Date.parse(availableAt!) - rp.now()).toBeGreaterThan(59 * 60 * 1000);

  // Too early: the reset is not offered yet.
  await signInWithPassword(page, rp, 'dana');
  await expect(page.getByTestId('status')).toContainText('A confirmed two-factor reset can be completed from');
  await expect(page.getByTestId('signin-recovery-complete')).toBeHidden();
  // The pending reset is said on the recovery step, which offers no new link (it would restart the wait).
  await page.getByTestId('signin-lost-everything').click();
  await expect(page.getByTestId('signin-recovery-pending')).toContainText('A confirmed two-factor reset can be completed from');
  await expect(page.getByTestId('signin-recovery-start')).toBeHidden();

  rp.advance(60 * 60 * 1000);
  await signInWithPassword(page, rp, 'dana');
  await expect(page.getByTestId('signin-recovery-step')).toBeVisible();
  await page.getByTestId('signin-recovery-complete').click();
  await expect(page).toHaveURL(`${rp.url}/security`);
  await expect(page.getByTestId('current-user')).toHaveText('dana');
  await expect(page.getByTestId('twofa-status')).toHaveText('Off');
  await expect(page.getByTestId('status')).toHaveText('Two-factor authentication was reset and every other browser was signed out. Add a security key or an authenticator app to turn it on again.');
  await expect(page.getByTestId('audit-entry').first()).toHaveAttribute('data-event', 'signin.succeeded');
  await expect(page.locator('[data-testid="audit-entry"][data-event="recovery.completed"]')).toHaveCount(1);
});
