// Bench accounts, made through the RP's own API as a person would: sign up with a password,
// verify the email (read from the RP's dev outbox), add a passkey, set up an authenticator app.
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import type { Authenticator } from '../../shared/authenticator/index.ts';
import { createCredential, softwareAuthenticator } from '../../harness-server/testing/webauthn-client.ts';
import type { RpClient } from './client.ts';

export interface BenchUser {
  username: string;
  password: string;
  /** Holds this account's passkey; counter 'zero' so its assertions verify in any order. */
  authenticator: Authenticator;
  totpSecret: string;
}

export const TOTP_PERIOD = 30;

/** A TOTP code for the next time step: inside the drift window, and newer than any code used. */
export function nextTotpCode(secret: string): Promise<string> {
  return generate({ secret, period: TOTP_PERIOD, epoch: Math.floor(Date.now() / 1000) + TOTP_PERIOD });
}

interface OutboxMessages {
  messages: { to: string; links: string[] }[];
}

export async function createBenchUser(client: RpClient, index: number): Promise<BenchUser> {
  const username = `bench${index}_${randomBytes(3).toString('hex')}`;
  const email = `${username}@bench.example`;
  const password = randomBytes(18).toString('base64url');
  await client.call('POST', '/api/signup', { username, email, password });

  const { messages } = await client.call<OutboxMessages>('GET', `/dev/outbox/messages?to=${encodeURIComponent(email)}`);
  const token = messages.flatMap((m) => m.links).map((link) => /token=([^&\s]+)/.exec(link)?.[1]).find(Boolean);
  if (!token) throw new Error(`no verification link was mailed to ${email}`);
  await client.call('POST', '/api/email/verify', { token });

  const authenticator = softwareAuthenticator({ counter: 'zero' });
  const creation = await client.call<PublicKeyCredentialCreationOptionsJSON>('POST', '/api/keys/options', { password, kind: 'passkey' });
  const credential = await createCredential(authenticator, creation, client.origin);
  await client.call('POST', '/api/keys/verify', { name: 'Bench passkey', credential });

  const { secret } = await client.call<{ secret: string }>('POST', '/api/otp/setup', { password });
  await client.call('POST', '/api/otp/confirm', { code: await generate({ secret, period: TOTP_PERIOD }) });
  await client.call('POST', '/api/signout', {});
  return { username, password, authenticator, totpSecret: secret };
}
