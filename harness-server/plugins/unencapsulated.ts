// Marks a plugin so its hooks and decorators apply to the instance that registers it
// (fastify-plugin), with the name Fastify reports in errors and the Fastify major every
// plugin here is written for, stated once.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export function unencapsulated<Options extends Record<string, unknown>>(
  name: string,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  return fp(plugin, { name, fastify: '5.x' });
}
