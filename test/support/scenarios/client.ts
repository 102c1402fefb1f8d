// The WebAuthn client behaviour a site sees, as the spec and the browsers' own clients have it:
// argument errors, aborts and timeouts (cancelled on the phone too), excluded credentials, rpId and
// frame checks, the statics, credProps and conditional mediation.
import assert from 'node:assert/strict';
import { tid } from '../../../qa/browser/driver.ts';
import { call, creationOptions, requestOptions, sitePage, start, withPairedPhone, type CallResult, type Scenario } from './context.ts';

/** create() with options built in the page and changed by `mutation` (JS acting on `o`). */
const rawCreate = (mutation: string) =>
  `(() => { const o = pk.toNative('create', ${JSON.stringify(creationOptions())}); ${mutation}; return pk.run('create', o, { raw: true }); })()`;

export const client: Scenario[] = [
  {
    name: 'malformed options fail with TypeError or NotSupportedError; alg as a string is accepted',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const page = await sitePage(ctx);
      const cases: [string, string, boolean][] = [
        ['delete o.challenge', 'TypeError', true],
        ['delete o.rp', 'TypeError', true],
        ['o.user.id = new Uint8Array(65)', 'TypeError', true],
        ['o.challenge = "not bytes"', 'TypeError', true],
        ["o.pubKeyCredParams = [{ type: 'password', alg: -7 }]", 'NotSupportedError', false],
      ];
      for (const [mutation, name, typeError] of cases) {
        const result = await page.eval<CallResult>(rawCreate(mutation));
        assert.equal(result.ok, false, mutation);
        assert.equal(result.name, name, mutation);
        assert.equal(result.isTypeError, typeError, mutation);
        assert.equal(result.isDOMException, !typeError, mutation);
      }
      const stringAlg = await page.eval<CallResult>(rawCreate("o.pubKeyCredParams = [{ type: 'public-key', alg: '-7' }]"));
      assert.equal(stringAlg.ok, true, stringAlg.message);
      assert.equal(stringAlg.publicKeyAlgorithm, -7);
      // Only the valid call reached the phone.
      assert.equal(phone.stderrLines.filter((l) => l.startsWith('request ')).length, 1);
    },
  },
  {
    name: 'an AbortSignal aborts with AbortError, before the call or while the phone waits, and the phone drops the request',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx, ['--delay', '30000']);
      const page = await sitePage(ctx);
      const before = await page.eval<CallResult>(call('create', creationOptions(), { abortBefore: true }));
      assert.deepEqual([before.ok, before.name], [false, 'AbortError']);
      const handle = await page.eval<string>(start('create', creationOptions(), { abortable: true }));
      await phone.waitForLog(/request registration/);
      await page.eval('pk.abortAll()');
      const during = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
      assert.deepEqual([during.ok, during.name, during.isDOMException], [false, 'AbortError', true]);
      await phone.waitForLog(/^cancelled registration http:\/\/localhost:\d+$/);
    },
  },
  {
    name: 'a timeout ends the call with NotAllowedError (clamped to 10 s like Chrome) and cancels it on the phone',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx, ['--delay', '60000']);
      const page = await sitePage(ctx);
      const result = await page.eval<CallResult>(call('get', requestOptions({ timeout: 1000 })));
      assert.deepEqual([result.ok, result.name], [false, 'NotAllowedError']);
      assert.ok(result.ms >= 9_500 && result.ms < 20_000, `took ${result.ms} ms`);
      await phone.waitForLog(/^cancelled sign-in/);
    },
  },
  {
    name: 'a credential named in excludeCredentials gives InvalidStateError',
    run: async (ctx) => {
      await withPairedPhone(ctx);
      const page = await sitePage(ctx);
      const first = await page.eval<CallResult>(call('create', creationOptions()));
      assert.equal(first.ok, true, first.message);
      const again = await page.eval<CallResult>(call('create', creationOptions({ excludeCredentials: [{ type: 'public-key', id: first.id }] })));
      assert.deepEqual([again.ok, again.name], [false, 'InvalidStateError']);
    },
  },
  {
    name: 'an rpId of another site, or an IP address origin, gives SecurityError and never reaches the phone',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const page = await sitePage(ctx);
      const create = await page.eval<CallResult>(call('create', creationOptions({ rp: { id: 'example.com', name: 'Example' } })));
      assert.deepEqual([create.ok, create.name], [false, 'SecurityError']);
      const get = await page.eval<CallResult>(call('get', requestOptions({ rpId: 'bank.example' })));
      assert.deepEqual([get.ok, get.name], [false, 'SecurityError']);
      const ipPage = await ctx.driver.newPage();
      await ipPage.goto(ctx.site.url('/').replace('localhost', '127.0.0.1'));
      const ip = await ipPage.eval<CallResult>(call('create', creationOptions()));
      assert.deepEqual([ip.ok, ip.name], [false, 'SecurityError']);
      assert.equal(phone.stderrLines.some((l) => l.startsWith('request ')), false);
    },
  },
  {
    name: 'a cross-origin iframe needs the publickey-credentials-get policy, and then gets crossOrigin and topOrigin',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const top = await sitePage(ctx);
      const created = await top.eval<CallResult>(call('create', creationOptions()));
      assert.equal(created.ok, true, created.message);
      const frameUrl = ctx.otherSite.url('/');
      const get = requestOptions({ allowCredentials: [{ type: 'public-key', id: created.id }] });

      const forbidden = await sitePage(ctx, `/embed.html?src=${encodeURIComponent(frameUrl)}`);
      const refused = await forbidden.eval<CallResult>(`pk.inFrame('#embedded', 'get', ${JSON.stringify(get)})`);
      assert.deepEqual([refused.ok, refused.name], [false, 'NotAllowedError']);
      assert.equal(phone.stderrLines.filter((l) => l.startsWith('request sign-in')).length, 0);

      const allowed = await sitePage(ctx, `/embed.html?allow=${encodeURIComponent('publickey-credentials-get *')}&src=${encodeURIComponent(frameUrl)}`);
      const answered = await allowed.eval<CallResult>(`pk.inFrame('#embedded', 'get', ${JSON.stringify(get)})`);
      assert.equal(answered.ok, true, answered.message);
      assert.deepEqual(answered.clientData, {
        type: 'webauthn.get',
        challenge: answered.clientData!.challenge,
        origin: ctx.otherSite.origin,
        crossOrigin: true,
        topOrigin: ctx.site.origin,
      });
      // A same-origin frame needs no policy and is not cross-origin.
      const sameOrigin = await sitePage(ctx, `/embed.html?src=${encodeURIComponent(ctx.site.url('/'))}`);
      const same = await sameOrigin.eval<CallResult>(`pk.inFrame('#embedded', 'get', ${JSON.stringify(get)})`);
      assert.equal(same.ok, true, same.message);
      assert.equal(same.clientData!.crossOrigin, false);
      assert.equal(same.clientData!.topOrigin, undefined);
    },
  },
  {
    name: 'the PublicKeyCredential statics answer consistently with Pairkey and without it',
    run: async (ctx) => {
      const statics = `(async () => {
        const caps = await PublicKeyCredential.getClientCapabilities();
        return {
          conditional: await PublicKeyCredential.isConditionalMediationAvailable(),
          uvpaa: await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(),
          caps,
          parsed: (() => { const o = PublicKeyCredential.parseCreationOptionsFromJSON({ rp: { name: 'x' }, user: { id: 'AQID', name: 'a', displayName: 'a' }, challenge: 'AAECAw', pubKeyCredParams: [{ type: 'public-key', alg: -7 }], excludeCredentials: [{ type: 'public-key', id: 'BAUG' }] });
            return { challenge: Array.from(new Uint8Array(o.challenge)), user: Array.from(new Uint8Array(o.user.id)), exclude: Array.from(new Uint8Array(o.excludeCredentials[0].id)) }; })(),
          parsedRequest: Array.from(new Uint8Array(PublicKeyCredential.parseRequestOptionsFromJSON({ challenge: 'AAECAw', allowCredentials: [{ type: 'public-key', id: 'BAUG' }] }).allowCredentials[0].id)),
        };
      })()`;
      type Statics = { conditional: boolean; uvpaa: boolean; caps: Record<string, boolean>; parsed: Record<string, number[]>; parsedRequest: number[] };
      const unpaired = await (await sitePage(ctx)).eval<Statics>(statics);
      await withPairedPhone(ctx);
      const paired = await (await sitePage(ctx)).eval<Statics>(statics);
      for (const s of [unpaired, paired]) {
        assert.equal(s.caps.userVerifyingPlatformAuthenticator, s.uvpaa);
        assert.equal(s.caps.conditionalGet, s.conditional);
        assert.deepEqual(s.parsed, { challenge: [0, 1, 2, 3], user: [1, 2, 3], exclude: [4, 5, 6] });
        assert.deepEqual(s.parsedRequest, [4, 5, 6]);
      }
      // Pairkey adds conditional mediation and credProps; it says nothing new about the platform.
      assert.equal(paired.conditional, true);
      assert.equal(paired.caps['extension:credProps'], true);
      assert.equal(paired.uvpaa, unpaired.uvpaa);
    },
  },
  {
    name: 'conditional mediation waits for the person to pick the phone in the popup, then signs in',
    run: async (ctx) => {
      const { phone, popup } = await withPairedPhone(ctx);
      const page = await sitePage(ctx);
      const created = await page.eval<CallResult>(call('create', creationOptions()));
      assert.equal(created.ok, true, created.message);
      const handle = await page.eval<string>(start('get', requestOptions(), { mediation: 'conditional' }));
      await popup.waitFor(tid('request-use-phone'));
      assert.match(await popup.waitForText(tid('request-origin'), /./), /^localhost:\d+$/);
      // Nothing goes to the phone before the person picks it.
      assert.equal(phone.stderrLines.some((l) => l.startsWith('request sign-in')), false);
      await popup.click(tid('request-use-phone'));
      const result = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
      assert.equal(result.ok, true, result.message);
      assert.equal(result.id, created.id);
      await popup.waitFor(tid('request-item'), 'hidden');
    },
  },
];

/** create()/get() with the PRF extension, inputs built as bytes in the page. */
const prfCall = (kind: 'create' | 'get', json: Record<string, unknown>, prf: string) =>
  `(() => { const o = pk.toNative(${JSON.stringify(kind)}, ${JSON.stringify(json)}); const bytes = (s) => new TextEncoder().encode(s); o.extensions = { prf: ${prf} }; return pk.run(${JSON.stringify(kind)}, o, { raw: true }); })()`;

type PrfOut = { enabled?: boolean; results?: { first: { $buffer: string }; second?: { $buffer: string } } };

client.push({
  name: 'PRF: a phone that announces it gives stable per-credential secrets, as ArrayBuffers, and getClientCapabilities says so',
  run: async (ctx) => {
    await withPairedPhone(ctx);
    const page = await sitePage(ctx);
    const created = await page.eval<CallResult>(prfCall('create', creationOptions(), '{ eval: { first: bytes("salt one") } }'));
    assert.equal(created.ok, true, created.message);
    const atCreate = created.clientExtensionResults!.prf as PrfOut;
    assert.equal(atCreate.enabled, true);
    assert.equal(Buffer.from(atCreate.results!.first.$buffer, 'base64url').length, 32);
    // toJSON() carries the same results as base64url strings.
    assert.deepEqual((created.json!.clientExtensionResults.prf as { results: { first: string } }).results.first, atCreate.results!.first.$buffer);

    const allow = { allowCredentials: [{ type: 'public-key', id: created.id }] };
    const again = await page.eval<CallResult>(prfCall('get', requestOptions(allow), '{ eval: { first: bytes("salt one"), second: bytes("salt two") } }'));
    assert.equal(again.ok, true, again.message);
    const atGet = (again.clientExtensionResults!.prf as PrfOut).results!;
    assert.equal(atGet.first.$buffer, atCreate.results!.first.$buffer);
    assert.notEqual(atGet.second!.$buffer, atGet.first.$buffer);
    // evalByCredential wins over eval for the credential it names.
    const byCredential = await page.eval<CallResult>(
      prfCall('get', requestOptions(allow), `{ eval: { first: bytes("other") }, evalByCredential: { ${JSON.stringify(created.id)}: { first: bytes("salt two") } } }`),
    );
    assert.equal((byCredential.clientExtensionResults!.prf as PrfOut).results!.first.$buffer, atGet.second!.$buffer);
    // A key that is not in allowCredentials is the spec's SyntaxError.
    const stray = await page.eval<CallResult>(prfCall('get', requestOptions(allow), '{ evalByCredential: { AAAA: { first: bytes("x") } } }'));
    assert.deepEqual([stray.ok, stray.name], [false, 'SyntaxError']);
    assert.equal(await page.eval('PublicKeyCredential.getClientCapabilities().then((c) => c["extension:prf"])'), true);
  },
});
