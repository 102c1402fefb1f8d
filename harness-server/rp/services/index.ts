// Builds the RP's services once per server and hands them to the routes as `app.rp`.
import type { FastifyInstance } from 'fastify';
import { deriveKey } from '../crypto/server-key.ts';
import { SecretBox } from '../crypto/secret-box.ts';
import type { Store } from '../db/store.ts';
import type { RpSettings } from '../settings.ts';
import { Auditor } from './auditor.ts';
import { Mailer } from './mailer.ts';
import { RpMetrics } from './metrics.ts';
import { Reauth } from './reauth.ts';
import { AccountThrottle } from './throttle.ts';
import { TwoFactor } from './two-factor.ts';
import { WebAuthnPolicy } from './webauthn.ts';

export interface RpServices {
  settings: RpSettings;
  store: Store;
  mailer: Mailer;
  auditor: Auditor;
  throttle: AccountThrottle;
  twoFactor: TwoFactor;
  webauthn: WebAuthnPolicy;
  reauth: Reauth;
}

declare module 'fastify' {
  interface FastifyInstance {
    rp: RpServices;
  }
}

/** Needs app.store, app.ceremonies and app.observability. */
export function createServices(app: FastifyInstance, settings: RpSettings): RpServices {
  const { store } = app;
  const mailer = new Mailer(store, settings.mail, app.log, settings.now);
  const auditor = new Auditor(store, settings.now, new RpMetrics(app.observability.metrics));
  const throttle = new AccountThrottle(store, settings, auditor, mailer, deriveKey(settings.serverKey, 'throttle-keys'));
  const twoFactor = new TwoFactor(store, settings, new SecretBox(deriveKey(settings.serverKey, 'otp-secrets')), auditor, mailer);
  const webauthn = new WebAuthnPolicy(settings, store, auditor);
  const reauth = new Reauth(settings, throttle, twoFactor, webauthn, app.ceremonies);
  return { settings, store, mailer, auditor, throttle, twoFactor, webauthn, reauth };
}
