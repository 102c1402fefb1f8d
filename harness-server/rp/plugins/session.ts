// Cookies of the RP: the sign-in session (`pk_session`) and the pending ceremony
// (`pk_ceremony`, the id of the challenge row a verify call must consume).
import cookie from '@fastify/cookie';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { unencapsulated } from '../../plugins/unencapsulated.ts';
import type { User } from '../db/users.ts';
import type { RpSettings } from '../settings.ts';

export const SESSION_COOKIE = 'pk_session';
export const CEREMONY_COOKIE = 'pk_ceremony';

export interface SessionManager {
  /** The signed-in user, or undefined (no cookie, unknown or expired session). */
  currentUser(request: FastifyRequest): User | undefined;
  /** Signs the user in with a brand-new session id, ending the request's old session. */
  start(request: FastifyRequest, reply: FastifyReply, userId: number): void;
  end(request: FastifyRequest, reply: FastifyReply): void;
}

export interface CeremonyCookie {
  /** Remembers the challenge row id for the browser's next verify call. */
  begin(reply: FastifyReply, challengeId: string): void;
  /** Reads and clears it: a ceremony is attempted at most once. */
  take(request: FastifyRequest, reply: FastifyReply): string | undefined;
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

const plugin: FastifyPluginAsync<SessionPluginOptions> = async (app, { settings }) => {
  await app.register(cookie);

  const base: CookieSerializeOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secureCookies,
    path: '/',
  };
  // The ceremony cookie is only needed by the verify endpoints.
  const ceremonyCookie: CookieSerializeOptions = { ...base, path: '/api/', maxAge: Math.ceil(settings.challengeTtlMs / 1000) };
  const sessionCookie: CookieSerializeOptions = { ...base, maxAge: Math.floor(settings.sessionTtlMs / 1000) };

  const sessions: SessionManager = {
    currentUser(request) {
      const token = request.cookies[SESSION_COOKIE];
      const session = token ? app.store.sessions.find(token, settings.now()) : undefined;
      return session && app.store.users.findById(session.userId);
    },
    start(request, reply, userId) {
      // Rotation defeats session fixation: whatever id the browser had before is discarded.
      const previous = request.cookies[SESSION_COOKIE];
      if (previous) app.store.sessions.delete(previous);
      const token = app.store.sessions.create(userId, settings.now(), settings.sessionTtlMs);
      reply.setCookie(SESSION_COOKIE, token, sessionCookie);
    },
    end(request, reply) {
      const token = request.cookies[SESSION_COOKIE];
      if (token) app.store.sessions.delete(token);
      reply.clearCookie(SESSION_COOKIE, { ...base });
    },
  };

  const ceremonies: CeremonyCookie = {
    begin(reply, challengeId) {
      reply.setCookie(CEREMONY_COOKIE, challengeId, ceremonyCookie);
    },
    take(request, reply) {
      const id = request.cookies[CEREMONY_COOKIE];
      if (id !== undefined) reply.clearCookie(CEREMONY_COOKIE, { ...base, path: '/api/' });
      return id;
    },
  };

  app.decorate('sessions', sessions);
  app.decorate('ceremonies', ceremonies);
};

export const sessionPlugin = unencapsulated('pairkey-rp-session', plugin);
