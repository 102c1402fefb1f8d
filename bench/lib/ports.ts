// Ports this benchmark's servers listen on: nine consecutive ports from PAIRKEY_BENCH_PORT_BASE
// (default 23700), so a run can be moved to whatever share of the machine is free.
const base = Number(process.env.PAIRKEY_BENCH_PORT_BASE ?? 23700);
if (!Number.isInteger(base) || base < 1024 || base > 65530) {
  throw new Error(`PAIRKEY_BENCH_PORT_BASE must be a port from 1024 to 65530, not ${process.env.PAIRKEY_BENCH_PORT_BASE}`);
}

export const PORTS = {
  /** The relay the browser suites' extension and virtual phone meet on. */
  browserRelay: base,
  /** Static test pages for the browser suites. */
  pages: base + 1,
  /** Relay capacity: the Pairkey relay and the bare `ws` baseline. */
  relay: base + 2,
  bareRelay: base + 3,
  /** Relying-party throughput. */
  rp: base + 4,
  rpPhone: base + 5,
  /** Relay capacity across nodes: two relay nodes and the nats-server between them. */
  relayNodeA: base + 6,
  relayNodeB: base + 7,
  nats: base + 8,
} as const;
