import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { securityHeaders, securityHeaderValues } from './security-headers.ts';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function server(https?: boolean): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(securityHeaders, https === undefined ? {} : { https });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw Object.assign(new Error('nope'), { statusCode: 400 });
  });
  app.get('/own-csp', async (_request, reply) => reply.header('Content-Security-Policy', "default-src 'none'").send('x'));
  return app;
}

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'self'";

describe('security headers', () => {
  it('are the headers helmet computes, on answers, errors and unknown routes alike', async () => {
    const s = await server();
    for (const url of ['/ok', '/fails', '/nowhere']) {
      const response = await s.inject(url);
      expect(response.headers).toMatchObject(securityHeaderValues(false));
      expect(response.headers['content-security-policy']).toBe(CSP);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('adds HSTS for an https site only', async () => {
    const response = await (await server(true)).inject('/ok');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('lets a route set its own CSP on top', async () => {
    const response = await (await server()).inject('/own-csp');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'");
    expect(response.headers['x-frame-options']).toBe('DENY');
  });
});
