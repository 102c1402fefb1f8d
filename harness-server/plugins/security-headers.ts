// Essential security headers for every response of the instance that registers this plugin.
// A stand-in for @fastify/helmet (not installed): it sets only what these pages need.
import { unencapsulated } from './unencapsulated.ts';

// Pages load only their own scripts/styles; nothing may frame them (clickjacking on the
// sign-in buttons), and <base> cannot redirect relative script URLs.
const CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export const securityHeaders = unencapsulated('pairkey-security-headers', async (app) => {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    // The phone app's URL fragment carries the pairing secret; never leak URLs as Referer.
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    return payload;
  });
});
