// deploy/nats/nats-server.conf, run: three nats-server nodes (Debian's package) from that file,
// addresses and ports substituted, form one cluster; a message published on one node reaches
// a subscriber on another (what two relay nodes on different NATS nodes rely on). The relay
// over the bus itself is tested in test/relay-cluster.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './nginx.ts';

const NATS_CONF = fileURLToPath(new URL('../../deploy/nats/nats-server.conf', import.meta.url));
const NATS = '/usr/sbin/nats-server';
const missing = spawnSync(NATS, ['--version']).status === 0 ? null : 'nats-server is not installed (apt-get install nats-server)';
if (missing) console.warn(`test/deploy/nats.test.ts skipped: ${missing}`);

interface Node {
  name: string;
  client: number;
  cluster: number;
  monitor: number;
  process?: ChildProcess;
  exited?: Promise<void>;
}

/** The repo's file for one node: its name and ports, the cluster's routes; every edit must match. */
function nodeConfig(node: Node, all: Node[]): string {
  let text = readFileSync(NATS_CONF, 'utf8');
  const replace = (pattern: RegExp, replacement: string, expected: number): void => {
    const count = text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
    if (count !== expected) throw new Error(`deploy/nats/nats-server.conf: expected ${expected} match(es) of ${pattern}, found ${count}`);
    text = text.replace(new RegExp(pattern.source, 'gm'), replacement);
  };
  replace(/^server_name: nats-1$/, `server_name: ${node.name}`, 1);
  replace(/^listen: 10\.0\.1\.11:4222$/, `listen: 127.0.0.1:${node.client}`, 1);
  replace(/^http: 127\.0\.0\.1:8222$/, `http: 127.0.0.1:${node.monitor}`, 1);
  replace(/^ {2}listen: 10\.0\.1\.11:6222$/, `  listen: 127.0.0.1:${node.cluster}`, 1);
  replace(/(^ {4}nats-route:\/\/10\.0\.1\.1\d:6222\n){3}/, all.map((n) => `    nats-route://127.0.0.1:${n.cluster}\n`).join(''), 1);
  return text;
}

async function monitor<T>(node: Node, path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${node.monitor}${path}`)).json()) as T;
}

/** Polls a node's monitoring endpoint until `done` (the cluster forms in the background). */
async function until<T>(node: Node, path: string, done: (value: T) => boolean): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      last = await monitor<T>(node, path);
      if (done(last)) return last;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${node.name} ${path} never satisfied the condition; last: ${JSON.stringify(last)}`);
}

describe.skipIf(missing !== null)('NATS cluster from deploy/nats/nats-server.conf', () => {
  let dir: string;
  const nodes: Node[] = [];
  const clients: NatsConnection[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pairkey-nats-'));
    for (const name of ['nats-1', 'nats-2', 'nats-3']) {
      nodes.push({ name, client: await freePort(), cluster: await freePort(), monitor: await freePort() });
    }
    for (const node of nodes) {
      const file = join(dir, `${node.name}.conf`);
      writeFileSync(file, nodeConfig(node, nodes));
      const check = spawnSync(NATS, ['-c', file, '-t']);
      if (check.status !== 0) throw new Error(`nats-server -t refused ${node.name}: ${check.stderr.toString()}`);
      const child = spawn(NATS, ['-c', file], { stdio: 'ignore' });
      node.process = child;
      node.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    }
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    for (const node of nodes) if (node.process?.exitCode === null) node.process.kill('SIGTERM');
    await Promise.all(nodes.map((node) => node.exited));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('forms one cluster: every node routes to the two others', async () => {
    for (const node of nodes) {
      const routez = await until<{ num_routes: number; routes?: { remote_id: string }[] }>(node, '/routez', (r) => r.num_routes >= 2);
      expect(routez.num_routes).toBe(2);
      const varz = await monitor<{ server_name: string; cluster: { name: string } }>(node, '/varz');
      expect(varz).toMatchObject({ server_name: node.name, cluster: { name: 'pairkey-relay' } });
    }
  });

  it('carries a frame published on one node to a subscriber on another', async () => {
    const [first, , third] = nodes as [Node, Node, Node];
    const subscriber = await connect({ servers: `127.0.0.1:${first.client}` });
    const publisher = await connect({ servers: `127.0.0.1:${third.client}` });
    clients.push(subscriber, publisher);
    const subject = `relay.test.${Date.now().toString(36)}`;
    const subscription = subscriber.subscribe(subject, { max: 1 });
    await subscriber.flush();
    // Interest crosses the routes in the background: node 3 must know node 1 wants the subject.
    await until<{ num_subscriptions: number }>(third, '/subsz', (s) => s.num_subscriptions >= 1);
    const frame = new Uint8Array([1, 2, 3, 250]);
    publisher.publish(subject, frame);
    for await (const message of subscription) expect([...message.data]).toEqual([...frame]);
    expect(subscription.getProcessed()).toBe(1);
  });

  it('keeps its client port off the monitoring port and its payload limit at 1 MiB', async () => {
    const varz = await monitor<{ max_payload: number; port: number; http_port: number }>(nodes[0]!, '/varz');
    expect(varz).toMatchObject({ max_payload: 1024 * 1024, port: nodes[0]!.client, http_port: nodes[0]!.monitor });
  });
});
