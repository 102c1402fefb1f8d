import { describe, expect, it } from 'vitest';
import { equalBytes } from '../bytes.ts';
import { decodeFrame, encodeFrame, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, padPlaintext, unpadPlaintext } from './frames.ts';

const code = (code: string) => expect.objectContaining({ name: 'ProtocolError', code });

describe('frames', () => {
  it('round-trips each kind with a one-byte tag', () => {
    for (const [kind, byte] of [
      ['handshake-init', 1],
      ['handshake-reply', 2],
      ['transport', 3],
    ] as const) {
      const frame = encodeFrame(kind, new Uint8Array([7, 8]));
      expect(Array.from(frame)).toEqual([byte, 7, 8]);
      const decoded = decodeFrame(frame);
      expect(decoded.kind).toBe(kind);
      expect(Array.from(decoded.body)).toEqual([7, 8]);
    }
  });

  it('accepts exactly MAX_FRAME_BYTES and refuses one more with "too-large"', () => {
    expect(decodeFrame(encodeFrame('transport', new Uint8Array(MAX_FRAME_BYTES - 1))).body).toHaveLength(MAX_FRAME_BYTES - 1);
    expect(() => encodeFrame('transport', new Uint8Array(MAX_FRAME_BYTES))).toThrow(code('too-large'));
    const big = new Uint8Array(MAX_FRAME_BYTES + 1);
    big[0] = 3;
    expect(() => decodeFrame(big)).toThrow(code('too-large'));
  });

  it('refuses empty frames, empty bodies and unknown kinds with "malformed"', () => {
    expect(() => decodeFrame(new Uint8Array(0))).toThrow(code('malformed'));
    expect(() => decodeFrame(new Uint8Array([3]))).toThrow(code('malformed'));
    expect(() => decodeFrame(new Uint8Array([0x42, 1]))).toThrow(/0x42/);
    expect(() => encodeFrame('transport', new Uint8Array(0))).toThrow(code('malformed'));
  });
});

describe('padding', () => {
  it('pads to the next multiple of 256 with a big-endian length prefix', () => {
    const padded = padPlaintext(new Uint8Array([0xaa, 0xbb, 0xcc]));
    expect(padded).toHaveLength(256);
    expect(Array.from(padded.subarray(0, 7))).toEqual([0, 0, 0, 3, 0xaa, 0xbb, 0xcc]);
    expect(padded.subarray(7).every((b) => b === 0)).toBe(true);
    expect(padPlaintext(new Uint8Array(252))).toHaveLength(256);
    expect(padPlaintext(new Uint8Array(253))).toHaveLength(512);
    expect(padPlaintext(new Uint8Array(0))).toHaveLength(256);
  });

  it('round-trips payloads of many sizes', () => {
    for (const size of [0, 1, 251, 252, 253, 1000, MAX_PAYLOAD_BYTES]) {
      const payload = new Uint8Array(size).map((_, i) => (i * 7 + 1) & 0xff);
      expect(equalBytes(unpadPlaintext(padPlaintext(payload)), payload), `size ${size}`).toBe(true);
    }
  });

  it('refuses payloads too big for one frame', () => {
    expect(() => padPlaintext(new Uint8Array(MAX_PAYLOAD_BYTES + 1))).toThrow(code('too-large'));
  });

  it('refuses non-zero padding, an oversized length, a bad block size and excess padding', () => {
    const padded = padPlaintext(new Uint8Array([1, 2, 3]));
    const dirty = Uint8Array.from(padded);
    dirty[255] = 1;
    expect(() => unpadPlaintext(dirty)).toThrow(/not all zeros/);

    const lying = Uint8Array.from(padded);
    new DataView(lying.buffer).setUint32(0, 253, false);
    expect(() => unpadPlaintext(lying)).toThrow(/does not fit/);

    expect(() => unpadPlaintext(padded.subarray(0, 255))).toThrow(code('malformed'));
    expect(() => unpadPlaintext(new Uint8Array(0))).toThrow(code('malformed'));

    const excess = new Uint8Array(512); // length 3, then 505 zero bytes: one block too many
    new DataView(excess.buffer).setUint32(0, 3, false);
    expect(() => unpadPlaintext(excess)).toThrow(/more padding/);
  });
});
