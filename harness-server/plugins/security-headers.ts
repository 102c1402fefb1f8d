// Security headers for every response of the instance that registers this plugin, from helmet:
// pages load only their own scripts and styles, nothing may frame them (clickjacking on sign-in
// buttons), and <base> cannot redirect relative script URLs.
//
// The headers depend on the configuration only, so helmet computes them once, at registration.
// @fastify/helmet built a new helmet middleware (re-validating the CSP) for every request:
// about 55 µs of CPU per request, against 18 µs for setting the precomputed headers
// (docs/performance.md).
import type { FastifyPluginAsync } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { unencapsulated } from './unencapsulated.ts';

export interface SecurityHeadersOptions extends Record<string, unknown> {
  /** Send HSTS (only meaningful, and only sent, when the site is served over https). */
  https?: boolean;
}

function helmetOptions(https: boolean): HelmetOptions {
  return {
    // Without `useDefaults: false` helmet would add its defaults (inline styles, https upgrade
    // of an http development site, fonts from anywhere) to this list.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // data: for QR codes rendered as PNG data URLs.
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // The phone app's URL fragment carries the pairing secret, and email links carry tokens:
    // never leak URLs as Referer.
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    // Pages embed nothing cross-origin, and a CORP/COEP mismatch would only break the vendored
    // module if it ever moved to a CDN.
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  };
}

/**
 * The headers helmet sets for these options. None of the options reads the request (no
 * per-request nonces or directive functions), so one run against a recording response says
 * what every response gets.
 */
export function securityHeaderValues(https: boolean): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: () => undefined,
  };
  helmet(helmetOptions(https))({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

const plugin: FastifyPluginAsync<SecurityHeadersOptions> = async (app, { https = false }) => {
  const headers = securityHeaderValues(https);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
};

export const securityHeaders = unencapsulated('pairkey-security-headers', plugin);
