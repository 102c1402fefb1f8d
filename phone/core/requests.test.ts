import { describe, expect, it } from 'vitest';
import { toB64url, utf8Encode } from '../../shared/bytes.ts';
import type { GetAssertionMessage } from '../../shared/protocol/index.ts';
import { inspectRequest } from './requests.ts';

function signIn(origin: string, rpId: string, rpIdVia?: 'related-origins'): GetAssertionMessage {
  const clientData = { type: 'webauthn.get', challenge: 'AAAA', origin, crossOrigin: false };
  return {
    type: 'get-assertion',
    id: 'request-1',
    ...(rpIdVia ? { rpIdVia } : {}),
    timeout: 60_000,
    clientDataJSON: toB64url(utf8Encode(JSON.stringify(clientData))),
    rpId,
    allowCredentials: [],
    userVerification: 'preferred',
  };
}

describe('inspectRequest: the phone re-checks the RP ID against the origin it signs over', () => {
  it("refuses another site's RP ID unless the client says it came from that site's related origins", () => {
    expect(() => inspectRequest(signIn('https://shop.example', 'good.example'))).toThrow(expect.objectContaining({ name: 'SecurityError' }));
    expect(inspectRequest(signIn('https://shop.example', 'good.example', 'related-origins'))).toMatchObject({ origin: 'https://shop.example', rpId: 'good.example' });
  });

  it('still refuses what no related-origins list can allow: public suffixes, IPs, non-canonical IDs, http callers', () => {
    for (const [origin, rpId] of [
      ['https://shop.example', 'github.io'],
      ['https://shop.example', 'com'],
      ['https://shop.example', '10.0.0.1'],
      ['https://shop.example', 'GOOD.example'],
      ['http://localhost:3000', 'good.example'],
    ] as const) {
      expect(() => inspectRequest(signIn(origin, rpId, 'related-origins')), `${origin} → ${rpId}`).toThrow(expect.objectContaining({ name: 'SecurityError' }));
    }
  });
});
