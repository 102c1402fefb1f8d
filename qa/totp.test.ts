// The TOTP helpers against otplib's own verifier and a QR code drawn by the qrcode library.
import { createGuardrails, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { readQrFromPng, totpCode } from './totp.ts';

// 80 bits: shorter than otplib's default floor, as many sites issue.
const SECRET = 'JBSWY3DPEHPK3PXP';
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });
const AT = new Date('2026-11-22T12:00:10Z');
const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

describe('totp helpers', () => {
  it('reads the text of a QR code from PNG pixels, and refuses an image without one', async () => {
    const uri = generateURI({ issuer: 'ACME', label: 'alice', secret: SECRET });
    expect(readQrFromPng(await QRCode.toBuffer(uri, { type: 'png' }))).toBe(uri);
    const blank = await QRCode.toBuffer('x', { type: 'png' });
    blank.fill(0xff, 60);
    expect(() => readQrFromPng(blank)).toThrow();
  });

  it('computes the code for a secret or a URI at a given time', async () => {
    const fromSecret = await totpCode(SECRET, { at: AT });
    expect((await verify({ secret: SECRET, token: fromSecret, epoch: epoch(AT), guardrails })).valid).toBe(true);
    expect(await totpCode(generateURI({ issuer: 'ACME', label: 'alice', secret: SECRET }), { at: AT })).toBe(fromSecret);
    expect(await totpCode(SECRET, { at: new Date(AT.getTime() + 30_000) })).not.toBe(fromSecret);
  });

  it('honours the algorithm, digits and period a URI names, and HOTP counters', async () => {
    const uri = generateURI({ issuer: 'ACME', label: 'alice', secret: SECRET, algorithm: 'sha256', digits: 8, period: 60 });
    const code = await totpCode(uri, { at: AT });
    expect(code).toMatch(/^\d{8}$/);
    expect((await verify({ secret: SECRET, token: code, epoch: epoch(AT), algorithm: 'sha256', digits: 8, period: 60, guardrails })).valid).toBe(true);
    // 60-second steps: 40 s later is the same step.
    expect(await totpCode(uri, { at: new Date(AT.getTime() + 40_000) })).toBe(code);

    const hotp = generateURI({ strategy: 'hotp', issuer: 'ACME', label: 'alice', secret: SECRET, counter: 5 });
    const fifth = await totpCode(hotp);
    expect((await verify({ strategy: 'hotp', secret: SECRET, token: fifth, counter: 5, guardrails })).valid).toBe(true);
    expect(await totpCode(hotp, { counter: 6 })).not.toBe(fifth);
  });
});
