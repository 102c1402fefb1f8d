// Opens the SQLite store (running migrations) for the RP and closes it with the server.
import type { FastifyPluginAsync } from 'fastify';
import { unencapsulated } from '../../plugins/unencapsulated.ts';
import { openStore, type Store } from '../db/store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

export interface StorePluginOptions extends Record<string, unknown> {
  dataDir: string;
}

const plugin: FastifyPluginAsync<StorePluginOptions> = async (app, { dataDir }) => {
  const store = openStore(dataDir);
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
};

export const storePlugin = unencapsulated('pairkey-rp-store', plugin);
