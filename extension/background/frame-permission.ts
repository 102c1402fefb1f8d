// Whether the permissions policy lets a cross-origin frame run the ceremony.
import browser from 'webextension-polyfill';
import { WebAuthnError } from '../../shared/errors.ts';
import type { FrameInfo, FramePolicyQuery } from '../runtime-messages.ts';
import type { Caller } from './caller.ts';

/**
 * WebAuthn L3 §5.1.3 step 2 / §5.1.4 step 2: a frame that is not same-origin with its ancestors
 * needs the `publickey-credentials-create` / `-get` permissions policy, and `create()` there also
 * needs transient user activation. Otherwise NotAllowedError.
 */
export async function checkFramePermission(caller: Caller, kind: 'create' | 'get', frame: FrameInfo): Promise<void> {
  if (!caller.crossOrigin) return;
  const feature = kind === 'create' ? 'publickey-credentials-create' : 'publickey-credentials-get';
  const permitted = frame.permitted ?? (await askParentFrame(caller, feature));
  if (!permitted) throw new WebAuthnError('NotAllowedError', `The ${feature} permissions policy does not allow this frame to use WebAuthn`);
  if (kind === 'create' && !frame.userActivation) {
    throw new WebAuthnError('NotAllowedError', 'Creating a credential in a cross-origin frame needs a user gesture');
  }
}

/** Firefox: the frame that holds the calling <iframe> reads its `allow` attribute. */
async function askParentFrame(caller: Caller, feature: FramePolicyQuery['feature']): Promise<boolean> {
  const query: FramePolicyQuery = { type: 'frame/policy', frameId: caller.frameId, origin: caller.origin, feature };
  try {
    return (await browser.tabs.sendMessage(caller.tabId, query)) === true;
  } catch {
    return false;
  }
}
