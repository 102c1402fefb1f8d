// The phone as the authenticator for local sites, seen from the page: what a site receives must be
// indistinguishable in shape from the browser's own credentials, and verify at a real RP library.
import assert from 'node:assert/strict';
import { tid, type DriverPage } from '../../../qa/browser/driver.ts';
import { call, creationOptions, requestOptions, sitePage, withPairedPhone, type CallResult, type Scenario, type ScenarioContext } from './context.ts';

export const basics: Scenario[] = [
  {
    name: 'a paired phone creates and uses a passkey; the page sees real PublicKeyCredential objects',
    run: async (ctx) => {
      const { phone, popup } = await withPairedPhone(ctx, ['--name', 'Test phone']);
      await popup.waitForText(tid('paired-phone'), /^Test phone$/);
      const page = await sitePage(ctx);
      const created = await page.eval<CallResult>(call('create', creationOptions({ extensions: { credProps: true } })));
      assert.equal(created.ok, true, created.message);
      assert.equal(created.instanceOfPublicKeyCredential, true);
      assert.equal(created.instanceOfCredential, true);
      assert.equal(created.responseType, 'attestation');
      assert.equal(created.rawIdMatchesId, true);
      assert.equal(created.type, 'public-key');
      assert.equal(created.authenticatorAttachment, 'cross-platform');
      assert.deepEqual(created.clientData, {
        type: 'webauthn.create',
        challenge: created.clientData!.challenge,
        origin: ctx.site.origin,
        crossOrigin: false,
      });
      assert.deepEqual(created.clientExtensionResults, { credProps: { rk: true } });
      assert.equal(created.publicKeyAlgorithm, -7);
      // toJSON() (and JSON.stringify) give the WebAuthn L3 JSON form.
      assert.equal(created.json!.id, created.id);
      assert.equal(typeof created.json!.response.attestationObject, 'string');
      assert.deepEqual(created.stringified, created.json);
      await phone.waitForLog(/request registration http:\/\/localhost:\d+ \(localhost\) for alice: approve/);

      const got = await page.eval<CallResult>(call('get', requestOptions({ allowCredentials: [{ type: 'public-key', id: created.id }] })));
      assert.equal(got.ok, true, got.message);
      assert.equal(got.responseType, 'assertion');
      assert.equal(got.id, created.id);
      assert.equal(got.clientData!.type, 'webauthn.get');
      assert.equal(got.clientData!.origin, ctx.site.origin);
      assert.equal(typeof got.json!.response.signature, 'string');
      await phone.waitForLog(/request sign-in http:\/\/localhost:\d+ \(localhost\): approve/);
    },
  },
  {
    name: 'a site using @simplewebauthn/browser signs up and in, and its server verifies both',
    run: async (ctx) => {
      await withPairedPhone(ctx);
      const page = await sitePage(ctx, '/simplewebauthn.html');
      assert.equal(await page.eval('swa.supported()'), true);
      const registered = await page.eval<{ verified: boolean; credProps: unknown; message?: string }>('swa.register("bob")');
      assert.equal(registered.verified, true, registered.message);
      assert.equal(ctx.site.credentials('bob').length, 1);
      const login = await page.eval<{ verified: boolean; username?: string; message?: string }>('swa.login()');
      assert.deepEqual({ verified: login.verified, username: login.username }, { verified: true, username: 'bob' }, login.message);
    },
  },
  {
    name: 'a page that calls get() from an inline script before DOMContentLoaded is answered by the phone',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const setup = await sitePage(ctx);
      const created = await setup.eval<CallResult>(call('create', creationOptions()));
      assert.equal(created.ok, true, created.message);
      const page = await sitePage(ctx, '/early.html');
      assert.equal(await page.eval('window.earlyState'), 'loading');
      assert.equal(await page.eval('window.earlyOverridden'), true);
      const early = await page.eval<{ ok: boolean; id?: string; origin?: string; name?: string }>('window.early');
      assert.deepEqual(early, { ok: true, id: created.id, type: 'AuthenticatorAssertionResponse', origin: ctx.site.origin });
      await phone.waitForLog(/request sign-in/);
    },
  },
  {
    name: 'a page whose CSP forbids inline script still gets the phone',
    run: async (ctx) => {
      await withPairedPhone(ctx);
      const page = await sitePage(ctx, '/csp.html');
      // The policy is in force: the page's own inline script did not run.
      assert.equal(await page.eval('window.inlineRan === undefined'), true);
      const created = await page.eval<CallResult>(call('create', creationOptions()));
      assert.equal(created.ok, true, created.message);
      assert.equal(created.clientData!.origin, ctx.site.origin);
    },
  },
  {
    name: 'without a paired phone, calls go to the browser untouched',
    run: async (ctx) => {
      const page = await sitePage(ctx);
      await expectBrowserHandled(ctx, page, call('create', creationOptions()));
    },
  },
];

/**
 * The call in `expression` was handled by the browser's own authenticators, not the phone: with a
 * DevTools authenticator it succeeds there; in Firefox the software token refuses at once, faster
 * than Pairkey could ever reach a phone.
 */
export async function expectBrowserHandled(ctx: ScenarioContext, page: DriverPage, expression: string): Promise<CallResult> {
  if (ctx.nativeAuthenticator) {
    await ctx.nativeAuthenticator.attach(page);
    const before = await ctx.nativeAuthenticator.credentialCount();
    const result = await page.eval<CallResult>(expression);
    assert.equal(result.ok, true, result.message);
    assert.equal(await ctx.nativeAuthenticator.credentialCount(), before + 1);
    return result;
  }
  const result = await page.eval<CallResult>(expression);
  assert.equal(result.ok, false);
  assert.equal(result.name, 'NotAllowedError');
  return result;
}
