// Runs in the page (plain JavaScript, evaluated as text so no build step rewrites it).
// Performs `count` WebAuthn ceremonies one after another and returns when each started and
// ended, on the cross-process clock (epoch ms with sub-ms resolution).
async ({ kind, count, rpId, credentialId }) => {
  const now = () => performance.timeOrigin + performance.now();
  const random = (n) => crypto.getRandomValues(new Uint8Array(n));
  const fromB64url = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const out = [];
  for (let i = 0; i < count; i++) {
    const publicKey = kind === 'create'
      ? {
          challenge: random(32),
          rp: { id: rpId, name: 'Pairkey bench' },
          user: { id: random(16), name: `bench${i}`, displayName: `Bench ${i}` },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
          attestation: 'none',
          timeout: 60000,
        }
      : {
          challenge: random(32),
          rpId,
          allowCredentials: [{ type: 'public-key', id: fromB64url(credentialId) }],
          userVerification: 'preferred',
          timeout: 60000,
        };
    const start = now();
    const credential = await navigator.credentials[kind]({ publicKey });
    const end = now();
    if (!(credential instanceof PublicKeyCredential)) throw new Error(`${kind} returned ${String(credential)}`);
    const response = credential.response;
    const complete = kind === 'create' ? response.attestationObject.byteLength > 0 : response.signature.byteLength > 0;
    if (!complete) throw new Error(`${kind} returned an empty response`);
    out.push({ start, end, id: credential.id });
  }
  return out;
}
