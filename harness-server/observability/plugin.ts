// The Fastify side of observability: decorates the instance with `observability` (its own
// metrics registry and readiness checks) and serves GET /healthz, /readyz and /metrics.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { unencapsulated } from '../plugins/unencapsulated.ts';
import { Metrics } from './metrics.ts';
import { ReadinessChecks, type ReadinessCheck, type ReadinessReport } from './readiness.ts';

export interface Observability {
  /** Counters, gauges and histograms on this server's own registry (see index.ts). */
  readonly metrics: Metrics;
  /** The server answers /readyz with 200 only while every registered check passes. */
  registerReadinessCheck(name: string, check: ReadinessCheck): void;
  readiness(): Promise<ReadinessReport>;
}

declare module 'fastify' {
  interface FastifyInstance {
    observability: Observability;
  }
}

export interface ObservabilityOptions extends Record<string, unknown> {
  /** Also export process metrics (CPU, memory, event loop, GC): servers that run alone turn it on. */
  processMetrics?: boolean;
  /** How long one readiness check may take before it counts as not ready. */
  checkTimeoutMs?: number;
}

// The /readyz body, a contract with load balancers and operators (docs/server.md).
const CheckSchema = Type.Object({ name: Type.String(), ready: Type.Boolean(), reason: Type.Optional(Type.String()) });
export const ReadinessBodySchema = Type.Object({
  ready: Type.Boolean(),
  /** A sentence naming what is not ready; absent when ready. */
  error: Type.Optional(Type.String()),
  /** Names of the failing checks, for scripts (`jq .notReady`). */
  notReady: Type.Array(Type.String()),
  checks: Type.Array(CheckSchema),
});

const plugin: FastifyPluginAsync<ObservabilityOptions> = async (app, options) => {
  const metrics = new Metrics();
  if (options.processMetrics) metrics.collectProcessMetrics();
  const checks = new ReadinessChecks(options.checkTimeoutMs);

  app.decorate('observability', {
    metrics,
    registerReadinessCheck: (name, check) => checks.register(name, check),
    readiness: () => checks.evaluate(),
  } satisfies Observability);

  // Fastify answers 503 itself to requests that arrive while it closes; this covers the
  // window before (preClose hooks such as the relay's socket drain can take a second).
  app.addHook('preClose', async () => checks.stopping());

  // Probes must never be cached by a proxy: a stale "ready" would route traffic to a dead node.
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { alive: true };
  });

  app.get('/readyz', { schema: { response: { 200: ReadinessBodySchema, 503: ReadinessBodySchema } } }, async (_request, reply) => {
    const report = await checks.evaluate();
    const failing = report.checks.filter((check) => !check.ready);
    reply.header('cache-control', 'no-store').code(report.ready ? 200 : 503);
    return {
      ready: report.ready,
      ...(failing.length > 0 ? { error: `Not ready: ${failing.map((check) => `${check.name} (${check.reason ?? 'no reason given'})`).join('; ')}` } : {}),
      notReady: failing.map((check) => check.name),
      checks: report.checks,
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(metrics.contentType);
    return metrics.text();
  });
};

export const observabilityPlugin = unencapsulated<ObservabilityOptions>('pairkey-observability', plugin);
