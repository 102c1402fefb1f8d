// Cookies of the RP: the sign-in session (`pk_session`), a sign-in waiting for its second
// factor (`pk_signin`), and the pending WebAuthn ceremony (`pk_ceremony`, the id of the
// challenge row a verify call must consume).
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { unencapsulated } from '../../plugins/unencapsulated.ts';
import type { ChallengePurpose, ConsumeResult, PendingChallenge } from '../db/challenges.ts';
import type { User } from '../db/users.ts';
import { badRequest } from '../services/http-error.ts';
import type { RpSettings } from '../settings.ts';

export const SESSION_COOKIE = 'pk_session';
export const PENDING_SIGNIN_COOKIE = 'pk_signin';
export const CEREMONY_COOKIE = 'pk_ceremony';

export interface SessionManager {
  /** The signed-in user, or undefined (no cookie, unknown or expired session). */
  currentUser(request: FastifyRequest): User | undefined;
  /** Signs the user in with a brand-new session id, ending the request's old session and pending sign-in. */
  start(request: FastifyRequest, reply: FastifyReply, userId: number): void;
  end(request: FastifyRequest, reply: FastifyReply): void;
  /** Password accepted, second factor to come. */
  beginPending(request: FastifyRequest, reply: FastifyReply, userId: number): void;
  pendingUser(request: FastifyRequest): User | undefined;
  endPending(request: FastifyRequest, reply: FastifyReply): void;
}

/** Why a ceremony's challenge was refused: told to the caller, which may log and audit it. */
export type ChallengeRefusal = (reason: string) => void;

/** A ceremony whose challenge was read but not yet consumed (see CeremonyCookie.read). */
export interface OpenCeremony {
  readonly id: string;
  readonly challenge: PendingChallenge;
}

export interface CeremonyCookie {
  /** Stores the challenge (expiring after the challenge TTL) and points the browser's cookie at it. */
  start(reply: FastifyReply, pending: Omit<PendingChallenge, 'expiresAt'>): void;
  /**
   * Reads and clears the cookie and consumes its challenge row: a ceremony is attempted at
   * most once. Throws 400 when there is none, it was used, or it expired (after telling
   * `refused`).
   */
  take(request: FastifyRequest, reply: FastifyReply, purpose: ChallengePurpose, refused?: ChallengeRefusal): PendingChallenge;
  /**
   * Like take, but leaves the row in place so that consuming it can share a transaction with
   * what the verified ceremony writes. The caller must `consume` it, also when verification
   * fails: a ceremony is attempted at most once.
   */
  read(request: FastifyRequest, reply: FastifyReply, purpose: ChallengePurpose, refused?: ChallengeRefusal): OpenCeremony;
  /** Deletes the row read by `read`; throws 400 when another request consumed it first. */
  consume(ceremony: OpenCeremony): void;
  /** Deletes the row read by `read`, if it is still there (the ceremony failed). */
  discard(ceremony: OpenCeremony): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionManager;
    ceremonies: CeremonyCookie;
  }
}

export interface SessionPluginOptions extends Record<string, unknown> {
  settings: RpSettings;
}

type ConsumeFailure = Extract<ConsumeResult, { ok: false }>['reason'];
const UNKNOWN = { ok: false, reason: 'unknown' } as const;

const CEREMONY_NAMES: Record<ChallengePurpose, string> = {
  registration: 'security key registration',
  authentication: 'passkey sign-in',
  'second-factor': 'security key sign-in',
  reauth: 'security key confirmation',
};

/** Needs @fastify/cookie and app.store, registered by the RP plugin. */
const plugin: FastifyPluginAsync<SessionPluginOptions> = async (app, { settings }) => {
  const base: CookieSerializeOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secureCookies,
    path: '/',
  };
  const sessionCookie: CookieSerializeOptions = { ...base, maxAge: Math.floor(settings.sessionTtlMs / 1000) };
  // Only the sign-in API needs the pending sign-in; Strict: no other site can start its use.
  const pendingBase: CookieSerializeOptions = { ...base, sameSite: 'strict', path: '/api/signin/' };
  const pendingCookie: CookieSerializeOptions = { ...pendingBase, maxAge: Math.floor(settings.pendingSigninTtlMs / 1000) };
  const ceremonyBase: CookieSerializeOptions = { ...base, path: '/api/' };
  // With challenge expiry off (QA switch) the browser must keep the cookie too, or a late
  // answer could not even be attempted.
  const ceremonyTtlMs = settings.protections.challengeExpiry ? settings.challengeTtlMs : settings.sessionTtlMs;
  const ceremonyCookie: CookieSerializeOptions = { ...ceremonyBase, maxAge: Math.ceil(ceremonyTtlMs / 1000) };
  const { store } = app;

  const endPending = (request: FastifyRequest, reply: FastifyReply): void => {
    const token = request.cookies[PENDING_SIGNIN_COOKIE];
    if (token === undefined) return;
    store.pendingSignins.delete(token);
    reply.clearCookie(PENDING_SIGNIN_COOKIE, pendingBase);
  };

  const sessions: SessionManager = {
    currentUser(request) {
      const token = request.cookies[SESSION_COOKIE];
      const session = token ? store.sessions.find(token, settings.now()) : undefined;
      return session && store.users.findById(session.userId);
    },
    start(request, reply, userId) {
      // Rotation defeats session fixation: whatever id the browser had before is discarded.
      const previous = request.cookies[SESSION_COOKIE];
      if (previous) store.sessions.delete(previous);
      endPending(request, reply);
      const token = store.sessions.create(userId, settings.now(), settings.sessionTtlMs);
      reply.setCookie(SESSION_COOKIE, token, sessionCookie);
    },
    end(request, reply) {
      const token = request.cookies[SESSION_COOKIE];
      if (token) store.sessions.delete(token);
      reply.clearCookie(SESSION_COOKIE, base);
      endPending(request, reply);
    },
    beginPending(request, reply, userId) {
      endPending(request, reply);
      const token = store.pendingSignins.create(userId, settings.now(), settings.pendingSigninTtlMs);
      reply.setCookie(PENDING_SIGNIN_COOKIE, token, pendingCookie);
    },
    pendingUser(request) {
      const token = request.cookies[PENDING_SIGNIN_COOKIE];
      const pending = token ? store.pendingSignins.find(token, settings.now()) : undefined;
      return pending && store.users.findById(pending.userId);
    },
    endPending,
  };

  const expiry = settings.protections.challengeExpiry;
  const refusal = (purpose: ChallengePurpose, reason: ConsumeFailure, refused?: ChallengeRefusal) => {
    const ceremony = CEREMONY_NAMES[purpose];
    const message =
      reason === 'expired'
        ? `The ${ceremony} challenge has expired; start again`
        : `No ${ceremony} in progress (its challenge was already used or never issued)`;
    refused?.(message);
    return badRequest(message);
  };
  /** The cookie's challenge id, cleared from the browser: whatever happens next, it is not offered again. */
  const cookieId = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    const id = request.cookies[CEREMONY_COOKIE];
    if (id !== undefined) reply.clearCookie(CEREMONY_COOKIE, ceremonyBase);
    return id;
  };
  const ceremonies: CeremonyCookie = {
    start(reply, pending) {
      const now = settings.now();
      const id = store.challenges.create({ ...pending, expiresAt: now + settings.challengeTtlMs }, now, expiry);
      reply.setCookie(CEREMONY_COOKIE, id, ceremonyCookie);
    },
    take(request, reply, purpose, refused) {
      const id = cookieId(request, reply);
      const result = id === undefined ? UNKNOWN : store.challenges.consume(id, purpose, settings.now(), expiry);
      if (result.ok) return result.challenge;
      throw refusal(purpose, result.reason, refused);
    },
    read(request, reply, purpose, refused) {
      const id = cookieId(request, reply);
      if (id === undefined) throw refusal(purpose, 'unknown', refused);
      const result = store.challenges.read(id, purpose, settings.now(), expiry);
      if (result.ok) return { id, challenge: result.challenge };
      throw refusal(purpose, result.reason, refused);
    },
    consume({ id, challenge }) {
      if (!store.challenges.delete(id, challenge.purpose)) throw refusal(challenge.purpose, 'unknown');
    },
    discard({ id, challenge }) {
      store.challenges.delete(id, challenge.purpose);
    },
  };

  app.decorate('sessions', sessions);
  app.decorate('ceremonies', ceremonies);
};

export const sessionPlugin = unencapsulated('pairkey-rp-session', plugin);
