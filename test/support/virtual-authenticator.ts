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

/** A CTAP2 authenticator with resident keys and user verification that always says yes. */
export async function addVirtualAuthenticator(page: Page, transport: VirtualTransport = 'usb'): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}
