// Pairing: from the QR code appearing in the popup to the phone being paired, repeated (unpair,
// new code, pair a fresh virtual phone, confirm). Baseline: the bare rendezvous on the same relay
// in the same run (a second socket joins a channel, one frame each way), the transport floor
// under the pairing handshake.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { VirtualPhone } from '../../phone/virtual/phone.ts';
import { pairingSeat, type RelayJoin } from '../../shared/protocol/relay-seat.ts';
import { BENCH_PHONE_URL, Popup, type PairingTimes } from '../browser/extension-ui.ts';
import { launch } from '../browser/launch.ts';
import { now } from '../lib/clock.ts';
import { PORTS } from '../lib/ports.ts';
import { startRelay } from '../lib/relay.ts';
import type { FrameEvent } from '../lib/relay-server.ts';
import { row, type SuiteResult } from '../lib/results.ts';
import { round, summarize } from '../lib/stats.ts';
import type { Suite, SuiteContext } from '../lib/suite.ts';

function openSocket(url: string, join: RelayJoin): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      socket.send(JSON.stringify(join));
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** One rendezvous: the "extension" waits on a channel; time the "phone" joining and one frame each way. */
async function rendezvous(relayUrl: string): Promise<number> {
  const secret = randomBytes(32);
  const url = `${relayUrl}/${pairingSeat(secret, 'extension').channel}`;
  const waiting = await openSocket(url, pairingSeat(secret, 'extension').join);
  waiting.on('message', (data, isBinary) => {
    if (isBinary) waiting.send(data as Buffer, { binary: true });
  });
  const started = now();
  const joining = new WebSocket(url, { perMessageDeflate: false });
  joining.once('open', () => joining.send(JSON.stringify(pairingSeat(secret, 'phone').join)));
  await new Promise<void>((resolve, reject) => {
    joining.on('message', (data, isBinary) => {
      if (!isBinary && String(data).includes('"count":2')) joining.send(randomBytes(96), { binary: true });
      else if (isBinary) resolve();
    });
    joining.once('error', reject);
  });
  const elapsed = now() - started;
  joining.close();
  waiting.close();
  return elapsed;
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const pairings = ctx.smoke ? 2 : 20;
  const relay = await startRelay(PORTS.browserRelay, { capture: true });
  const browser = await launch(ctx.chromium, ctx.extensionDir);
  try {
    const popup = await Popup.open(browser.context, `http://127.0.0.1:${PORTS.browserRelay}`, BENCH_PHONE_URL);
    const times: PairingTimes[] = [];
    const hops: number[][] = [];
    const floor: number[] = [];
    for (let i = 0; i < pairings; i++) {
      const phone = VirtualPhone.open({ name: `Bench phone ${i}` });
      await relay.request<FrameEvent[]>('frames');
      try {
        times.push(await popup.pair(phone));
      } finally {
        phone.close();
      }
      const split = handshakeHops(times.at(-1)!, await relay.request<FrameEvent[]>('frames'));
      if (split) hops.push(split);
      floor.push(await rendezvous(`ws://127.0.0.1:${PORTS.browserRelay}/relay`));
    }
    ctx.log(`pairing: ${pairings} pairings done`);
    return report(pairings, times, hops, floor);
  } finally {
    await browser.close();
    await relay.stop();
  }
}

const HANDSHAKE_HOPS = [
  'phone: connect to the relay, handshake message 1 (IKpsk2 initiator)',
  'relay forwards message 1',
  'extension: answer (IKpsk2 responder), message 2',
  'relay forwards message 2',
  'phone: finish the handshake, store the pairing',
] as const;

/** The pairing handshake, split at the relay's frame timestamps (see ceremony/hops.ts). */
function handshakeHops(t: PairingTimes, frames: FrameEvent[]): number[] | null {
  const after = (from: number, dir: FrameEvent['dir'], peer: FrameEvent['peer']) => frames.find((f) => f.t >= from && f.dir === dir && f.peer === peer);
  const initIn = after(t.phoneStartAt - 2, 'in', 'phone');
  const initOut = initIn && after(initIn.t, 'out', 'extension');
  const replyIn = initOut && after(initOut.t, 'in', 'extension');
  const replyOut = replyIn && after(replyIn.t, 'out', 'phone');
  if (!initIn || !initOut || !replyIn || !replyOut) return null;
  const points = [t.phoneStartAt, initIn.t, initOut.t, replyIn.t, replyOut.t, t.phonePairedAt];
  return points.slice(1).map((p, i) => p - points[i]!);
}

function report(pairings: number, times: PairingTimes[], hops: number[][], floor: number[]): SuiteResult {
  const p50 = (xs: number[]) => summarize(xs).p50;
  const baseline = { label: 'bare rendezvous', value: p50(floor) };
  const offers = times.filter((t) => t.requestedAt !== null).map((t) => t.qrShownAt - t.requestedAt!);
  // Paired = both ends hold the pairing: the phone's pair() resolved and the popup shows the code.
  const paired = (t: PairingTimes) => Math.max(t.phonePairedAt, t.codeShownAt);
  const rows = [
    row('QR shown → phone paired, p50', 'ms', p50(times.map((t) => paired(t) - t.qrShownAt)), {
      baseline,
      note: `until both the phone and the popup hold the pairing; includes the harness reading the link off the popup ("scanning", p50 ${round(p50(times.map((t) => t.phoneStartAt - t.qrShownAt)))} ms)`,
    }),
    row('phone: link read → paired, p50', 'ms', p50(times.map((t) => t.phonePairedAt - t.phoneStartAt)), {
      baseline,
      note: 'connect to the relay, Noise IKpsk2 handshake with the extension',
    }),
    row('confirm clicked → popup shows paired, p50', 'ms', p50(times.map((t) => t.pairedShownAt - t.confirmClickAt))),
  ];
  if (offers.length > 0) rows.push(row('Unpair clicked → new QR shown, p50', 'ms', p50(offers)));
  return {
    suite: 'pairing',
    title: 'Pairing',
    params: { pairings },
    rows,
    tables: hops.length === 0 ? [] : [
      {
        title: `Where the phone's pairing time goes (ms, ${hops.length} pairings)`,
        columns: ['step', 'p50', 'mean'],
        rows: HANDSHAKE_HOPS.map((name, i) => {
          const s = summarize(hops.map((h) => h[i]!));
          return [name, s.p50, s.mean];
        }),
      },
    ],
    notes: [
      'Each round: Unpair in the popup (from the second round), a new QR code, a fresh in-process virtual phone pairs from the link shown under it, the codes are compared and confirmed in the popup.',
      'Baseline: on the same relay, a socket joins a channel where another waits and exchanges one 96-byte frame each way (the rendezvous and round trip every pairing needs, without Noise or the extension).',
      'The person\'s time (scanning, comparing the codes) is not part of any number.',
    ],
    details: { times, floor: summarize(floor) },
  };
}

export const pairingSuite: Suite = { name: 'pairing', run };
