// The FIDO AppID extensions (`appid` on get, `appidExclude` on create; WebAuthn L3 §10.1.1-2):
// the AppID must be an https URL of the caller's own site, else the call fails with SecurityError
// before anything is asked of a phone, as in Chromium. Pairkey's phones never hold U2F
// credentials, so the AppID is never used to sign: `appid` is reported as false.
import { parse } from 'tldts';
import { WebAuthnError } from '../../shared/errors.ts';

const PSL = { allowPrivateDomains: true } as const;

/**
 * Throws SecurityError unless `appid` may be claimed by `callerOrigin` (same registrable domain),
 * SyntaxError when it is not a URL at all.
 */
export function checkAppId(callerOrigin: string, appid: unknown): void {
  const refuse = (why: string): never => {
    throw new WebAuthnError('SecurityError', `The AppID ${JSON.stringify(String(appid).slice(0, 200))} cannot be used here: ${why}.`);
  };
  if (typeof appid !== 'string') refuse('it is not a string');
  const origin = new URL(callerOrigin);
  if (origin.protocol !== 'https:') refuse('AppIDs need an https page');
  // An empty AppID stands for the caller's own origin (FIDO AppID and Facets §3.1.2 step 1).
  if (appid === '') return;
  let url: URL;
  try {
    url = new URL(appid as string);
  } catch {
    // Chromium: SyntaxError for a value that is neither empty nor a URL.
    throw new WebAuthnError('SyntaxError', `The AppID ${JSON.stringify(String(appid).slice(0, 200))} is neither empty nor a URL.`);
  }
  if (url.protocol !== 'https:') refuse('it is not an https URL');
  if (url.hostname === origin.hostname) return;
  const site = parse(url.hostname, PSL).domain;
  if (site === null || site !== parse(origin.hostname, PSL).domain) refuse('it names another site');
}
