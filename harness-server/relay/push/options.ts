// The relay plugin's push options from the configuration (both entry points: app.ts, server.ts).
import type { RelayPushConfig } from '../../config.ts';
import type { RelayPushOptions } from './index.ts';
import { loadVapidKeys } from './vapid-keys.ts';

export function relayPushOptions(config: RelayPushConfig, dataDir: string): RelayPushOptions {
  return { keys: loadVapidKeys(dataDir, config.vapid), subject: config.subject, perMinute: config.perMinute, hosts: config.hosts };
}
