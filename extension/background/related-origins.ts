// Related origin requests (WebAuthn L3 §5.11): a site may use an RP ID that is not a registrable
// suffix of its own origin when `https://<rpId>/.well-known/webauthn` lists the site's origin.
// Modelled on Chromium's RemoteValidation (components/webauthn/core/browser/remote_validation.cc):
// the file is fetched without credentials, at most 256 KiB, within 10 s, must be served as
// `application/json`, and its `origins` may name at most 5 distinct registrable-domain labels
// (the "example" of example.com / example.co.uk): an origin after the fifth new label is not
// considered. Every failure leaves the call's SecurityError as it was.
//
// One deliberate difference from Chromium: redirects are not followed (L3 §5.11.1 fetches with
// redirect mode "error"; Chromium follows them). The fetch needs the `https://*/*` host permission
// (a service worker's fetch is otherwise CORS-bound) and `https:` in the extension pages' connect-src.
import { parse } from 'tldts';
import { WebAuthnError } from '../../shared/errors.ts';
import type { RpIdResolution } from '../../shared/webauthn/rp-id.ts';
import { relatedCheckApplies, resolveRpId } from '../../shared/webauthn/rp-id.ts';

const PSL = { allowPrivateDomains: true } as const;
/** Chromium's kRpIdMaxBodyBytes. */
export const WELL_KNOWN_MAX_BYTES = 1 << 18;
/** Chromium's SimpleURLLoader timeout for the fetch. */
export const WELL_KNOWN_TIMEOUT_MS = 10_000;
/** Chromium's kMaxLabels. */
export const MAX_LABELS = 5;

/** Called as a plain function, never as a method of something else (an illegal invocation). */
const globalFetch: typeof fetch = (input, init) => fetch(input, init);

export type WellKnownVerdict = 'allowed' | 'parse-error' | 'no-match' | 'no-match-hit-limits';

/** Chromium's ValidateWellKnownJSON: does the `.well-known/webauthn` body list `callerOrigin`? */
export function judgeWellKnown(callerOrigin: string, body: string): WellKnownVerdict {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'parse-error';
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return 'parse-error';
  const origins = (json as Record<string, unknown>).origins;
  if (!Array.isArray(origins)) return 'parse-error';
  const labels = new Set<string>();
  let hitLimits = false;
  for (const entry of origins) {
    if (typeof entry !== 'string') return 'parse-error';
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      continue;
    }
    const domain = parse(url.hostname, PSL).domain;
    if (!domain || url.hostname === '' || !domain.includes('.')) continue;
    const label = domain.slice(0, domain.indexOf('.'));
    if (!labels.has(label)) {
      if (labels.size >= MAX_LABELS) {
        hitLimits = true;
        continue;
      }
      labels.add(label);
    }
    if (url.origin === callerOrigin) return 'allowed';
  }
  return hitLimits ? 'no-match-hit-limits' : 'no-match';
}

/** The MIME type's essence (`application/json; charset=utf-8` → `application/json`). */
const essence = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * The `.well-known/webauthn` body of `rpId`, or null when it cannot be had the way Chromium takes it
 * (network error, not 2xx, a redirect, not application/json, larger than the cap, too slow).
 */
export async function fetchWellKnown(rpId: string, fetcher: typeof fetch = globalFetch): Promise<string | null> {
  const signal = AbortSignal.timeout(WELL_KNOWN_TIMEOUT_MS);
  try {
    const response = await fetcher(`https://${rpId}/.well-known/webauthn`, { credentials: 'omit', redirect: 'error', signal });
    if (!response.ok || essence(response.headers.get('content-type')) !== 'application/json' || !response.body) return null;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > WELL_KNOWN_MAX_BYTES) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The RP ID for the call (WebAuthn L3 §5.1.3 step 7 / §5.1.4 step 6): the origin's own check, and
 * when that fails only because the RP ID is another site's, the related origins that site lists.
 */
export async function resolveRpIdOrRelated(callerOrigin: string, requested: string | undefined, fetcher: typeof fetch = globalFetch): Promise<RpIdResolution> {
  try {
    return { rpId: resolveRpId(callerOrigin, requested), via: 'origin' };
  } catch (error) {
    if (!(error instanceof WebAuthnError) || requested === undefined || !relatedCheckApplies(callerOrigin, requested)) throw error;
    const body = await fetchWellKnown(requested, fetcher);
    if (body !== null && judgeWellKnown(callerOrigin, body) === 'allowed') return { rpId: requested, via: 'related-origins' };
    throw error;
  }
}
