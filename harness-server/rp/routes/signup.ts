// Sign-up: a new account is created together with its first passkey. The options call only
// reserves a challenge; the user row exists once the passkey's attestation has verified.
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { FastifyPluginAsync } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { isConstraintError } from '../db/store.ts';
import { CreationOptions, ErrorBody, RegistrationResponseBody, SignedIn, SignupOptionsBody } from '../schemas.ts';
import type { RpSettings } from '../settings.ts';
import { challengeProblem, messageOf } from './errors.ts';

export interface SignupRoutesOptions extends Record<string, unknown> {
  settings: RpSettings;
}

export const signupRoutes: FastifyPluginAsync<SignupRoutesOptions> = async (fastify, { settings }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = app;

  app.post(
    '/api/signup/options',
    { schema: { body: SignupOptionsBody, response: { 200: CreationOptions, 409: ErrorBody } } },
    async (request, reply) => {
      const { username } = request.body;
      if (store.users.findByUsername(username)) {
        return reply.code(409).send({ error: `The username "${username}" is already taken` });
      }
      const userHandle = randomBytes(32);
      const options = await generateRegistrationOptions({
        rpName: settings.rpName,
        rpID: settings.rpId,
        userName: username,
        userDisplayName: username,
        userID: userHandle,
        attestationType: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      const now = settings.now();
      const challengeId = store.challenges.create(
        {
          challenge: options.challenge,
          purpose: 'registration',
          userId: null,
          pendingUsername: username,
          pendingUserHandle: userHandle,
          expiresAt: now + settings.challengeTtlMs,
        },
        now,
      );
      app.ceremonies.begin(reply, challengeId);
      return options;
    },
  );

  app.post(
    '/api/signup/verify',
    { schema: { body: RegistrationResponseBody, response: { 200: SignedIn, 400: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const challengeId = app.ceremonies.take(request, reply);
      const consumed = challengeId
        ? store.challenges.consume(challengeId, 'registration', settings.now())
        : ({ ok: false, reason: 'unknown' } as const);
      if (!consumed.ok) return reply.code(400).send({ error: challengeProblem(consumed, 'sign-up') });
      const { challenge, pendingUsername, pendingUserHandle } = consumed.challenge;
      if (!pendingUsername || !pendingUserHandle) {
        return reply.code(400).send({ error: 'The sign-up challenge has no pending account' });
      }

      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await verifyRegistrationResponse({
          response: request.body,
          expectedChallenge: challenge,
          expectedOrigin: settings.rpOrigin,
          expectedRPID: settings.rpId,
          requireUserVerification: false,
        });
      } catch (error) {
        return reply.code(400).send({ error: `Passkey registration failed: ${messageOf(error)}` });
      }
      if (!verification.verified) return reply.code(400).send({ error: 'Passkey registration could not be verified' });

      const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
      const now = settings.now();
      let userId: number;
      try {
        userId = store.transaction(() => {
          const id = store.users.create(pendingUsername, pendingUserHandle, now);
          store.credentials.create({
            id: credential.id,
            userId: id,
            publicKey: credential.publicKey,
            signCount: credential.counter,
            transports: credential.transports ?? request.body.response.transports ?? [],
            backupEligible: credentialDeviceType === 'multiDevice',
            backupState: credentialBackedUp,
            name: 'Passkey 1',
            createdAt: now,
          });
          return id;
        });
      } catch (error) {
        if (!isConstraintError(error)) throw error;
        // Two sign-ups raced for the name, or the authenticator reused a registered credential.
        const problem = store.users.findByUsername(pendingUsername)
          ? `The username "${pendingUsername}" is already taken`
          : 'This passkey is already registered';
        return reply.code(409).send({ error: problem });
      }

      app.sessions.start(request, reply, userId);
      return { ok: true as const, username: pendingUsername };
    },
  );
};
