// Starting the relay under test (lib/relay-server.ts) as plain JavaScript in its own process.
import { Child } from './child.ts';

export interface RelayOptions {
  /** Record frame timestamps (BENCH_CAPTURE_FRAMES). */
  capture?: boolean;
  /** RELAY_* settings and anything else for the server's environment. */
  env?: Record<string, string>;
  execArgv?: string[];
  /** Pin to the servers' core (lib/child.ts). */
  pinned?: boolean;
}

export function startRelay(port: number, options: RelayOptions = {}): Promise<Child> {
  return Child.start(
    'lib/relay-server.ts',
    { PORT: String(port), ...(options.capture ? { BENCH_CAPTURE_FRAMES: '1' } : {}), ...options.env },
    { compiled: true, execArgv: options.execArgv ?? [], ...(options.pinned ? { cpu: 'server' as const } : {}) },
  );
}
