import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startServers, testConfig, type Started } from '../testing/servers.ts';
import { notReady, observabilityPlugin, READY, type ObservabilityOptions } from './index.ts';

const apps: FastifyInstance[] = [];
let servers: Started | undefined;
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await servers?.close();
  servers = undefined;
});

async function observed(options: ObservabilityOptions = {}, setup?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  await app.register(observabilityPlugin, options);
  setup?.(app);
  await app.ready();
  return app;
}

describe('observability plugin', () => {
  it('answers /healthz and, with no checks, /readyz as ready; probes are never cached', async () => {
    const app = await observed();
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ alive: true });
    expect(health.headers['cache-control']).toBe('no-store');
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, notReady: [], checks: [] });
    expect(ready.headers['cache-control']).toBe('no-store');
  });

  it('answers /readyz 503 naming every failing check, with a sentence and the reasons', async () => {
    let busUp = false;
    const app = await observed({}, (a) => {
      a.observability.registerReadinessCheck('database', () => READY);
      a.observability.registerReadinessCheck('bus', async () => (busUp ? READY : notReady('The bus is disconnected.')));
      a.observability.registerReadinessCheck('disk', () => {
        throw new Error('disk gone');
      });
    });
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.ready).toBe(false);
    expect(body.notReady).toEqual(['bus', 'disk']);
    expect(body.error).toBe('Not ready: bus (The bus is disconnected.); disk (The check failed: disk gone)');
    expect(body.checks).toEqual([
      { name: 'database', ready: true },
      { name: 'bus', ready: false, reason: 'The bus is disconnected.' },
      { name: 'disk', ready: false, reason: 'The check failed: disk gone' },
    ]);
    busUp = true;
    expect((await app.inject('/readyz')).statusCode).toBe(503); // disk still fails
  });

  it('recovers: /readyz follows its checks', async () => {
    let up = false;
    const app = await observed({}, (a) => a.observability.registerReadinessCheck('bus', () => (up ? READY : notReady('Down.'))));
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    up = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
  });

  it('counts a check that never answers as not ready instead of hanging the probe', async () => {
    const app = await observed({ checkTimeoutMs: 50 }, (a) =>
      a.observability.registerReadinessCheck('stuck', () => new Promise(() => {})),
    );
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual([{ name: 'stuck', ready: false, reason: 'The check did not answer within 50 ms.' }]);
  });

  it('reports not ready once the server starts closing, so a balancer drains it', async () => {
    let during: unknown;
    const app = await observed({}, (a) => {
      a.addHook('preClose', async () => {
        during = await a.observability.readiness();
      });
    });
    expect((await app.observability.readiness()).ready).toBe(true);
    await app.close();
    expect(during).toEqual({ ready: false, checks: [{ name: 'shutdown', ready: false, reason: 'The server is shutting down.' }] });
  });

  it('refuses a check name registered twice or not in kebab case', async () => {
    const app = await observed();
    app.observability.registerReadinessCheck('database', () => READY);
    expect(() => app.observability.registerReadinessCheck('database', () => READY)).toThrow(/already registered/);
    expect(() => app.observability.registerReadinessCheck('Data Base', () => READY)).toThrow(/lower-case/);
  });

  it('serves metrics other parts register, in the Prometheus text format', async () => {
    const app = await observed({}, (a) => {
      const frames = a.observability.metrics.counter({ name: 'pairkey_test_frames_total', help: 'Frames seen', labelNames: ['via'] as const });
      frames.inc({ via: 'bus' }, 3);
      const latency = a.observability.metrics.histogram({ name: 'pairkey_test_latency_seconds', help: 'Latency', buckets: [0.001, 0.01] });
      latency.observe(0.005);
      a.observability.metrics.gauge({
        name: 'pairkey_test_channels',
        help: 'Open channels',
        collect() {
          this.set(7);
        },
      });
    });
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE pairkey_test_frames_total counter');
    expect(response.body).toContain('pairkey_test_frames_total{via="bus"} 3');
    expect(response.body).toContain('pairkey_test_latency_seconds_bucket{le="0.01"} 1');
    expect(response.body).toContain('pairkey_test_channels 7');
    // Process metrics are opt-in (one server per process turns them on).
    expect(response.body).not.toContain('pairkey_process_cpu');
  });

  it('gives every server its own registry: two servers in one process register the same names', async () => {
    const make = (a: FastifyInstance) => a.observability.metrics.counter({ name: 'pairkey_test_same_total', help: 'Same name' });
    const one = await observed({}, (a) => make(a).inc(1));
    const two = await observed({}, (a) => make(a).inc(5));
    expect((await one.inject('/metrics')).body).toContain('pairkey_test_same_total 1');
    expect((await two.inject('/metrics')).body).toContain('pairkey_test_same_total 5');
    expect(() => make(one)).toThrow(/already registered on this server/);
    expect(() => one.observability.metrics.counter({ name: 'frames_total', help: 'x' })).toThrow(/must match/);
  });

  it('exports process metrics when asked', async () => {
    const app = await observed({ processMetrics: true });
    expect((await app.inject('/metrics')).body).toContain('pairkey_process_cpu_seconds_total');
  });
});

describe('harness server observability', () => {
  it('is ready while its database answers, and names the database once it does not', async () => {
    servers = await startServers(testConfig());
    const ready = await fetch(`${servers.mainUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: [{ name: 'database', ready: true }] });
    expect((await fetch(`${servers.mainUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${servers.mainUrl}/metrics`)).status).toBe(200);

    servers.main.store.db.close();
    const closed = await fetch(`${servers.mainUrl}/readyz`);
    expect(closed.status).toBe(503);
    const body = (await closed.json()) as { notReady: string[]; error: string };
    expect(body.notReady).toEqual(['database']);
    expect(body.error).toBe('Not ready: database (The database is closed.)');
    // Still alive: a closed database is for the balancer to route around, not for a restart.
    expect((await fetch(`${servers.mainUrl}/healthz`)).status).toBe(200);
  });
});
