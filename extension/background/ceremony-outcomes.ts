// Every way a ceremony ends short of a credential, as the result the page (or Chrome's proxy)
// receives: the DOMException names and messages the spec and Chromium give.
import { WebAuthnError, isWebAuthnErrorName } from '../../shared/errors.ts';
import type { CeremonyResult } from '../../shared/webauthn/ceremony-contract.ts';
import type { StopReason } from './ceremony-stop.ts';
import { PrfSyntaxError } from './prf.ts';

export const passthrough = (): CeremonyResult => ({ status: 'passthrough' });

export const notAllowed = (message: string) => new WebAuthnError('NotAllowedError', message);

/** A failure as the page sees it: WebAuthn errors keep their name, anything else says nothing. */
export function resultOfError(error: unknown): CeremonyResult {
  if (error instanceof WebAuthnError) return { status: 'error', name: error.errorName, message: error.message };
  if (error instanceof Error && (isWebAuthnErrorName(error.name) || error instanceof PrfSyntaxError)) return { status: 'error', name: error.name, message: error.message };
  // Anything unexpected is reported without internals; the spec's catch-all for a failed ceremony
  // the page cannot act on is NotAllowedError.
  console.error('Pairkey: ceremony failed', error);
  return { status: 'error', name: 'NotAllowedError', message: 'The operation failed' };
}

/**
 * A phone's refusal as the page sees it. An authenticator that supports none of the site's
 * algorithms answers NotSupportedError (L3 §6.3.2 step 2), but the client does not pass that on
 * (§5.1.3: such an authenticator just drops out): Chromium reports NotAllowedError, and so do we.
 */
export function fromAuthenticator(error: unknown): unknown {
  if (error instanceof WebAuthnError && error.errorName === 'NotSupportedError') return notAllowed(error.message);
  return error;
}

export const cancelled = () => resultOfError(notAllowed('The request was cancelled'));
export const aborted = () => resultOfError(new WebAuthnError('AbortError', 'The operation was aborted'));

/** Chromium's answer to a second call while one is pending in the frame. */
export const alreadyPending = (): CeremonyResult => ({ status: 'error', name: 'OperationError', message: 'A request is already pending.' });

/** The result of a ceremony stopped for `reason`; `canUseBrowser` is false on the proxy path. */
export function stopOutcome(reason: StopReason, canUseBrowser: boolean): CeremonyResult {
  switch (reason) {
    case 'browser':
      // The proxy path cannot hand the call back to the browser: for the page it is cancelled.
      return canUseBrowser ? passthrough() : cancelled();
    case 'timeout':
      return resultOfError(notAllowed('The operation timed out'));
    case 'page':
    case 'superseded':
      return aborted();
    case 'cancel':
      return cancelled();
  }
}
