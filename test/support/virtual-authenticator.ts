// Chromium's DevTools WebAuthn virtual authenticator on one page: an authenticator independent of
// Pairkey, for the relying-party specs (security keys, passkeys), the extension scenarios (calls
// the browser handled itself) and the benchmarks (the baseline every ceremony is compared to).
import type { CDPSession, Page } from 'playwright-core';

/** What the specs read of a credential the authenticator holds (DevTools' WebAuthn.Credential). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  /** The page's DevTools session, for further WebAuthn.* commands (e.g. setResponseOverrideBits). */
  cdp: CDPSession;
  id: string;
  credentials(): Promise<VirtualCredential[]>;
  remove(): Promise<void>;
}

/** `usb` stands for a roaming security key, `internal` for the platform's own passkeys. */
export type VirtualTransport = 'usb' | 'internal';

/** What a caller may change of the authenticator (DevTools' WebAuthn.VirtualAuthenticatorOptions). */
export interface VirtualAuthenticatorOptions {
  transport?: VirtualTransport;
  ctap2Version?: 'ctap2_0' | 'ctap2_1';
  hasLargeBlob?: boolean;
  hasPrf?: boolean;
  hasCredBlob?: boolean;
  /** false: no touch is simulated, so a request waits as for a key nobody touches. */
  automaticPresenceSimulation?: boolean;
  /** false: the person says no. */
  isUserConsenting?: boolean;
}

/**
 * Turns on DevTools' virtual environment for the session's page and adds a CTAP2 authenticator
 * with resident keys and user verification (by default one that always says yes); its id.
 */
export async function addVirtualAuthenticatorTo(cdp: CDPSession, options: VirtualAuthenticatorOptions = {}): Promise<string> {
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { transport = 'usb', ...rest } = options;
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    // isUserConsenting is newer than Playwright's copy of the protocol types.
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, ...rest } as { protocol: 'ctap2'; transport: VirtualTransport },
  });
  return authenticatorId;
}

/** A CTAP2 authenticator with resident keys and user verification that always says yes. */
export async function addVirtualAuthenticator(page: Page, transport: VirtualTransport = 'usb'): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  const authenticatorId = await addVirtualAuthenticatorTo(cdp, { transport });
  return {
    cdp,
    id: authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}
