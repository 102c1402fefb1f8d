// A throw-away CA and the sites' certificate it signs, made at run time with node:crypto (P-256,
// DER written by hand: a few fixed structures, no library). Chromium accepts the certificate
// through --ignore-certificate-errors-spki-list (the SPKI hash below), which keeps the pages a
// real secure context; Playwright's ignoreHTTPSErrors would not (issue 12). Firefox trusts the CA
// through an enterprise policy (targets-firefox.ts): its WebAuthn refuses pages whose certificate
// error was only overridden ("The operation is insecure"), and it refuses a CA certificate used
// as a server's, hence two certificates.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface ThrowAwayCert {
  /** PEM: the sites' certificate, then the CA's (the chain the server sends). */
  cert: string;
  /** PEM: the throw-away CA alone (what Firefox is told to trust). */
  ca: string;
  /** PEM (PKCS#8) */
  key: string;
  /** base64 SHA-256 of the sites' certificate's SubjectPublicKeyInfo, as the Chromium flag wants it. */
  spkiHash: string;
}

// ---- DER, just what a certificate needs --------------------------------------------------------
function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const integer = (b: Buffer) => tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  return tlv(0x17, Buffer.from(`${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`));
}
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));

const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

/** A CA valid for a day, and a certificate it signs for `names` (DNS) and 127.0.0.1. */
export function makeThrowAwayCert(names: string[]): ThrowAwayCert {
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const validity = seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000)));
  const serial = () => integer(Buffer.concat([Buffer.from([1]), randomBytes(8)]));
  const nameOf = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caName = nameOf('Pairkey conformance throw-away CA');
  const caTbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    serial(),
    ecdsaSha256,
    caName,
    validity,
    caName,
    ca.publicKey.export({ type: 'spki', format: 'der' }),
    // basicConstraints CA, keyUsage keyCertSign (bit 5).
    explicit(3, seq(extension('2.5.29.19', true, seq(tlv(0x01, Buffer.from([0xff])))), extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x02, 0x04]))))),
  );
  const caDer = seq(caTbs, ecdsaSha256, bits(sign('sha256', caTbs, { key: ca.privateKey, dsaEncoding: 'der' })));

  const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  const san = seq(...names.map((n) => tlv(0x82, Buffer.from(n, 'ascii'))), tlv(0x87, Buffer.from([127, 0, 0, 1])));
  const leafTbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    serial(),
    ecdsaSha256,
    caName,
    validity,
    nameOf('Pairkey conformance sites'),
    spki,
    // basicConstraints not a CA, extendedKeyUsage serverAuth, subjectAltName.
    explicit(3, seq(extension('2.5.29.19', true, seq()), extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), extension('2.5.29.17', false, san))),
  );
  const leafDer = seq(leafTbs, ecdsaSha256, bits(sign('sha256', leafTbs, { key: ca.privateKey, dsaEncoding: 'der' })));
  return {
    cert: pemOf(leafDer) + pemOf(caDer),
    ca: pemOf(caDer),
    key: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    spkiHash: createHash('sha256').update(spki).digest('base64'),
  };
}
