// Teams: the admin invites by username and sees nothing of the invitee until they accept (from
// the link in the invitation email); the admin requires 2FA; an accepted member without it is
// sent to set it up before anything else; the admin sees accepted members' 2FA status; a
// member can leave.
import { addKey, expect, PASSWORD, readQr, signInWithPassword, signUpVerified, test } from './rp-fixtures.ts';

test('an invitee accepts from the email, is then held to the 2FA rule, and can leave', async ({ browser, page, rp, addAuthenticator, totp }) => {
  // Two browsers and four page flows: on a loaded 2-core machine this takes close to the default minute.
  test.setTimeout(120_000);
  // The member signs up in their own browser.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signUpVerified(member, rp, 'erin');

  // The admin needs 2FA before enforcing it.
  await addAuthenticator(page);
  await signUpVerified(page, rp, 'frank');
  await page.goto(`${rp.url}/teams`);
  await page.getByTestId('org-name').fill('Acme');
  await page.getByTestId('org-create').click();
  await expect(page.getByTestId('status')).toHaveText('Created Acme');
  const acme = page.getByTestId('org-item').filter({ hasText: 'Acme' });
  await acme.getByTestId('org-invite-username').fill('erin');
  await acme.getByTestId('org-invite-submit').click();
  await expect(page.getByTestId('status')).toHaveText('Invited erin to Acme: they join once they accept');
  // Invited, not a member: no row, no 2FA status.
  await expect(acme.getByTestId('org-member')).toHaveCount(1);
  await expect(acme.locator('[data-testid="org-invited-item"][data-username="erin"]')).toBeVisible();
  await expect(acme.locator('[data-username="erin"]').getByTestId('member-2fa')).toHaveCount(0);

  await acme.getByTestId('org-enforce').check();
  await expect(page.getByTestId('status')).toHaveText('Turn on two-factor authentication for your own account first');
  await expect(acme.getByTestId('org-enforce')).not.toBeChecked();
  await page.goto(`${rp.url}/security`);
  await addKey(page, 'Admin key');
  await page.goto(`${rp.url}/teams`);
  await acme.getByTestId('org-enforce').check();
  await expect(page.getByTestId('status')).toHaveText('Acme now requires two-factor authentication');
  // The checkbox sits on its label's line.
  const [boxAt, labelAt] = [await acme.getByTestId('org-enforce').boundingBox(), await acme.getByText('Require two-factor authentication for every member').boundingBox()];
  expect(Math.abs(boxAt!.y + boxAt!.height / 2 - (labelAt!.y + labelAt!.height / 2))).toBeLessThan(4);

  // Erin follows the link in the invitation email; the invitation says what accepting means.
  await member.goto(await rp.emailLink(member, 'erin@example.com', '/teams'));
  const invitation = member.locator('[data-testid="invitation-item"][data-org="Acme"]');
  await expect(invitation).toContainText('frank invited you to join Acme, which requires two-factor authentication');
  await expect(member.getByTestId('teams-enforcement')).toBeHidden();
  await invitation.getByTestId('invitation-accept').click();
  await expect(member.getByTestId('status')).toHaveText('You joined Acme');
  await expect(member.getByTestId('teams-enforcement')).toContainText('Acme requires two-factor authentication');

  await page.reload();
  await expect(acme.locator('[data-username="erin"]').getByTestId('member-2fa')).toHaveText('Off');
  await expect(acme.getByTestId('org-invited-item')).toHaveCount(0);

  // Erin signs in: straight to the Security page.
  await signInWithPassword(member, rp, 'erin');
  await expect(member).toHaveURL(`${rp.url}/security`);
  await expect(member.getByTestId('enforcement-banner')).toContainText('Acme requires two-factor authentication');
  await expect(member.getByTestId('audit-empty')).toHaveText('Your activity is shown once two-factor authentication is set up, as Acme requires.');

  // She enrols an authenticator app from the QR code; the restriction lifts.
  await member.getByTestId('otp-setup-password').fill(PASSWORD);
  await member.getByTestId('otp-setup-start').click();
  const secret = new URL(await readQr(member.getByTestId('otp-qr'))).searchParams.get('secret')!;
  await member.getByTestId('otp-confirm-code').fill(await totp(secret));
  await member.getByTestId('otp-confirm-submit').click();
  await expect(member.getByTestId('backup-codes-panel')).toBeVisible();
  await member.getByTestId('backup-done').click();
  await expect(member.getByTestId('enforcement-banner')).toBeHidden();
  await member.goto(`${rp.url}/teams`);
  await expect(member.getByTestId('org-item')).toContainText('Two-factor authentication is required for members.');

  await page.reload();
  await expect(acme.locator('[data-username="erin"]').getByTestId('member-2fa')).toHaveText('On (authenticator app)');

  // She leaves; the admin no longer sees her.
  await member.getByTestId('org-leave').click();
  await expect(member.getByTestId('status')).toHaveText('You left Acme');
  await expect(member.getByTestId('org-item')).toHaveCount(0);
  await page.reload();
  await expect(acme.getByTestId('org-member')).toHaveCount(1);
  await memberContext.close();
});

test('an invitee can decline, and the admin cannot tell an unknown username from a real one', async ({ browser, page, rp }) => {
  const inviteeContext = await browser.newContext();
  const invitee = await inviteeContext.newPage();
  await signUpVerified(invitee, rp, 'gwen');
  await signUpVerified(page, rp, 'hugo');
  await page.goto(`${rp.url}/teams`);
  await page.getByTestId('org-name').fill('Beta');
  await page.getByTestId('org-create').click();
  const beta = page.getByTestId('org-item').filter({ hasText: 'Beta' });
  for (const username of ['gwen', 'nobody']) {
    await beta.getByTestId('org-invite-username').fill(username);
    await beta.getByTestId('org-invite-submit').click();
    await expect(page.getByTestId('status')).toHaveText(`Invited ${username} to Beta: they join once they accept`);
  }
  await expect(beta.getByTestId('org-invited-item')).toHaveText([/^gwen — invited, until /, /^nobody — invited, until /]);

  await invitee.goto(`${rp.url}/teams`);
  await invitee.locator('[data-testid="invitation-item"][data-org="Beta"]').getByTestId('invitation-decline').click();
  await expect(invitee.getByTestId('status')).toHaveText('You declined the invitation to Beta');
  await expect(invitee.getByTestId('invitations')).toBeHidden();
  await page.reload();
  await expect(beta.getByTestId('org-invited-item')).toHaveText([/^nobody — invited/]);
  await expect(beta.getByTestId('org-member')).toHaveCount(1);
  await inviteeContext.close();
});
