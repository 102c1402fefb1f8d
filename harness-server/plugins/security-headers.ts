// Security headers for every response of the instance that registers this plugin, through
// @fastify/helmet: pages load only their own scripts and styles, nothing may frame them
// (clickjacking on sign-in buttons), and <base> cannot redirect relative script URLs.
import helmet from '@fastify/helmet';
import type { FastifyPluginAsync } from 'fastify';
import { unencapsulated } from './unencapsulated.ts';

export interface SecurityHeadersOptions extends Record<string, unknown> {
  /** Send HSTS (only meaningful, and only sent, when the site is served over https). */
  https?: boolean;
}

const plugin: FastifyPluginAsync<SecurityHeadersOptions> = async (app, { https = false }) => {
  await app.register(helmet, {
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
  });
};

export const securityHeaders = unencapsulated('pairkey-security-headers', plugin);
