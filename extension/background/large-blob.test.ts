import { describe, expect, it } from 'vitest';
import { WebAuthnError } from '../../shared/errors.ts';
import { LARGE_BLOB_MAX_BYTES } from '../../shared/authenticator/core.ts';
import { toB64url } from '../../shared/bytes.ts';
import { assertLargeBlobSatisfiable, largeBlobCreateInputs, largeBlobCreateResult, largeBlobForPhone, largeBlobGetInputs, largeBlobGetResult } from './large-blob.ts';

const errorName = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as WebAuthnError).errorName;
  }
  return 'no error';
};

describe('largeBlob inputs, as Chromium checks them', () => {
  it('create(): support only; read or write is NotSupportedError', () => {
    expect(largeBlobCreateInputs(undefined)).toBeNull();
    expect(largeBlobCreateInputs({})).toEqual({ support: 'preferred' });
    expect(largeBlobCreateInputs({ support: 'required' })).toEqual({ support: 'required' });
    expect(largeBlobCreateInputs({ support: 'sometimes' })).toEqual({ support: 'preferred' });
    expect(errorName(() => largeBlobCreateInputs({ read: true }))).toBe('NotSupportedError');
    expect(errorName(() => largeBlobCreateInputs({ write: new Uint8Array(1) }))).toBe('NotSupportedError');
    expect(errorName(() => largeBlobCreateInputs('yes'))).toBe('TypeError');
  });

  it('get(): read or a write for exactly one credential; support, both, or a wider write is NotSupportedError', () => {
    expect(largeBlobGetInputs(undefined, 0)).toBeNull();
    expect(largeBlobGetInputs({}, 0)).toBeNull();
    expect(largeBlobGetInputs({ read: true }, 0)).toEqual({ read: true });
    expect(largeBlobGetInputs({ write: new Uint8Array([1, 2]) }, 1)).toEqual({ write: 'AQI' });
    expect(errorName(() => largeBlobGetInputs({ support: 'required' }, 1))).toBe('NotSupportedError');
    expect(errorName(() => largeBlobGetInputs({ read: true, write: new Uint8Array(1) }, 1))).toBe('NotSupportedError');
    expect(errorName(() => largeBlobGetInputs({ write: new Uint8Array(1) }, 0))).toBe('NotSupportedError');
    expect(errorName(() => largeBlobGetInputs({ write: new Uint8Array(1) }, 2))).toBe('NotSupportedError');
    expect(errorName(() => largeBlobGetInputs({ write: 'AQI' }, 1))).toBe('TypeError');
  });
});

describe('largeBlob results', () => {
  it('create(): supported only when the phone says so', () => {
    expect(largeBlobCreateResult({})).toEqual({ supported: false });
    expect(largeBlobCreateResult({ largeBlob: { supported: true } })).toEqual({ supported: true });
  });

  it('get(): the blob read, nothing when none is stored, and whether a write happened', () => {
    expect(largeBlobGetResult({ read: true }, { largeBlob: { blob: 'AQI' } })).toEqual({ blob: 'AQI' });
    expect(largeBlobGetResult({ read: true }, {})).toEqual({});
    expect(largeBlobGetResult({ write: 'AQI' }, { largeBlob: { written: true } })).toEqual({ written: true });
    expect(largeBlobGetResult({ write: 'AQI' }, {})).toEqual({ written: false });
    // A phone answering a write with a blob did not write.
    expect(largeBlobGetResult({ write: 'AQI' }, { largeBlob: { blob: 'AQI' } })).toEqual({ written: false });
  });
});

it('a blob larger than a phone keeps is not sent to the phone', () => {
  expect(largeBlobForPhone({ read: true })).toBe(true);
  expect(largeBlobForPhone({ write: toB64url(new Uint8Array(LARGE_BLOB_MAX_BYTES)) })).toBe(true);
  expect(largeBlobForPhone({ write: toB64url(new Uint8Array(LARGE_BLOB_MAX_BYTES + 1)) })).toBe(false);
});

it("support 'required' without a resident key is NotAllowedError, as no authenticator can meet it", () => {
  expect(errorName(() => assertLargeBlobSatisfiable({ support: 'required' }, 'discouraged'))).toBe('NotAllowedError');
  expect(errorName(() => assertLargeBlobSatisfiable({ support: 'required' }, 'preferred'))).toBe('no error');
  expect(errorName(() => assertLargeBlobSatisfiable({ support: 'preferred' }, 'discouraged'))).toBe('no error');
  expect(errorName(() => assertLargeBlobSatisfiable(null, 'discouraged'))).toBe('no error');
});
