// RP ID validation (WebAuthn L3 §5.1.3 step 7 / §5.1.4 step 6): the RP ID must be the caller
// origin's effective domain or a registrable domain suffix of it (HTML "is a registrable domain
// suffix of or is equal to"), judged with the Public Suffix List including its private section
// (so `github.io` is a public suffix and `user.github.io` cannot claim it).
//
// Deliberate choices, all failing closed with SecurityError:
//  - an RP ID that is not already canonical (uppercase, Unicode instead of punycode), as Chromium;
//  - only https: origins, plus http: on localhost / *.localhost (secure contexts by definition);
//  - IP-address hosts are refused (browsers refuse WebAuthn there; an IP has no registrable
//    domain to scope credentials to);
//  - a public suffix is never an RP ID, not even when it equals the origin's host;
//  - "localhost" counts as a registrable domain for *.localhost, since every name under it is
//    the local machine (RFC 6761); the PSL's default rule would otherwise call it a suffix;
//  - hosts and RP IDs with a trailing dot are refused rather than normalised, because the RP's
//    rpIdHash would not match either spelling reliably.
import { parse } from 'tldts';
import { WebAuthnError } from '../errors.ts';

const PSL_OPTIONS = { allowPrivateDomains: true } as const;

/** Returns the RP ID to use (lowercase, punycode) or throws WebAuthnError('SecurityError'). */
export function resolveRpId(origin: string, requestedRpId: string | undefined): string {
  const url = parseOrigin(origin);
  if (!url) throw security(`${describe(origin)} is not a valid origin`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw security(`WebAuthn needs an https origin, not ${url.protocol}`);
  }
  const host = url.hostname;
  if (isIpHost(host)) throw security(`WebAuthn is not available on an IP address origin (${host})`);
  if (url.protocol === 'http:' && !isLocalhost(host)) {
    throw security(`WebAuthn needs a secure origin; http: is only allowed on localhost (${origin})`);
  }
  if (host.endsWith('.') || host === '') throw security(`The origin host ${describe(host)} is not a valid domain`);

  if (requestedRpId === undefined) {
    // §5.1.3 step 7: rp.id defaults to the origin's effective domain.
    assertNotPublicSuffix(host);
    return host;
  }
  if (typeof requestedRpId !== 'string') throw security('The RP ID must be a string');
  const rpId = parseHost(requestedRpId);
  if (!rpId) throw security(`${describe(requestedRpId)} is not a valid domain`);
  // Chromium takes the RP ID only in its canonical form: "EXAMPLE.com" or "bücher.example" are a
  // SecurityError there, not lowercased or punycoded (the site sees Chromium; issue 12).
  if (rpId !== requestedRpId) throw security(`The RP ID ${describe(requestedRpId)} is not in canonical form (lowercase, punycode)`);
  if (isIpHost(rpId)) throw security(`The RP ID ${rpId} is an IP address`);
  if (rpId !== host && !host.endsWith('.' + rpId)) {
    throw security(`The RP ID ${rpId} is not a registrable domain suffix of, nor equal to, ${host}`);
  }
  assertNotPublicSuffix(rpId);
  return rpId;
}

/**
 * How the client accepted the call's RP ID: the origin's own (a registrable suffix of its host),
 * or another site's that lists the origin in its `/.well-known/webauthn` (L3 §5.11). The phone
 * repeats the first check itself; the second it takes from the client, which fetched the list.
 */
export interface RpIdResolution {
  rpId: string;
  via: 'origin' | 'related-origins';
}

/**
 * True when the related-origins check applies: the caller's origin is a valid https origin and the
 * requested RP ID is a good RP ID on its own (canonical, a domain, not a public suffix) that merely
 * is not a registrable suffix of the caller's host. Anything else stays the plain SecurityError.
 */
export function relatedCheckApplies(callerOrigin: string, rpId: string): boolean {
  try {
    if (new URL(callerOrigin).protocol !== 'https:') return false;
    resolveRpId(callerOrigin, undefined);
    return resolveRpId(`https://${rpId}`, rpId) === rpId;
  } catch {
    return false;
  }
}

/**
 * Secure Contexts §3.1 "Is origin potentially trustworthy?": https/wss, or loopback hosts
 * (127.0.0.0/8, ::1, localhost and *.localhost) on any scheme; opaque origins never.
 */
export function isPotentiallyTrustworthyOrigin(origin: string): boolean {
  const url = parseOrigin(origin);
  if (!url) return false;
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true;
  if (url.protocol !== 'http:' && url.protocol !== 'ws:') return false;
  const host = url.hostname;
  return isLocalhost(host) || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function assertNotPublicSuffix(host: string): void {
  if (isLocalhost(host)) return;
  const info = parse(host, PSL_OPTIONS);
  // `domain` is the registrable domain (public suffix + one label); null means `host` is itself
  // a public suffix (com, co.uk, github.io) or something tldts could not place.
  if (info.isIp || info.domain === null || info.publicSuffix === null || info.hostname !== host) {
    throw security(`${host} is a public suffix and cannot be an RP ID`);
  }
}

function isLocalhost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

function isIpHost(host: string): boolean {
  // The WHATWG URL parser has already canonicalised IPv4 (including forms like 0x7f.1) to
  // dotted decimal and wrapped IPv6 in brackets.
  return host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

/** A tuple origin (scheme://host[:port]) parsed by the WHATWG URL parser, or null. */
function parseOrigin(origin: string): URL | null {
  if (typeof origin !== 'string' || origin === 'null') return null;
  try {
    const url = new URL(origin);
    // Anything with userinfo, a path, query or fragment is a URL, not an origin.
    if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
    if (origin.endsWith('/')) return null;
    return url;
  } catch {
    return null;
  }
}

/**
 * Parse an RP ID as a host with the WHATWG host parser (lowercases, IDNA → punycode, IPv4
 * canonicalisation). Characters that would make the URL parser read it as more than a host are
 * refused first, so "example.com/evil" or "a@b" cannot slip through as "example.com".
 */
function parseHost(rpId: string): string | null {
  if (rpId === '' || rpId.length > 253 || /[\s/\\?#@:%[\]]/.test(rpId) || rpId.endsWith('.')) return null;
  try {
    const url = new URL(`https://${rpId}`);
    return url.hostname === '' ? null : url.hostname;
  } catch {
    return null;
  }
}

function describe(value: string): string {
  return JSON.stringify(String(value).slice(0, 200));
}

function security(message: string): WebAuthnError {
  return new WebAuthnError('SecurityError', message);
}
