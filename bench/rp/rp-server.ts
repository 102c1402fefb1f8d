// The real harness server (relying party + relay, `buildServers`, configured from the
// environment exactly like `npm run serve`) in a child process of the benchmark.
import { buildServers } from '../../harness-server/app.ts';
import { loadConfig } from '../../harness-server/config.ts';
import { readFileSync } from 'node:fs';
import { serveParent } from '../lib/serve-parent.ts';
import { now } from '../lib/clock.ts';

const config = loadConfig();
const { main, phone } = await buildServers(config);
await main.listen({ port: config.port, host: config.host });
await phone.listen({ port: config.phonePort, host: config.host });

/**
 * Time every SQLite statement the RP runs, from outside: better-sqlite3's Statement methods are
 * wrapped on their shared prototype (statements the RP prepared at start included).
 */
type SqlStat = { sql: string; calls: number; ms: number };
let sqlStats: Map<string, SqlStat> | null = null;
const statementProto = Object.getPrototypeOf(main.store.db.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...args: unknown[]) => unknown> & { source: string };
for (const method of ['run', 'get', 'all'] as const) {
  const original = statementProto[method];
  statementProto[method] = function (this: { source: string }, ...args: unknown[]) {
    if (!sqlStats) return original.apply(this, args);
    const started = now();
    try {
      return original.apply(this, args);
    } finally {
      const sql = this.source.replace(/\s+/g, ' ').trim();
      const stat = sqlStats.get(sql) ?? { sql, calls: 0, ms: 0 };
      stat.calls++;
      stat.ms += now() - started;
      sqlStats.set(sql, stat);
    }
  };
}

serveParent({
  'sql-start': () => {
    sqlStats = new Map();
  },
  /** The statements run since sql-start, most time first. */
  'sql-stop': () => {
    const stats = [...(sqlStats?.values() ?? [])].sort((a, b) => b.ms - a.ms);
    sqlStats = null;
    return stats;
  },
  stats: () => ({ memory: process.memoryUsage(), cpu: process.cpuUsage(), requestThreadCpuUs: requestThreadCpuUs() }),
  /**
   * SQLite's durability setting, changed from outside for a second measurement in the same run:
   * the RP sets NORMAL (with WAL, no fsync per commit); FULL is SQLite's default.
   */
  'sqlite-synchronous': (mode) => {
    if (mode !== 'FULL' && mode !== 'NORMAL') throw new Error(`unexpected synchronous mode ${String(mode)}`);
    main.store.db.pragma(`synchronous = ${mode}`);
    return main.store.db.pragma('synchronous', { simple: true });
  },
});

process.on('SIGTERM', () => {
  Promise.all([main.close(), phone.close()]).finally(() => process.exit(0));
});

/**
 * CPU time of the request thread alone (the main thread, whose task id is the pid), in µs; what
 * caps the server's requests/s on one core. process.cpuUsage() counts every thread, the
 * verification workers and libuv's pool included. Linux only (/proc, clock ticks of 10 ms).
 */
function requestThreadCpuUs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}
