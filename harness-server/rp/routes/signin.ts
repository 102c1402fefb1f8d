// Sign-in with a passkey: discoverable (no username, the authenticator picks the account)
// or with a username (the options list that user's credentials).
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { FastifyPluginAsync } from 'fastify';
import { equalBytes, fromB64url } from '../../../shared/bytes.ts';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { AuthenticationResponseBody, ErrorBody, RequestOptions, SignedIn, SigninOptionsBody } from '../schemas.ts';
import type { RpSettings } from '../settings.ts';
import { challengeProblem, messageOf } from './errors.ts';

export interface SigninRoutesOptions extends Record<string, unknown> {
  settings: RpSettings;
}

export const signinRoutes: FastifyPluginAsync<SigninRoutesOptions> = async (fastify, { settings }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = app;

  app.post(
    '/api/signin/options',
    { schema: { body: SigninOptionsBody, response: { 200: RequestOptions, 404: ErrorBody } } },
    async (request, reply) => {
      const { username } = request.body;
      let userId: number | null = null;
      let allowCredentials: { id: string; transports?: string[] }[] = [];
      if (username !== undefined) {
        const user = store.users.findByUsername(username);
        if (!user) return reply.code(404).send({ error: `No account named "${username}"` });
        userId = user.id;
        allowCredentials = store.credentials
          .listForUser(user.id)
          .map(({ id, transports }) => ({ id, transports }));
      }
      const options = await generateAuthenticationOptions({
        rpID: settings.rpId,
        allowCredentials,
        userVerification: 'preferred',
      });
      const now = settings.now();
      const challengeId = store.challenges.create(
        {
          challenge: options.challenge,
          purpose: 'authentication',
          userId,
          pendingUsername: null,
          pendingUserHandle: null,
          expiresAt: now + settings.challengeTtlMs,
        },
        now,
      );
      app.ceremonies.begin(reply, challengeId);
      return options;
    },
  );

  app.post(
    '/api/signin/verify',
    { schema: { body: AuthenticationResponseBody, response: { 200: SignedIn, 400: ErrorBody } } },
    async (request, reply) => {
      const body = request.body;
      const challengeId = app.ceremonies.take(request, reply);
      const consumed = challengeId
        ? store.challenges.consume(challengeId, 'authentication', settings.now())
        : ({ ok: false, reason: 'unknown' } as const);
      if (!consumed.ok) return reply.code(400).send({ error: challengeProblem(consumed, 'sign-in') });

      const credential = store.credentials.findById(body.id);
      const user = credential && store.users.findById(credential.userId);
      if (!credential || !user) return reply.code(400).send({ error: 'This passkey is not registered here' });
      // Sign-in that named a user must be completed with one of that user's passkeys.
      if (consumed.challenge.userId !== null && consumed.challenge.userId !== user.id) {
        return reply.code(400).send({ error: 'This passkey belongs to another account' });
      }
      // A discoverable credential reports its user handle: it must be the owner's.
      const { userHandle } = body.response;
      if (userHandle !== undefined && !sameHandle(userHandle, user.userHandle)) {
        return reply.code(400).send({ error: 'The passkey reported a user handle that does not match its account' });
      }

      let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verification = await verifyAuthenticationResponse({
          response: body,
          expectedChallenge: consumed.challenge.challenge,
          expectedOrigin: settings.rpOrigin,
          expectedRPID: settings.rpId,
          // The counter policy is applied below, where a regression can be logged with context;
          // with a stored value of 0 the library's own check never fires.
          credential: { id: credential.id, publicKey: credential.publicKey, counter: 0, transports: credential.transports },
          requireUserVerification: false,
        });
      } catch (error) {
        return reply.code(400).send({ error: `Passkey sign-in failed: ${messageOf(error)}` });
      }
      if (!verification.verified) return reply.code(400).send({ error: 'Passkey sign-in could not be verified' });

      const { newCounter, credentialBackedUp } = verification.authenticationInfo;
      // WebAuthn §6.1.1: a counter that did not grow (once the authenticator uses counters)
      // suggests a cloned authenticator.
      if (credential.signCount > 0 && newCounter <= credential.signCount) {
        request.log.warn(
          { credentialId: credential.id, userId: user.id, storedSignCount: credential.signCount, newSignCount: newCounter },
          'sign counter regression: possible cloned authenticator; sign-in refused',
        );
        return reply.code(400).send({ error: 'The passkey signature counter went backwards; sign-in refused' });
      }

      store.credentials.recordUse(credential.id, newCounter, credentialBackedUp, settings.now());
      app.sessions.start(request, reply, user.id);
      return { ok: true as const, username: user.username };
    },
  );
};

/** Compares a base64url user handle from the client with the stored one; malformed → false. */
function sameHandle(encoded: string, stored: Uint8Array): boolean {
  try {
    return equalBytes(fromB64url(encoded), stored);
  } catch {
    return false;
  }
}
