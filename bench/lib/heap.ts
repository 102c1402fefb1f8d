// A census of the V8 heap by constructor: how many objects of each kind and their own size.
// Two censuses (idle, then with N connections) divided by N say what each connection keeps.
import { getHeapSnapshot } from 'node:v8';

export interface CensusEntry {
  /** `Constructor` for objects, `(closure) name` for functions, `(type)` for the rest. */
  kind: string;
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

async function readSnapshot(): Promise<Snapshot> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
}

export async function heapCensus(): Promise<CensusEntry[]> {
  globalThis.gc?.();
  const { snapshot, nodes, strings } = await readSnapshot();
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const width = fields.length;
  const at = { type: fields.indexOf('type'), name: fields.indexOf('name'), size: fields.indexOf('self_size') };
  const census = new Map<string, CensusEntry>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + at.type]!]!;
    const name = strings[nodes[i + at.name]!] ?? '';
    const kind = type === 'object' ? name : type === 'closure' ? `(closure) ${name || 'anonymous'}` : `(${type})`;
    const entry = census.get(kind) ?? { kind, count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[i + at.size]!;
    census.set(kind, entry);
  }
  return [...census.values()];
}

/** What `connections` added, per connection, largest first. */
export function perConnection(before: CensusEntry[], after: CensusEntry[], connections: number, top = 15): CensusEntry[] {
  const base = new Map(before.map((e) => [e.kind, e]));
  return after
    .map((e) => ({
      kind: e.kind,
      count: (e.count - (base.get(e.kind)?.count ?? 0)) / connections,
      bytes: (e.bytes - (base.get(e.kind)?.bytes ?? 0)) / connections,
    }))
    .filter((e) => e.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

/** Resolves once `count()` is 0: closed sockets are released a few event-loop turns later. */
export async function untilIdle(count: () => number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count() > 0) {
    if (Date.now() > deadline) throw new Error(`${count()} connections still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
