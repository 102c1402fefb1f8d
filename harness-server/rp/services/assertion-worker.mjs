// A worker thread of the passkey verification pool (assertion-pool.ts): runs
// @simplewebauthn/server's verifyAuthenticationResponse on options the RP built, off the request
// thread. Plain JavaScript so it starts the same under tsx, Vitest and the built server.
// Nothing here decides policy: the RP's own checks run before and after, on the request thread.
import { parentPort } from 'node:worker_threads';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';

parentPort.on('message', ({ id, options }) => {
  verifyAuthenticationResponse(options).then(
    (result) => parentPort.postMessage({ id, ok: true, result }),
    (error) => parentPort.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
});
