// Who is asking: `app.auth.user(request)` returns the signed-in user or throws 401. Members of
// an organisation that enforces 2FA who have none get 403 `two-factor-required` from every
// route except those that let them set it up (Cloud66's and Cloudflare's enforcement).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { unencapsulated } from '../../plugins/unencapsulated.ts';
import type { User } from '../db/users.ts';
import { HttpError } from '../services/http-error.ts';

export interface AuthGuard {
  /** `setup`: the route helps set 2FA up, so enforcement lets it through. */
  user(request: FastifyRequest, options?: { setup?: boolean }): User;
  /** Names of the organisations whose enforcement this user does not meet yet. */
  unmetEnforcement(user: User): string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthGuard;
  }
}

const plugin: FastifyPluginAsync = async (app) => {
  const unmetEnforcement = (user: User): string[] => {
    const requiring = app.store.orgs.requiring2fa(user.id);
    return requiring.length > 0 && !app.rp.twoFactor.isEnabled(user.id) ? requiring : [];
  };
  app.decorate('auth', {
    user(request, options = {}) {
      const user = app.sessions.currentUser(request);
      if (!user) throw new HttpError(401, 'Not signed in', { code: 'not-signed-in' });
      if (!options.setup) {
        const orgs = unmetEnforcement(user);
        if (orgs.length > 0) {
          throw new HttpError(403, `${orgs.join(', ')} requires two-factor authentication: set it up on the Security page first`, {
            code: 'two-factor-required',
          });
        }
      }
      return user;
    },
    unmetEnforcement,
  } satisfies AuthGuard);
};

export const authPlugin = unencapsulated('pairkey-rp-auth', plugin);
