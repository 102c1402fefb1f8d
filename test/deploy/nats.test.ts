// deploy/nats/nats-server.conf, run: three nats-server nodes (Debian's package) from that file
// form one cluster, and a message published on one node reaches a subscriber on another (what
// two relay nodes on different NATS nodes rely on). The relay on the bus: test/relay-cluster;
// behind nginx, from these configs: cluster.test.ts.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsMonitor, natsServerInstalled, natsUntil, startNatsCluster, type NatsCluster, type NatsNode } from './nats.ts';

const missing = natsServerInstalled() ? null : 'nats-server is not installed (apt-get install nats-server)';
if (missing) console.warn(`test/deploy/nats.test.ts skipped: ${missing}`);

describe.skipIf(missing !== null)('NATS cluster from deploy/nats/nats-server.conf', () => {
  let dir: string;
  let cluster: NatsCluster;
  const clients: NatsConnection[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pairkey-nats-'));
    cluster = await startNatsCluster(dir);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('forms one cluster: every node routes to the two others', async () => {
    for (const node of cluster.nodes) {
      expect((await natsMonitor<{ num_routes: number }>(node, '/routez')).num_routes).toBe(2);
      const varz = await natsMonitor<{ server_name: string; cluster: { name: string } }>(node, '/varz');
      expect(varz).toMatchObject({ server_name: node.name, cluster: { name: 'pairkey-relay' } });
    }
  });

  it('carries a frame published on one node to a subscriber on another', async () => {
    const [first, , third] = cluster.nodes as [NatsNode, NatsNode, NatsNode];
    const subscriber = await connect({ servers: first.url });
    const publisher = await connect({ servers: third.url });
    clients.push(subscriber, publisher);
    const subject = `relay.test.${Date.now().toString(36)}`;
    const subscription = subscriber.subscribe(subject, { max: 1 });
    await subscriber.flush();
    // Interest crosses the routes in the background: node 3 must know node 1 wants the subject.
    await natsUntil<{ num_subscriptions: number }>(third, '/subsz', (s) => s.num_subscriptions >= 1);
    const frame = new Uint8Array([1, 2, 3, 250]);
    publisher.publish(subject, frame);
    for await (const message of subscription) expect([...message.data]).toEqual([...frame]);
    expect(subscription.getProcessed()).toBe(1);
  });

  it('keeps its client port off the monitoring port and its payload limit at 1 MiB', async () => {
    const node = cluster.nodes[0]!;
    const varz = await natsMonitor<{ max_payload: number; port: number; http_port: number }>(node, '/varz');
    expect(varz).toMatchObject({ max_payload: 1024 * 1024, port: node.client, http_port: node.monitor });
  });
});
