import { describe, expect, it } from 'vitest';
import { createGuardrails, generateURI, verify } from 'otplib';
import { hotpCode, manualOtpSpec, normaliseSecret, OtpInputError, otpSpecFromUri, otpTitle, secondsLeft, totpCode } from './otp.ts';

// RFC 6238 Appendix B / RFC 4226 Appendix D secrets, base32-encoded.
const RFC_SHA1 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
const RFC_SHA256 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA'; // 32 bytes
const RFC_SHA512 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA'; // 64 bytes

describe('TOTP and HOTP codes', () => {
  it('reproduces the RFC 6238 test vectors (8 digits, SHA-1/256/512)', async () => {
    const vectors: [number, string, string, string][] = [
      [59, '94287082', '46119246', '90693936'],
      [1111111109, '07081804', '68084774', '25091201'],
      [20000000000, '65353130', '77737706', '47863826'],
    ];
    for (const [time, sha1, sha256, sha512] of vectors) {
      const base = { type: 'totp' as const, issuer: 'RFC', account: '', digits: 8, period: 30, counter: 0 };
      expect(await totpCode({ ...base, secret: RFC_SHA1, algorithm: 'sha1' }, time * 1000)).toBe(sha1);
      expect(await totpCode({ ...base, secret: RFC_SHA256, algorithm: 'sha256' }, time * 1000)).toBe(sha256);
      expect(await totpCode({ ...base, secret: RFC_SHA512, algorithm: 'sha512' }, time * 1000)).toBe(sha512);
    }
  });

  it('reproduces the RFC 4226 HOTP test vectors', async () => {
    const spec = manualOtpSpec({ type: 'hotp', issuer: 'RFC', account: '', secret: RFC_SHA1 });
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    for (const [counter, code] of expected.entries()) expect(await hotpCode(spec, counter)).toBe(code);
  });

  it('gives codes a server using otplib accepts, including 80-bit keys real services issue', async () => {
    const spec = manualOtpSpec({ type: 'totp', issuer: 'Demo', account: 'alice', secret: 'jbsw y3dp ehpk 3pxp' });
    const token = await totpCode(spec, Date.now());
    const result = await verify({ secret: 'JBSWY3DPEHPK3PXP', token, guardrails: createGuardrails({ MIN_SECRET_BYTES: 10 }) });
    expect(result.valid).toBe(true);
  });

  it('counts down to the next time step', () => {
    expect(secondsLeft(30, 0)).toBe(30);
    expect(secondsLeft(30, 29_999)).toBe(1);
    expect(secondsLeft(30, 30_000)).toBe(30);
    expect(secondsLeft(60, 75_500)).toBe(45);
  });
});

describe('reading accounts', () => {
  it('reads an otpauth URI made by otplib, and its codes verify', async () => {
    const secret = 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD';
    const uri = generateURI({ issuer: 'Pairkey Demo', label: 'alice', secret });
    const spec = otpSpecFromUri(uri);
    expect(spec).toEqual({ type: 'totp', issuer: 'Pairkey Demo', account: 'alice', secret, algorithm: 'sha1', digits: 6, period: 30, counter: 0 });
    const token = await totpCode(spec, Date.now());
    expect((await verify({ secret, token })).valid).toBe(true);
    expect(otpTitle(spec)).toBe('Pairkey Demo (alice)');
  });

  it('reads every parameter, and the issuer from the label when the parameter is missing', () => {
    expect(otpSpecFromUri('otpauth://hotp/ACME%20Co:john%40example.com?secret=KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD&algorithm=SHA256&digits=8&counter=7')).toEqual({
      type: 'hotp',
      issuer: 'ACME Co',
      account: 'john@example.com',
      secret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
      algorithm: 'sha256',
      digits: 8,
      period: 30,
      counter: 7,
    });
  });

  it('refuses what is not a usable OTP account', () => {
    const refused = [
      'https://example.com/',
      'otpauth://totp/x',
      'otpauth://totp/x?secret=NOT!BASE32',
      'otpauth://totp/x?secret=JBSWY3DP', // 40 bits
      'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4',
      'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5',
      'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0',
      'pk1.AAAA',
    ];
    for (const uri of refused) expect(() => otpSpecFromUri(uri), uri).toThrow(OtpInputError);
  });

  it('normalises a typed key and needs a name', () => {
    expect(normaliseSecret(' jbsw-y3dp ehpk 3pxp== ')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => manualOtpSpec({ type: 'totp', issuer: ' ', account: '', secret: 'JBSWY3DPEHPK3PXP' })).toThrow(/name/);
    expect(() => manualOtpSpec({ type: 'totp', issuer: 'x', account: '', secret: '0000000000000000' })).toThrow(/base32/);
  });
});
