// Starts a NATS cluster from deploy/nats/nats-server.conf: one nats-server child process per node
// (Debian's package), the file's addresses, ports and routes substituted. Every substitution
// must match, so an edit of the file that would escape the tests fails them instead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './nginx.ts';

export const NATS_CONF = fileURLToPath(new URL('../../deploy/nats/nats-server.conf', import.meta.url));
export const NATS_SERVER = '/usr/sbin/nats-server';

export function natsServerInstalled(): boolean {
  return spawnSync(NATS_SERVER, ['--version']).status === 0;
}

export interface NatsNode {
  name: string;
  client: number;
  cluster: number;
  monitor: number;
  /** nats://127.0.0.1:<client> */
  url: string;
}

/** The repo's file for one node: its name and ports, every node's route. */
export function natsNodeConfig(node: NatsNode, all: NatsNode[], source = readFileSync(NATS_CONF, 'utf8')): string {
  let text = source;
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

export async function natsMonitor<T>(node: NatsNode, path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${node.monitor}${path}`)).json()) as T;
}

/** Polls a node's monitoring endpoint until `done` (routes and interest spread in the background). */
export async function natsUntil<T>(node: NatsNode, path: string, done: (value: T) => boolean): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      last = await natsMonitor<T>(node, path);
      if (done(last)) return last;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${node.name} ${path} never satisfied the condition; last: ${JSON.stringify(last)}`);
}

export interface NatsCluster {
  nodes: NatsNode[];
  stop(): Promise<void>;
}

/** Starts the nodes and waits until every one routes to all the others. */
export async function startNatsCluster(dir: string, names = ['nats-1', 'nats-2', 'nats-3']): Promise<NatsCluster> {
  const nodes: NatsNode[] = [];
  for (const name of names) {
    const client = await freePort();
    nodes.push({ name, client, cluster: await freePort(), monitor: await freePort(), url: `nats://127.0.0.1:${client}` });
  }
  const children: { child: ChildProcess; exited: Promise<void> }[] = [];
  const stop = async () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map(({ exited }) => exited));
  };
  try {
    for (const node of nodes) {
      const file = join(dir, `${node.name}.conf`);
      writeFileSync(file, natsNodeConfig(node, nodes));
      const check = spawnSync(NATS_SERVER, ['-c', file, '-t']);
      if (check.status !== 0) throw new Error(`nats-server -t refused ${node.name}: ${check.stderr.toString()}`);
      const child = spawn(NATS_SERVER, ['-c', file], { stdio: 'ignore' });
      children.push({ child, exited: new Promise((resolve) => child.once('exit', () => resolve())) });
    }
    for (const node of nodes) await natsUntil<{ num_routes: number }>(node, '/routez', (r) => r.num_routes >= nodes.length - 1);
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, stop };
}
