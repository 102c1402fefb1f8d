// Types for `http_ece` (devDependency, no published types): the independent RFC 8188/8291
// implementation the push tests decrypt and encrypt with. Only what they call.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';
  interface EceParams {
    version: 'aes128gcm';
    /** Encrypt: the sender's key pair. Decrypt: the receiver's (the subscription's p256dh). */
    privateKey?: ECDH;
    /** Encrypt: the receiver's public key (base64url or bytes). */
    dh?: string | Buffer;
    authSecret: string | Buffer;
    rs?: number;
  }
  function encrypt(plaintext: Buffer, params: EceParams): Buffer;
  function decrypt(body: Buffer, params: EceParams): Buffer;
  const ece: { encrypt: typeof encrypt; decrypt: typeof decrypt };
  export default ece;
}
