// A minimal relying party for the browser suites: one page that runs navigator.credentials with
// options the test made, and verification with @simplewebauthn/server (the library the bundled
// RP uses). It keeps the security and fault suites independent of the bundled RP's pages and
// routes, which change with the 2FA work, while every WebAuthn byte still goes through the real
// extension, relay and phone.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import type { Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Pairkey ceremony site</title>
<p>WebAuthn ceremonies for the Pairkey security suites.</p>
<script>
  // Errors come back as data, so the test sees the DOMException's name and message.
  const settle = (promise) => promise.then(
    (credential) => ({ ok: true, credential: credential.toJSON() }),
    (error) => ({ ok: false, name: error.name, message: error.message }),
  );
  window.register = (options) =>
    settle(navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) }));
  window.signIn = (options) =>
    settle(navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) }));
</script>`;

export type CeremonyResult<T> = { ok: true; credential: T } | { ok: false; name: string; message: string };

export class CeremonySite {
  /** Credentials registered through this site, by id. */
  readonly credentials = new Map<string, WebAuthnCredential>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<CeremonySite> {
    const server = createServer((request, response) => {
      if (request.url !== '/') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new CeremonySite(server, `http://localhost:${(server.address() as AddressInfo).port}`);
  }

  get rpId(): string {
    return 'localhost';
  }

  registrationOptions(userName: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: 'Pairkey security suite',
      rpID: this.rpId,
      userName,
      userDisplayName: `${userName} (display)`,
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      timeout: 60_000,
    });
  }

  authenticationOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.rpId,
      allowCredentials: [...this.credentials.values()].map(({ id }) => ({ id })),
      userVerification: 'preferred',
      timeout: 60_000,
    });
  }

  register(page: Page, options: PublicKeyCredentialCreationOptionsJSON): Promise<CeremonyResult<RegistrationResponseJSON>> {
    return page.evaluate((o) => (window as unknown as { register(o: unknown): Promise<CeremonyResult<RegistrationResponseJSON>> }).register(o), options);
  }

  signIn(page: Page, options: PublicKeyCredentialRequestOptionsJSON): Promise<CeremonyResult<AuthenticationResponseJSON>> {
    return page.evaluate((o) => (window as unknown as { signIn(o: unknown): Promise<CeremonyResult<AuthenticationResponseJSON>> }).signIn(o), options);
  }

  /** Verify as an RP would; remembers the credential for later sign-ins. */
  async verifyRegistration(response: RegistrationResponseJSON, options: PublicKeyCredentialCreationOptionsJSON): Promise<void> {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpId,
      requireUserVerification: false,
    });
    if (!result.verified) throw new Error('The registration did not verify');
    this.credentials.set(result.registrationInfo.credential.id, result.registrationInfo.credential);
  }

  async verifyAuthentication(response: AuthenticationResponseJSON, options: PublicKeyCredentialRequestOptionsJSON): Promise<void> {
    const credential = this.credentials.get(response.id);
    if (!credential) throw new Error(`Unknown credential ${response.id}`);
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpId,
      credential,
      requireUserVerification: false,
    });
    if (!result.verified) throw new Error('The sign-in did not verify');
    credential.counter = result.authenticationInfo.newCounter;
  }

  close(): Promise<void> {
    // The browser keeps connections alive; close() alone would wait for them.
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
