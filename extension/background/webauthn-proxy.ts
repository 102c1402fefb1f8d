// Chrome's second path: chrome.webAuthenticationProxy. While attached, every WebAuthn call that
// reaches the browser itself comes here instead of to Chrome's own passkey UI: calls that did not
// pass through the page script (a function taken from a fresh frame before the script ran there,
// frames content scripts cannot enter). Calls the page script handles never reach the browser.
//
// The origin check survives: Chrome runs its own origin and rpId checks before proxying, and puts
// the caller's origin into the request as `extensions.remoteDesktopClientOverride` (the browser
// writes it, a page cannot: Chrome refuses page calls that carry that extension). Pairkey then runs
// its own rpId check against that origin like on the page path.
//
// Attaching takes over the browser's authenticators for the whole profile, so Pairkey attaches
// only while a phone is paired, and detaches while the page script hands a call to the browser
// (the person chose the browser, or no phone was reachable) until that call has settled.
import type { Ceremony } from './webauthn-client.ts';
import { creationOptionsFromJSON, requestOptionsFromJSON } from '../../shared/webauthn/json.ts';
import { WebAuthnError } from '../../shared/errors.ts';
import { fromB64url } from '../../shared/bytes.ts';
import type { CeremonyResult } from '../../shared/webauthn/ceremony-contract.ts';
import type { Caller } from './caller.ts';
import { runCeremony } from './requests.ts';
import { getConfirmedPhones, getSettings } from './storage.ts';

type ProxyApi = typeof chrome.webAuthenticationProxy;

const api: ProxyApi | undefined = (globalThis as { chrome?: { webAuthenticationProxy?: ProxyApi } }).chrome?.webAuthenticationProxy;

let attached = false;
let nativeCalls = 0;
let updating: Promise<void> = Promise.resolve();
const inFlight = new Map<number, AbortController>();
/** Chrome cancelled these (page abort, timeout): they must not be completed. */
const inFlightCancelled = new Set<number>();
let onChange: () => void = () => undefined;

export function onProxyChange(listener: () => void): void {
  onChange = listener;
}

export function proxyState(enabled: boolean): { available: boolean; enabled: boolean; attached: boolean } {
  return { available: api !== undefined, enabled, attached };
}

/** Attach or detach to match the settings, the phones and the browser calls in flight. */
export function updateProxy(): Promise<void> {
  updating = updating.then(apply, apply);
  return updating;
}

async function apply(): Promise<void> {
  if (!api) return;
  const [{ proxyEnabled }, phones] = await Promise.all([getSettings(), getConfirmedPhones()]);
  const want = proxyEnabled && phones.length > 0 && nativeCalls === 0;
  if (want === attached) return;
  const error = want ? await api.attach() : await api.detach();
  // attach() fails when another extension is the proxy: Pairkey then relies on the page script only.
  if (!error) attached = want;
  onChange();
}

/** The page script is about to call the browser's own implementation: step aside until it settles. */
export async function browserCallStarting(): Promise<() => void> {
  nativeCalls += 1;
  await updateProxy();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    nativeCalls -= 1;
    void updateProxy();
  };
}

interface OverrideExtension {
  origin?: unknown;
  sameOriginWithAncestors?: unknown;
}

/** The caller as Chrome reported it, and the options without Chrome's own extension member. */
function unwrap(requestDetailsJson: string): { caller: Caller; json: Record<string, unknown> } {
  const json = JSON.parse(requestDetailsJson) as Record<string, unknown>;
  const extensions = { ...((json.extensions as Record<string, unknown> | undefined) ?? {}) };
  const override = extensions.remoteDesktopClientOverride as OverrideExtension | undefined;
  delete extensions.remoteDesktopClientOverride;
  if (!override || typeof override.origin !== 'string') throw new WebAuthnError('NotAllowedError', 'The browser did not say who is calling');
  const origin = new URL(override.origin).origin;
  const crossOrigin = override.sameOriginWithAncestors === false;
  if (extensions.prf) extensions.prf = prfFromJSON(extensions.prf);
  return {
    caller: { origin, topOrigin: crossOrigin ? null : origin, crossOrigin, tabId: -1, frameId: -1 },
    json: { ...json, extensions },
  };
}

/** PRF inputs arrive base64url-encoded here; the page path hands them over as bytes. */
function prfFromJSON(prf: unknown): unknown {
  const bytes = (v: unknown) => (typeof v === 'string' ? fromB64url(v) : v);
  const values = (v: unknown) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bytes(x)])) : v);
  if (!prf || typeof prf !== 'object') return prf;
  const p = prf as { eval?: unknown; evalByCredential?: Record<string, unknown> };
  return {
    ...p,
    ...(p.eval === undefined ? {} : { eval: values(p.eval) }),
    ...(p.evalByCredential && typeof p.evalByCredential === 'object'
      ? { evalByCredential: Object.fromEntries(Object.entries(p.evalByCredential).map(([k, v]) => [k, values(v)])) }
      : {}),
  };
}

async function handle(kind: Ceremony['kind'], requestId: number, requestDetailsJson: string): Promise<CeremonyResult> {
  const controller = new AbortController();
  inFlight.set(requestId, controller);
  try {
    const { caller, json } = unwrap(requestDetailsJson);
    return await runCeremony({
      kind,
      caller,
      // The proxied options carry no mediation: conditional requests are not proxied here.
      mediation: undefined,
      parse: () => (kind === 'create' ? creationOptionsFromJSON(json) : requestOptionsFromJSON(json)),
      // Chrome enforced the permissions policy before proxying.
      checkFrame: async () => undefined,
      canUseBrowser: false,
      pageSignal: controller.signal,
    });
  } catch (error) {
    const e = error instanceof WebAuthnError ? error : new WebAuthnError('NotAllowedError', 'The request could not be read');
    return { status: 'error', name: e.errorName, message: e.message };
  } finally {
    inFlight.delete(requestId);
  }
}

function responseOf(result: CeremonyResult): { responseJson: string } | { error: { name: string; message: string } } {
  if (result.status === 'ok') return { responseJson: JSON.stringify(result.credential) };
  if (result.status === 'error') return { error: { name: result.name, message: result.message } };
  return { error: { name: 'NotAllowedError', message: 'The request could not be completed' } };
}

if (api) {
  api.onCreateRequest.addListener(({ requestId, requestDetailsJson }) => {
    void handle('create', requestId, requestDetailsJson).then((result) => {
      if (!inFlightCancelled.delete(requestId)) void api.completeCreateRequest({ requestId, ...responseOf(result) });
    });
  });
  api.onGetRequest.addListener(({ requestId, requestDetailsJson }) => {
    void handle('get', requestId, requestDetailsJson).then((result) => {
      if (!inFlightCancelled.delete(requestId)) void api.completeGetRequest({ requestId, ...responseOf(result) });
    });
  });
  api.onRequestCanceled.addListener((requestId) => {
    inFlightCancelled.add(requestId);
    inFlight.get(requestId)?.abort();
  });
  // While attached the browser's platform authenticator is out of reach, so the truthful answer
  // is no (and it is the same answer getClientCapabilities gives, which asks the same question).
  api.onIsUvpaaRequest.addListener(({ requestId }) => void api.completeIsUvpaaRequest({ requestId, isUvpaa: false }));
}
