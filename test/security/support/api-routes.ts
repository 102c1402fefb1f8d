// The RP's API routes, read from Fastify's own route table (printRoutes), so the suites that go
// over every route pick up new ones without anyone updating a list.
import type { FastifyInstance } from 'fastify';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const BODY_METHODS: readonly HttpMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

export interface RouteInfo {
  method: HttpMethod;
  url: string;
}

/**
 * printRoutes draws a tree: "├── /api/keys (GET, HEAD)" then "│   ├── /options (POST)" for
 * /api/keys/options. Each level indents by four characters. Path parameters get a placeholder.
 */
export function apiRoutes(app: FastifyInstance, methods: readonly HttpMethod[]): RouteInfo[] {
  const routes: RouteInfo[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/u.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (prefixes[depth - 1] ?? '') + match[2]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    if (!path.startsWith('/api/') || !match[3]) continue;
    const url = path.replace(/:[A-Za-z_]+/g, 'AAAAAAAAAAAAAAAAAAAAAA');
    for (const method of match[3].split(', ')) {
      const known = methods.find((m) => m === method);
      if (known) routes.push({ method: known, url });
    }
  }
  return routes;
}
