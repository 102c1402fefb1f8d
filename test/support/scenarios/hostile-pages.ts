// Hostile pages (issue 8), in Chromium and Firefox: a page that tampers with the platform before
// and after Pairkey's script, frames with opaque or borrowed origins, a page that floods requests,
// and fuzzed options. None of them may get a credential for an origin other than its own, and the
// phone is never asked about a request the browser would refuse. (The hostile pages that need
// https origins or a second extension run in Chromium only: test/security/hostile-page.spec.ts.)
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { creationOptions, sitePage, withPairedPhone, type Scenario, type ScenarioContext } from './context.ts';
import { startHostileSite, type HostileSite } from './hostile-site.ts';
import type { PhoneProcess } from '../phone-cli.ts';

const phoneRequests = (phone: PhoneProcess) => phone.stderrLines.filter((l) => l.startsWith('request ')).length;

async function withHostileSite(run: (site: HostileSite) => Promise<void>): Promise<void> {
  const site = await startHostileSite();
  try {
    await run(site);
  } finally {
    await site.close();
  }
}

/**
 * The first script of a hostile page: keeps pristine copies of what it needs, then defines
 * `hostile.run()`, which makes a create() call and reports it as a JSON string built with the pristine
 * copies (the tampered page cannot fake what the test reads). clientDataJSON goes back as base64,
 * decoded by the test.
 */
const RUNNER = `
  (() => {
    const P = { stringify: JSON.stringify, btoa: btoa.bind(window), fromCharCode: String.fromCharCode, U8: Uint8Array, DOMException, TypeError, getRandomValues: crypto.getRandomValues.bind(crypto) };
    // Pairkey's script ran at document_start, before this first inline script.
    window.pairkeyFirst = !String(CredentialsContainer.prototype.create).includes('[native code]');
    const b64 = (buffer) => { const bytes = new P.U8(buffer); let s = ''; for (let i = 0; i < bytes.length; i++) s += P.fromCharCode(bytes[i]); return P.btoa(s); };
    const bytes = (n) => P.getRandomValues(new P.U8(n));
    window.hostile = {
      async run() {
        let out;
        try {
          const c = await navigator.credentials.create({ publicKey: {
            rp: { name: 'Hostile' }, user: { id: bytes(16), name: 'mallory', displayName: 'Mallory' }, challenge: bytes(32),
            pubKeyCredParams: [{ type: 'public-key', alg: -7 }], authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' }, timeout: 10000 } });
          out = { ok: true, clientDataJSON: b64(c.response.clientDataJSON) };
        } catch (e) {
          out = { ok: false, name: String(e && e.name), message: String(e && e.message), isError: e instanceof P.DOMException || e instanceof P.TypeError };
        }
        return P.stringify(out);
      },
    };
  })();`;

/** Tampering a page may do, as script text. Each runs on its own page, before and after Pairkey's script is used. */
const TAMPERS: Record<string, string> = {
  'navigator.credentials.create rewrites the rpId to another site': `
    { const inner = CredentialsContainer.prototype.create;
      CredentialsContainer.prototype.create = function (o) { o.publicKey.rp.id = 'bank.example'; return inner.call(this, o); }; }`,
  'navigator.credentials replaced by a forwarding object': `
    { const real = navigator.credentials; Object.defineProperty(Navigator.prototype, 'credentials', { configurable: true, get: () => ({ create: (o) => real.create(o), get: (o) => real.get(o) }) }); }`,
  'PublicKeyCredential replaced': `window.PublicKeyCredential = class PublicKeyCredential { static isConditionalMediationAvailable() { return Promise.resolve(true); } };`,
  'Object.defineProperty, defineProperties and create throw': `
    Object.defineProperty = () => { throw new Error('tampered'); }; Object.defineProperties = () => { throw new Error('tampered'); }; Object.create = () => { throw new Error('tampered'); };`,
  'JSON.parse and JSON.stringify forge an origin': `
    { const parse = JSON.parse, stringify = JSON.stringify;
      JSON.stringify = (v, ...rest) => stringify(v && typeof v === 'object' && !Array.isArray(v) ? { ...v, origin: 'https://bank.example' } : v, ...rest);
      JSON.parse = (t, ...rest) => { const v = parse(t, ...rest); if (v && typeof v === 'object') v.origin = 'https://bank.example'; return v; }; }`,
  'Promise replaced and Promise.prototype.then spied on': `
    { const then = Promise.prototype.then; window.seenByThen = 0;
      Promise.prototype.then = function (...args) { window.seenByThen++; return then.apply(this, args); };
      window.Promise = class extends Promise {}; }`,
  'MessagePort.prototype.postMessage forges an origin on every message': `
    { const post = MessagePort.prototype.postMessage;
      MessagePort.prototype.postMessage = function (m, ...rest) { return post.call(this, m && typeof m === 'object' ? { ...m, origin: 'https://bank.example', type: m.type === 'create' ? 'get' : m.type } : m, ...rest); }; }`,
  'window.postMessage, addEventListener and MessageChannel replaced': `
    { const Channel = MessageChannel; window.stolenPorts = [];
      window.postMessage = () => undefined; EventTarget.prototype.addEventListener = () => undefined;
      window.MessageChannel = class { constructor() { const c = new Channel(); this.port1 = c.port1; this.port2 = c.port2; window.stolenPorts.push(c.port1); } }; }`,
};

const TAMPERED_PAGE = (tamper: string) => `<!doctype html><html><head><script>${RUNNER}\n${tamper}</script></head><body>tampered</body></html>`;
const PLAIN_PAGE = `<!doctype html><html><head><script>${RUNNER}</script></head><body>plain</body></html>`;

type Outcome = { ok: true; clientDataJSON: string } | { ok: false; name: string; message: string; isError: boolean };

/**
 * One page per tampering, applied in the page's first inline script (`before`) or once the page has
 * loaded (`after`): each call gets the page's true origin from the phone (asked once), except the
 * one whose options the page itself rewrote to another site's rpId (SecurityError, phone not asked).
 * The phone logs a request before it answers, so the count is complete when the page has its answer.
 */
async function tamperedCalls(ctx: ScenarioContext, phone: PhoneProcess, site: HostileSite, when: 'before' | 'after'): Promise<void> {
  for (const [name, tamper] of Object.entries(TAMPERS)) {
    const label = `${name} (${when} Pairkey's script is used)`;
    const page = await ctx.driver.newPage();
    const path = `/${when}-${encodeURIComponent(name)}.html`;
    await page.goto(site.page(path, when === 'before' ? TAMPERED_PAGE(tamper) : PLAIN_PAGE));
    assert.equal(await page.eval('window.pairkeyFirst'), true, label);
    if (when === 'after') await page.eval(`(() => { ${tamper} })()`);
    const before = phoneRequests(phone);
    const outcome = JSON.parse(await page.eval<string>('hostile.run()')) as Outcome;
    const asked = phoneRequests(phone) - before;
    if (name.includes('rpId')) {
      // The page only fooled itself into asking for another site: refused before the phone.
      assert.deepEqual([outcome.ok, (outcome as { name?: string }).name, asked], [false, 'SecurityError', 0], label);
    } else {
      // Pairkey's script keeps its own copies of what it uses: the call goes through, for this origin.
      assert.equal(outcome.ok, true, `${label}: ${JSON.stringify(outcome)}`);
      const clientData = JSON.parse(Buffer.from((outcome as { clientDataJSON: string }).clientDataJSON, 'base64').toString('utf8')) as { origin: string };
      assert.equal(clientData.origin, site.origin, label);
      assert.equal(asked, 1, label);
    }
    await page.close();
  }
}

/** A frame whose own inline script makes a create() call and posts the outcome to the top page. */
const FRAME_CALL = `<script>
  (async () => {
    const bytes = (n) => crypto.getRandomValues(new Uint8Array(n));
    let out;
    try {
      await navigator.credentials.create({ publicKey: { rp: { name: 'Frame' }, user: { id: bytes(16), name: 'f', displayName: 'F' }, challenge: bytes(32), pubKeyCredParams: [{ type: 'public-key', alg: -7 }], timeout: 10000 } });
      out = { ok: true };
    } catch (e) {
      out = { ok: false, name: String(e && e.name) };
    }
    parent.postMessage({ frameOutcome: out }, '*');
  })();
<\/script>`;

const FRAMES: Record<string, string> = {
  'a sandboxed srcdoc frame (opaque origin)': `<iframe sandbox="allow-scripts" srcdoc="${FRAME_CALL.replace(/"/g, '&quot;')}"></iframe>`,
  'a data: URL frame (opaque origin)': `<iframe src="data:text/html;base64,${Buffer.from(FRAME_CALL).toString('base64')}"></iframe>`,
  'a sandboxed frame of the same site (opaque origin)': `<iframe sandbox="allow-scripts" src="/frame-call.html"></iframe>`,
};

const framePage = (frame: string) => `<!doctype html><html><head><script>
  window.frameOutcome = new Promise((resolve) => addEventListener('message', (e) => { if (e.data && e.data.frameOutcome) resolve(e.data.frameOutcome); }));
</script></head><body>${frame}</body></html>`;

/** get() options in the page's JSON form with the given overrides, for `pk.run`. */
const requestJson = (overrides: Record<string, unknown> = {}) => ({
  challenge: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url'),
  ...overrides,
});

export const hostilePages: Scenario[] = [
  {
    name: 'hostile page: tampering with navigator.credentials, PublicKeyCredential, Object, JSON, Promise and MessagePort before or after injection still gets its own origin (or SecurityError for a rewritten rpId)',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      await withHostileSite(async (site) => {
        await tamperedCalls(ctx, phone, site, 'before');
        await tamperedCalls(ctx, phone, site, 'after');
      });
    },
  },
  {
    name: 'hostile page: frames with opaque origins (sandboxed, srcdoc, data: URL) are refused and never reach the phone; a same-origin about:blank frame is still Pairkey’s',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      await withHostileSite(async (site) => {
        site.page('/frame-call.html', `<!doctype html><html><body>${FRAME_CALL}</body></html>`);
        for (const [name, frame] of Object.entries(FRAMES)) {
          const page = await ctx.driver.newPage();
          await page.goto(site.page(`/frames-${encodeURIComponent(name)}.html`, framePage(frame)));
          const outcome = await page.eval<{ ok: boolean; name?: string }>('window.frameOutcome');
          assert.equal(outcome.ok, false, name);
          assert.ok(['NotAllowedError', 'SecurityError', 'TypeError'].includes(outcome.name!), `${name}: ${outcome.name}`);
          await page.close();
        }
        assert.equal(phoneRequests(phone), 0);

        // A frame the page creates without a URL shares its origin and already has Pairkey's
        // create(): borrowing it is no way around Pairkey, and the call is this page's own.
        const page = await ctx.driver.newPage();
        await page.goto(site.page('/blank-frame.html', PLAIN_PAGE));
        const outcome = JSON.parse(
          await page.eval<string>(`(() => {
            const frame = document.createElement('iframe');
            document.body.append(frame);
            const create = frame.contentWindow.CredentialsContainer.prototype.create;
            navigator.credentials.create = (o) => create.call(frame.contentWindow.navigator.credentials, o);
            return hostile.run();
          })()`),
        ) as Outcome;
        assert.equal(outcome.ok, true, JSON.stringify(outcome));
        const clientData = JSON.parse(Buffer.from((outcome as { clientDataJSON: string }).clientDataJSON, 'base64').toString('utf8')) as { origin: string; crossOrigin?: boolean };
        assert.equal(clientData.origin, site.origin);
        assert.equal(clientData.crossOrigin, false);
        assert.equal(phoneRequests(phone), 1);
      });
    },
  },
  {
    name: 'hostile page: a flood of requests is limited: one pending call per frame (OperationError, as Chrome), and at most 5 unanswered prompts per site, whatever the port',
    run: async (ctx) => {
      // A phone that refuses everything: the requests a flooding page makes are ones nobody wants.
      const { phone } = await withPairedPhone(ctx, ['--deny', '--delay', '1500']);
      const page = await sitePage(ctx);
      // Twenty calls at once from one frame: one goes on, the others are refused at once.
      const burst = await page.eval<{ name: string }[]>(
        `Promise.all(Array.from({ length: 20 }, () => pk.run('get', ${JSON.stringify(requestJson())})))`,
      );
      const names = burst.map((r) => r.name);
      assert.equal(names.filter((n) => n === 'OperationError').length, 19, names.join());
      assert.equal(names.filter((n) => n === 'NotAllowedError').length, 1, names.join());
      assert.equal(phoneRequests(phone), 1);
      // Forty calls one after another, at the same time from the same site on another port (in
      // another tab): the phone hears at most the site's bucket's worth, the rest fail fast. The
      // budget is per site (registrable domain), not per origin, so ports do not multiply it.
      // (That another site is not affected is in test/security/hostile-page.spec.ts, which can
      // serve https origins of any name.)
      const otherPort = await sitePage(ctx, '/', ctx.otherSite);
      const started = Date.now();
      const loops = await Promise.all(
        [page, otherPort].map((p) =>
          p.eval<{ name: string; ms: number }[]>(
            `(async () => { const out = []; for (let i = 0; i < 40; i++) out.push(await pk.run('get', ${JSON.stringify(requestJson())})); return out; })()`,
          ),
        ),
      );
      assert.ok(loops.flat().every((r) => r.name === 'NotAllowedError'), loops.flat().map((r) => r.name).join());
      assert.ok(phoneRequests(phone) <= 5, `the phone saw ${phoneRequests(phone)} requests`);
      assert.ok(Date.now() - started < 20_000, `the loops took ${Date.now() - started} ms`);
    },
  },
  {
    name: 'hostile page: fuzzed options only ever give TypeError, NotSupportedError, SecurityError or NotAllowedError, never hang, and never reach the phone when invalid',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx, ['--deny']);
      const page = await sitePage(ctx);
      await page.eval(FUZZ_HELPERS);
      const seedText = process.env.PAIRKEY_FUZZ_SEED;
      const seed = seedText && seedText !== 'random' ? Number(seedText) : Date.now() % 1_000_000;
      const cases = fc.sample(fuzzCase(), { numRuns: Number(process.env.PAIRKEY_FUZZ_RUNS ?? 60), seed });
      for (const [i, c] of cases.entries()) {
        const before = phoneRequests(phone);
        const outcome = await page.eval<{ ok: boolean; name: string; hung?: boolean; kind: string }>(`pkFuzz(${JSON.stringify(c)})`);
        const label = `seed ${seed}, case ${i}: ${JSON.stringify(c).slice(0, 300)} → ${outcome.name}`;
        assert.notEqual(outcome.hung, true, label);
        assert.equal(outcome.ok, false, label); // the phone denies everything
        assert.ok(['TypeError', 'NotSupportedError', 'SecurityError', 'NotAllowedError'].includes(outcome.name), label);
        if (outcome.name !== 'NotAllowedError') assert.equal(phoneRequests(phone), before, label);
      }
      // The extension is still there and answering.
      assert.equal(await page.eval('PublicKeyCredential.getClientCapabilities().then((c) => c["extension:credProps"] === true)'), true);
    },
  },
];

// ---- fuzzed options ---------------------------------------------------------------------------------

/**
 * In the page: `pkFuzz({ kind, options })` turns `{ $bytes: n }` into random bytes, `{ $str: n }`
 * into a long string and `{ $num: "NaN" | "Infinity" }` into those numbers, calls create/get and
 * reports the error's name (or `hung` after 25 s: longer than any clamped timeout the fuzz uses).
 */
const FUZZ_HELPERS = `window.pkFuzz = async ({ kind, options }) => {
  const build = (v) => {
    if (Array.isArray(v)) return v.map(build);
    if (v && typeof v === 'object') {
      if (typeof v.$bytes === 'number') return crypto.getRandomValues(new Uint8Array(v.$bytes));
      if (typeof v.$str === 'number') return 'x'.repeat(v.$str);
      if (typeof v.$num === 'string') return Number(v.$num);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, build(x)]));
    }
    return v;
  };
  const call = navigator.credentials[kind]({ publicKey: build(options) }).then(
    () => ({ ok: true, name: 'ok' }),
    (e) => ({ ok: false, name: String(e && e.name) }),
  );
  const hang = new Promise((resolve) => setTimeout(() => resolve({ ok: false, name: 'hang', hung: true }), 25000));
  return { kind, ...(await Promise.race([call, hang])) };
}`;

const nasty = fc.oneof(
  fc.constantFrom<unknown>(null, true, 0, -1, 1.5, '', 'public-key', 'localhost', '127.0.0.1', 'example.com', 'github.io', [], {}, { $num: 'NaN' }, { $num: 'Infinity' }),
  fc.record({ $bytes: fc.constantFrom(0, 1, 15, 16, 32, 64, 65, 2048) }),
  fc.record({ $str: fc.constantFrom(65, 300, 70_000) }),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -300, max: 70_000 }),
);

function baseOptions(kind: 'create' | 'get'): Record<string, unknown> {
  if (kind === 'get') return { challenge: { $bytes: 32 }, timeout: 10_000, userVerification: 'preferred', allowCredentials: [{ type: 'public-key', id: { $bytes: 16 } }] };
  const o = creationOptions();
  return { ...o, user: { ...(o.user as object), id: { $bytes: 16 } }, challenge: { $bytes: 32 }, timeout: 10_000 };
}

/** A valid options object with one to three members (at any depth) replaced, deleted or added. */
function fuzzCase(): fc.Arbitrary<{ kind: 'create' | 'get'; options: Record<string, unknown> }> {
  const edit = fc.tuple(fc.constantFrom('replace', 'delete', 'add'), fc.nat(), fc.string({ maxLength: 10 }), nasty);
  return fc.tuple(fc.constantFrom<'create' | 'get'>('create', 'get'), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([kind, edits]) => {
    const options = structuredClone(baseOptions(kind));
    for (const [op, pick, key, value] of edits) {
      const paths = objectPaths(options);
      const [target, member] = paths[pick % paths.length]!;
      // A copy: fc.constantFrom hands out the same [] and {} every time, and a later edit may
      // land inside what this one inserts (test/fuzz/fresh-inputs.test.ts, issue 21).
      if (op === 'add') target[key || 'extra'] = structuredClone(value);
      else if (op === 'delete') delete target[member];
      else target[member] = structuredClone(value);
    }
    return { kind, options };
  });
}

/** Every [object, key] pair in `root` that is not inside a byte marker. */
function objectPaths(root: Record<string, unknown>): [Record<string, unknown>, string][] {
  const out: [Record<string, unknown>, string][] = [];
  const walk = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      out.push([o, k]);
      if (v && typeof v === 'object' && !('$bytes' in v)) walk(v as Record<string, unknown>);
    }
  };
  walk(root);
  return out;
}
