// Health, readiness and Prometheus metrics for a Pairkey server (the harness server and the
// relay-only server alike).
//
// Register once, first, on the root instance:
//   await app.register(observabilityPlugin, { processMetrics: true });
// It serves
//   GET /healthz  200 `{ alive: true }` while the process answers (liveness: restart when it fails);
//   GET /readyz   200 when every readiness check passes, else 503; body
//                 `{ ready, error?, notReady: string[], checks: [{ name, ready, reason? }] }`
//                 (readiness: take the node out of rotation, do not restart it);
//   GET /metrics  the Prometheus text format of this server's registry.
//
// Other parts, from a plugin registered after it, use `app.observability`:
//   app.observability.registerReadinessCheck('database', () => (db.open ? READY : notReady('The database is closed.')));
//   const frames = app.observability.metrics.counter({
//     name: 'pairkey_relay_frames_forwarded_total', help: 'Frames forwarded to a peer', labelNames: ['via'] as const,
//   });
//   frames.inc({ via: 'bus' });
//   app.observability.metrics.histogram({ name: 'pairkey_relay_bus_round_trip_seconds', help: '…', buckets: [...] });
//   app.observability.metrics.gauge({ name: 'pairkey_relay_channels', help: '…', collect() { this.set(n()); } });
// Each server has its own registry (never prom-client's global one), so many servers can run
// in one process (tests) without their metrics colliding. Metric names must start `pairkey_`;
// a name registered twice on one server throws. A check returns `READY` or `notReady(sentence)`,
// may be async, and counts as not ready if it throws or takes longer than 2 s.
// Once the server starts closing, /readyz answers 503 (check "shutdown") so balancers drain it.
export { Metrics, METRIC_NAME } from './metrics.ts';
export { observabilityPlugin, ReadinessBodySchema, type Observability, type ObservabilityOptions } from './plugin.ts';
export { notReady, READY, type CheckResult, type Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.ts';
