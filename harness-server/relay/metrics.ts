// The relay's metric points, as small named functions so the relay does not depend on how they
// are exported. `prometheusRelayMetrics` records them on a server's observability registry
// (served at /metrics, harness-server/observability); `noRelayMetrics` is for callers that want none.
import type { Metrics } from '../observability/index.ts';

export interface RelayMetrics {
  connectionOpened(): void;
  connectionClosed(code: number): void;
  framesForwarded(count: number, bytes: number): void;
  framesDropped(count: number): void;
  busRoundTrip(ms: number): void;
  busReady(ready: boolean): void;
  /** Live figures read at scrape time. */
  observe(read: () => { channels: number; connections: number; bufferedBytes: number }): void;
}

export const noRelayMetrics: RelayMetrics = {
  connectionOpened: () => undefined,
  connectionClosed: () => undefined,
  framesForwarded: () => undefined,
  framesDropped: () => undefined,
  busRoundTrip: () => undefined,
  busReady: () => undefined,
  observe: () => undefined,
};

export function prometheusRelayMetrics(registry: Metrics): RelayMetrics {
  let read: (() => { channels: number; connections: number; bufferedBytes: number }) | undefined;
  registry.gauge({ name: 'pairkey_relay_connections', help: 'Relay WebSockets open on this node', collect() { this.set(read?.().connections ?? 0); } });
  registry.gauge({ name: 'pairkey_relay_channels', help: 'Channels with at least one seat held on this node', collect() { this.set(read?.().channels ?? 0); } });
  registry.gauge({ name: 'pairkey_relay_buffered_bytes', help: 'Bytes queued in this node\'s relay send buffers', collect() { this.set(read?.().bufferedBytes ?? 0); } });
  const opened = registry.counter({ name: 'pairkey_relay_connections_opened_total', help: 'Relay WebSockets accepted' });
  const closed = registry.counter({ name: 'pairkey_relay_closes_total', help: 'Relay WebSockets closed, by close code', labelNames: ['code'] });
  const forwarded = registry.counter({ name: 'pairkey_relay_frames_forwarded_total', help: 'Frames this node wrote to a peer socket' });
  const forwardedBytes = registry.counter({ name: 'pairkey_relay_bytes_forwarded_total', help: 'Bytes of the frames this node wrote to a peer socket' });
  const dropped = registry.counter({ name: 'pairkey_relay_frames_dropped_total', help: 'Frames this node could not deliver (no peer, or a peer that does not read)' });
  const rtt = registry.histogram({ name: 'pairkey_relay_bus_round_trip_seconds', help: 'Round trip to the relay bus (NATS flush)', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
  const busUp = registry.gauge({ name: 'pairkey_relay_bus_connected', help: '1 when the relay bus is connected (only with RELAY_BUS)' });
  return {
    connectionOpened: () => opened.inc(),
    connectionClosed: (code) => closed.inc({ code: String(code) }),
    framesForwarded: (count, bytes) => {
      forwarded.inc(count);
      forwardedBytes.inc(bytes);
    },
    framesDropped: (count) => dropped.inc(count),
    busRoundTrip: (ms) => rtt.observe(ms / 1000),
    busReady: (ready) => busUp.set(ready ? 1 : 0),
    observe: (reader) => {
      read = reader;
    },
  };
}
