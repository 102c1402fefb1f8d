// Marks a plugin so its hooks and decorators apply to the instance that registers it,
// the same thing fastify-plugin does. fastify-plugin is only a transitive dependency here,
// so we set Fastify's documented symbols ourselves rather than import it undeclared.
import type { FastifyPluginAsync } from 'fastify';

export function unencapsulated<Options extends Record<string, unknown>>(
  name: string,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  const marked = plugin as FastifyPluginAsync<Options> & Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = name;
  marked[Symbol.for('plugin-meta')] = { name, fastify: '5.x' };
  return plugin;
}
