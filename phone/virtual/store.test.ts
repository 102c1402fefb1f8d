// The virtual phone's file keeps every credential it makes, whatever the algorithm, with its
// large blob: reopening the file gives keys that sign for the same public keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Authenticator, spkiOf, SUPPORTED_ALGORITHMS } from '../../shared/authenticator/index.ts';
import { PhoneStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pairkey-phone-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps ES256, EdDSA and RS256 credentials and their blobs across a reopen', async () => {
  const path = join(dir, 'phone.json');
  const store = PhoneStore.open(path);
  const authenticator = new Authenticator({
    store,
    algorithms: SUPPORTED_ALGORITHMS,
    newKey: store.newKey,
    largeBlobs: true,
  });
  const made = [];
  for (const alg of SUPPORTED_ALGORITHMS) {
    made.push(
      await authenticator.makeCredential(
        {
          clientDataHash: new Uint8Array(32),
          rp: { id: 'example.com', name: 'Example' },
          user: { id: new Uint8Array([-alg & 0xff, 1]), name: `u${alg}`, displayName: `U${alg}` },
          pubKeyCredParams: [{ type: 'public-key', alg }],
          excludeCredentials: [],
          residentKey: 'required',
          userVerification: 'preferred',
          attestation: 'none',
          // Only a credential made with the extension can hold a blob (CTAP 2.1 largeBlobKey).
          extensions: { largeBlob: true },
        },
        { userPresent: true, userVerified: true },
      ),
    );
  }
  const blob = new TextEncoder().encode('kept with the credential');
  await authenticator.getAssertion(
    { rpId: 'example.com', clientDataHash: new Uint8Array(32), allowCredentials: [{ type: 'public-key', id: made[2]!.credentialId }], userVerification: 'preferred', extensions: { largeBlob: { write: blob } } },
    { userPresent: true, userVerified: false },
  );

  const reopened = PhoneStore.open(path);
  const credentials = await reopened.list();
  expect(credentials.map((c) => c.key.alg)).toEqual([...SUPPORTED_ALGORITHMS]);
  for (const [i, c] of credentials.entries()) expect(spkiOf(c.key)).toEqual(made[i]!.publicKeySpki);
  expect(credentials[2]!.largeBlob).toEqual(blob);
  expect(credentials.every((c) => c.largeBlobKey === true)).toBe(true);
  expect(credentials[2]!.signCount).toBe(1);
  // The reopened RSA key signs (imported from its PKCS#8 on first use).
  expect((await credentials[2]!.key.sign(new Uint8Array([1]))).length).toBe(256);
});
