// Found by the fuzzer (test/fuzz/targets/webauthn.ts): an own member named "__proto__" (JSON.parse
// and the extension's untagBytes both create one) must stay a member of the normalised
// extensions. Plain `out[k] = v` would run the prototype setter instead; shared/webauthn builds
// these objects with Object.fromEntries.
import { describe, expect, it } from 'vitest';
import { requestOptionsFromJSON, requestOptionsToJSON, validateRequestOptions } from '../../shared/webauthn/index.ts';

const challenge = new Uint8Array([1, 2, 3, 4]);

describe('an own "__proto__" member in WebAuthn extensions', () => {
  it('stays a member of the normalised extensions, not their prototype', () => {
    const extensions = JSON.parse('{"__proto__": {"credProps": true}}') as Record<string, unknown>;
    const options = validateRequestOptions({ challenge, extensions });
    expect(Object.getPrototypeOf(options.extensions)).toBe(Object.prototype);
    expect(Object.keys(options.extensions)).toEqual(['__proto__']);
  });

  it('does not make requestOptionsToJSON throw a raw TypeError', () => {
    const extensions = Object.fromEntries([['__proto__', new Uint8Array(4)]]);
    const options = validateRequestOptions({ challenge, extensions });
    expect(() => requestOptionsToJSON(options)).not.toThrow();
  });

  it('is kept in prf.evalByCredential', () => {
    const json = JSON.parse('{"challenge":"AQID","extensions":{"prf":{"evalByCredential":{"__proto__":{"first":"AQID"}}}}}') as unknown;
    const options = requestOptionsFromJSON(json);
    const prf = options.extensions.prf as { evalByCredential: Record<string, unknown> };
    expect(Object.keys(prf.evalByCredential)).toEqual(['__proto__']);
  });
});
