import { describe, expect, it, vi } from 'vitest';
import { WebAuthnError } from '../../shared/errors.ts';
import { fromAuthenticator, resultOfError, stopOutcome } from './ceremony-outcomes.ts';
import { CeremonyStop, type StopReason } from './ceremony-stop.ts';
import { PrfSyntaxError } from './prf.ts';

describe('how a stopped ceremony ends', () => {
  it('maps every stop reason to the DOMException the page gets', () => {
    const page = (reason: StopReason) => stopOutcome(reason, true);
    expect(page('browser')).toEqual({ status: 'passthrough' });
    expect(page('timeout')).toEqual({ status: 'error', name: 'NotAllowedError', message: 'The operation timed out' });
    expect(page('page')).toMatchObject({ status: 'error', name: 'AbortError' });
    expect(page('superseded')).toMatchObject({ status: 'error', name: 'AbortError' });
    expect(page('cancel')).toEqual({ status: 'error', name: 'NotAllowedError', message: 'The request was cancelled' });
  });

  it('cancels instead of handing over on the proxy path, which cannot give the call back to the browser', () => {
    expect(stopOutcome('browser', false)).toEqual({ status: 'error', name: 'NotAllowedError', message: 'The request was cancelled' });
  });
});

describe('a failed ceremony as the page sees it', () => {
  it('keeps WebAuthn error names and hides anything else behind NotAllowedError', () => {
    expect(resultOfError(new WebAuthnError('InvalidStateError', 'Excluded'))).toEqual({ status: 'error', name: 'InvalidStateError', message: 'Excluded' });
    expect(resultOfError(new PrfSyntaxError('bad key'))).toMatchObject({ status: 'error', name: 'SyntaxError' });
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(resultOfError(new Error('internal detail'))).toEqual({ status: 'error', name: 'NotAllowedError', message: 'The operation failed' });
      expect(log).toHaveBeenCalledOnce();
    } finally {
      log.mockRestore();
    }
  });
});

describe("a phone's refusal", () => {
  it('reports an unsupported algorithm as NotAllowedError (as Chromium), and keeps every other name', () => {
    expect(fromAuthenticator(new WebAuthnError('NotSupportedError', 'only ES256'))).toMatchObject({ errorName: 'NotAllowedError' });
    expect(fromAuthenticator(new WebAuthnError('InvalidStateError', 'Excluded'))).toMatchObject({ errorName: 'InvalidStateError' });
    expect(fromAuthenticator(new WebAuthnError('NotAllowedError', 'Denied'))).toMatchObject({ errorName: 'NotAllowedError' });
  });
});

describe('CeremonyStop', () => {
  it('aborts its signal once, and the first reason given is the one that counts', () => {
    const stop = new CeremonyStop();
    expect(stop.reason).toBeNull();
    expect(stop.signal.aborted).toBe(false);
    stop.stop('timeout');
    stop.stop('page');
    expect(stop.reason).toBe('timeout');
    expect(stop.signal.aborted).toBe(true);
    expect(stop.signal.reason).toBe('timeout');
  });
});
