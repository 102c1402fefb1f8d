// Splits each ceremony's page-to-page time into hops, from timestamps taken in four processes
// (page, service worker, relay, phone) on the shared clock. The hops telescope: consecutive
// timestamps, so they add up exactly to the total.
import type { FrameEvent } from '../lib/relay-server.ts';
import type { PhoneEvent } from '../browser/phone-probe.ts';

/** The service-worker probe's log (probes/sw-probe.js); storage reads carry their end time. */
export type SwEvent = [name: 'bg-in' | 'bg-send' | 'bg-recv', t: number] | [name: 'storage-get', t: number, end: number];

export interface Window {
  start: number;
  end: number;
}

export const HOPS = [
  'page → background (main world, bridge, runtime message)',
  'background: checks, clientDataJSON, encrypt',
  'background → relay',
  'relay forwards the request',
  'relay → phone, decrypt, request checks',
  'phone: before signing',
  'phone: authenticator operation (signing)',
  'phone: reply, encrypt, send → relay',
  'relay forwards the reply',
  'relay → background',
  'background → page (decrypt, credential, bridge)',
] as const;
export type Hop = (typeof HOPS)[number];

/**
 * Clocks of different processes agree only to within a fraction of a millisecond, so an event
 * stamped by another process may fall just outside the window the page measured.
 */
const SKEW_MS = 2;

function firstAt<T extends { t: number }>(events: readonly T[], from: number, to: number, match: (e: T) => boolean): T | undefined {
  return events.find((e) => e.t >= from && e.t <= to && match(e));
}

/** Per-ceremony hop durations (ms), or null where some timestamp is missing. */
export function splitHops(
  window: Window,
  streams: { sw: readonly SwEvent[]; relay: readonly FrameEvent[]; phone: readonly PhoneEvent[] },
): number[] | null {
  const from = window.start - SKEW_MS;
  const to = window.end + SKEW_MS;
  const sw = streams.sw.map(([name, t]) => ({ name, t }));
  const phone = streams.phone.map(([name, t]) => ({ name, t }));
  const relay = streams.relay;

  // Within one process the clock is exact, so each stream's events are taken in causal order.
  const bgIn = firstAt(sw, from, to, (e) => e.name === 'bg-in');
  const bgSend = bgIn && firstAt(sw, bgIn.t, to, (e) => e.name === 'bg-send');
  const bgRecv = bgSend && firstAt(sw, bgSend.t, to, (e) => e.name === 'bg-recv');
  const relayInExt = firstAt(relay, from, to, (e) => e.dir === 'in' && e.peer === 'extension');
  const relayOutPhone = relayInExt && firstAt(relay, relayInExt.t, to, (e) => e.dir === 'out' && e.peer === 'phone');
  const relayInPhone = relayOutPhone && firstAt(relay, relayOutPhone.t, to, (e) => e.dir === 'in' && e.peer === 'phone');
  const relayOutExt = relayInPhone && firstAt(relay, relayInPhone.t, to, (e) => e.dir === 'out' && e.peer === 'extension');
  const request = firstAt(phone, from, to, (e) => e.name === 'request');
  const signStart = request && firstAt(phone, request.t, to, (e) => e.name === 'sign-start');
  const signEnd = signStart && firstAt(phone, signStart.t, to, (e) => e.name === 'sign-end');
  if (!bgIn || !bgSend || !bgRecv || !relayInExt || !relayOutPhone || !relayInPhone || !relayOutExt || !request || !signStart || !signEnd) return null;

  const points = [
    window.start,
    bgIn.t,
    bgSend.t,
    relayInExt.t,
    relayOutPhone.t,
    request.t,
    signStart.t,
    signEnd.t,
    relayInPhone.t,
    relayOutExt.t,
    bgRecv.t,
    window.end,
  ];
  return points.slice(1).map((t, i) => t - points[i]!);
}

/**
 * Storage reads the background made while it handled the request (from its arrival to the frame
 * leaving for the relay): how many, and the wall time they covered (overlapping reads count once).
 */
export function storageReads(window: Window, sw: readonly SwEvent[]): { count: number; ms: number } | null {
  const bgIn = sw.find(([name, t]) => name === 'bg-in' && t >= window.start - SKEW_MS && t <= window.end);
  const bgSend = bgIn && sw.find(([name, t]) => name === 'bg-send' && t >= bgIn[1] && t <= window.end);
  if (!bgIn || !bgSend) return null;
  const reads = sw
    .filter((e): e is ['storage-get', number, number] => e[0] === 'storage-get' && e[1] >= bgIn[1] && e[1] <= bgSend[1])
    .map(([, start, end]) => [start, end] as const)
    .sort((a, b) => a[0] - b[0]);
  let ms = 0;
  let reach = -Infinity;
  for (const [start, end] of reads) {
    ms += Math.max(0, end - Math.max(start, reach));
    reach = Math.max(reach, end);
  }
  return { count: reads.length, ms };
}
