// What the bridge can tell the background about its frame, read in the isolated world so the page
// cannot fake it: whether it is the top frame, its ancestors' origins, and whether the frame's
// permissions policy allows the ceremony (`publickey-credentials-create` / `-get`).
//
// Chromium answers the policy question directly (document.featurePolicy), headers and nested
// `allow` attributes included. Firefox has no such API: there the background asks every frame of
// the tab, and the parent that holds the calling <iframe> (found with runtime.getFrameId) reads its
// `allow` attribute. That covers what embedding pages use; a Permissions-Policy *header* that
// narrows the parent's own policy is not seen in Firefox (docs/extension.md, known limits).
import type { Runtime } from 'webextension-polyfill';
import type { FrameInfo } from '../runtime-messages.ts';
import { allowAttributeGrants, type Feature } from './allow-attribute.ts';
import { isFramePolicyQuery } from './guards.ts';
import { runtime } from './runtime.ts';

export function featureFor(kind: 'create' | 'get'): Feature {
  return kind === 'create' ? 'publickey-credentials-create' : 'publickey-credentials-get';
}

export function frameInfo(kind: 'create' | 'get'): FrameInfo {
  const policy = (document as { featurePolicy?: { allowsFeature(feature: string): boolean } }).featurePolicy;
  let permitted: boolean | null = null;
  try {
    if (policy) permitted = policy.allowsFeature(featureFor(kind));
  } catch {
    permitted = null;
  }
  const ancestors = location.ancestorOrigins as DOMStringList | undefined;
  return {
    top: window === window.top,
    ancestorOrigins: ancestors ? Array.from(ancestors) : null,
    permitted,
    userActivation: navigator.userActivation?.isActive ?? false,
  };
}

/** Firefox: answer the background's "is your iframe with this frameId permitted?" question. */
export function listenForFramePolicyQueries(): void {
  const getFrameId = (runtime as { getFrameId?: (target: Element) => number }).getFrameId;
  if (typeof getFrameId !== 'function') return;
  runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
    // Only the background asks (its messages carry no tab).
    if (sender.id !== runtime.id || sender.tab || !isFramePolicyQuery(raw)) return undefined;
    for (const iframe of Array.from(document.querySelectorAll('iframe'))) {
      let id: number;
      try {
        id = getFrameId(iframe);
      } catch {
        continue;
      }
      if (id !== raw.frameId) continue;
      return Promise.resolve(allowAttributeGrants(iframe.getAttribute('allow') ?? '', raw.feature, raw.origin, iframe.src, location.origin));
    }
    return undefined; // another frame holds it
  });
}
