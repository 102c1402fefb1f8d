// Pages that try to abuse the page↔extension channel. (An rpId of another site and a cross-origin
// frame without the permissions policy are in client.ts.)
import assert from 'node:assert/strict';
import { call, creationOptions, sitePage, withPairedPhone, type CallResult, type Scenario } from './context.ts';

/**
 * In the page: open a channel to the bridge by hand, send `messages` on it, then a capabilities
 * request. The bridge handles a port's messages in order, so once the capabilities answer is back
 * every earlier message was handled: whatever else came back is all those messages produced.
 */
const forge = (messages: unknown[]) => `new Promise((resolve) => {
  const { port1, port2 } = new MessageChannel();
  const replies = [];
  port1.onmessage = (event) => {
    replies.push(event.data);
    if (event.data.type === 'ack') {
      for (const m of ${JSON.stringify(messages)}) port1.postMessage(m);
      port1.postMessage({ type: 'capabilities' });
    }
    if (event.data.type === 'capabilities') resolve(replies);
  };
  window.postMessage({ channel: 'pairkey/v2', kind: 'open' }, location.origin, [port2]);
})`;

const b64 = (n: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('base64url');
const tagged = () => {
  const o = creationOptions();
  return { ...o, challenge: { $b64: b64(32) }, user: { ...(o.user as object), id: { $b64: b64(16) } } };
};

export const hostile: Scenario[] = [
  {
    name: 'forged messages into the bridge are dropped, and a hand-made request still carries the page’s true origin',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const page = await sitePage(ctx);
      // Every kind the bridge accepts, each with an origin or sender claim; replies pretending to be
      // the bridge; the background's own formats; oversize, unknown and non-object messages.
      const claim = { origin: 'https://bank.example' };
      const dropped = await page.eval<{ type: string }[]>(
        forge([
          { type: 'create', options: tagged(), ...claim },
          { type: 'get', options: { challenge: { $b64: b64(32) } }, ...claim },
          { type: 'get', options: { challenge: { $b64: b64(32) } }, mediation: 'conditional', sender: { tab: { id: 1 }, url: 'https://bank.example/' } },
          { type: 'cancel', ...claim },
          { type: 'native-done', tabId: 1 },
          { type: 'capabilities', ...claim },
          { type: 'result', result: { status: 'passthrough' } },
          { type: 'ack' },
          { type: 'start-native' },
          { type: 'start', kind: 'create', options: tagged(), frame: { top: true, ancestorOrigins: [], permitted: true, userActivation: true } },
          { type: 'create', options: tagged(), mediation: 'x'.repeat(100) },
          { type: 'create', options: { ...tagged(), padding: 'x'.repeat(300 * 1024) } },
          { type: 'unpair' },
          { type: 'set-relay', relayUrl: 'ws://evil.example' },
          { type: 'test/hook', hook: { dropCeremonies: true } },
          'create',
          null,
          42,
          ['create'],
        ]),
      );
      assert.deepEqual(dropped.map((r) => r.type), ['ack', 'capabilities']);
      // Forged window messages that would open a channel: none gets an answer on its port.
      const opens = await page.eval<boolean[]>(`(async () => {
        const forged = [
          [{ channel: 'pairkey/v2', kind: 'open', origin: 'https://bank.example' }, 1],
          [{ channel: 'pairkey/v2', kind: 'ready' }, 1],
          [{ channel: 'pairkey/v1', kind: 'open' }, 1],
          [{ channel: 'pairkey/v2', kind: 'open' }, 2],
        ];
        const heard = forged.map(() => false);
        forged.forEach(([message, ports], i) => {
          const channels = Array.from({ length: ports }, () => new MessageChannel());
          channels[0].port1.onmessage = () => { heard[i] = true; };
          window.postMessage(message, location.origin, channels.map((c) => c.port2));
        });
        // A real request afterwards: the bridge handles window messages in order, so once this
        // one is answered, every forged open before it has been seen.
        await PublicKeyCredential.getClientCapabilities();
        return heard;
      })()`);
      assert.deepEqual(opens, [false, false, false, false]);
      // The first version's window-message protocol gets no hearing either.
      await page.eval(`window.postMessage({ channel: 'pairkey/v1', dir: 'to-bridge', id: 'x', kind: 'create', options: ${JSON.stringify(tagged())} }, location.origin)`);

      // A well-formed request sent by hand is just a request from this page: the origin is the
      // browser's report of the sender, which the page cannot touch.
      const handMade = await page.eval<{ type: string; result?: { status: string; credential?: { response: { clientDataJSON: string } } } }[]>(`new Promise((resolve) => {
        const { port1, port2 } = new MessageChannel();
        port1.onmessage = (event) => {
          if (event.data.type === 'ack') port1.postMessage({ type: 'create', options: ${JSON.stringify(tagged())} });
          if (event.data.type === 'result') resolve([event.data]);
        };
        window.postMessage({ channel: 'pairkey/v2', kind: 'open' }, location.origin, [port2]);
      })`);
      const credential = handMade[0]!.result!.credential!;
      const clientData = JSON.parse(Buffer.from(credential.response.clientDataJSON, 'base64url').toString('utf8')) as { origin: string };
      assert.equal(clientData.origin, ctx.site.origin);
      // Only the hand-made request reached the phone.
      assert.equal(phone.stderrLines.filter((l) => l.startsWith('request ')).length, 1);
    },
  },
  {
    name: 'nothing about a request is broadcast on the window: other scripts see no options and no credential',
    run: async (ctx) => {
      await withPairedPhone(ctx);
      const page = await sitePage(ctx);
      await page.eval(`window.seen = []; window.addEventListener('message', (e) => window.seen.push(JSON.stringify(e.data)))`);
      const created = await page.eval<CallResult>(call('create', creationOptions()));
      assert.equal(created.ok, true, created.message);
      const seen = await page.eval<string[]>('window.seen');
      // Only the per-request "open" (its port goes to the bridge) crossed the window.
      assert.ok(seen.length >= 1);
      for (const message of seen) assert.deepEqual(JSON.parse(message), { channel: 'pairkey/v2', kind: 'open' });
    },
  },
];
