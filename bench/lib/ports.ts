// Ports this benchmark's servers listen on (its share of the machine: 23700-23999).
export const PORTS = {
  /** The relay the browser suites' extension and virtual phone meet on. */
  browserRelay: 23700,
  /** Static test pages for the browser suites. */
  pages: 23702,
  /** Relay capacity: the Pairkey relay and the bare `ws` baseline. */
  relay: 23710,
  bareRelay: 23711,
  /** Relying-party throughput. */
  rp: 23720,
  rpPhone: 23721,
} as const;
