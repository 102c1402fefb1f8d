// Looks for secrets in captured relay traffic: each needle as UTF-8 bytes and in every base64url
// alignment (channel messages carry binary fields as base64url, so a plaintext leak of
// clientDataJSON would show its base64url form, not its text).
import { base64urlnopad } from '@scure/base';

export interface Leak {
  needle: string;
  form: string;
  frameIndex: number;
}

/** The base64url text any encoding of `bytes` must contain, whatever the bytes before it. */
function base64urlCores(bytes: Uint8Array): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const shifted = new Uint8Array(shift + bytes.length);
    shifted.set(bytes, shift);
    const text = base64urlnopad.encode(shifted);
    // Keep only the characters whose 6 bits all come from the needle, not from its neighbours.
    const start = Math.ceil((shift * 4) / 3);
    const end = Math.floor(((shift + bytes.length) * 4) / 3);
    if (end - start >= 4) cores.push(text.slice(start, end));
  }
  return cores;
}

function contains(haystack: Buffer, needle: Uint8Array): boolean {
  return needle.length > 0 && haystack.indexOf(needle) >= 0;
}

/** Every place a needle (text or bytes) shows up in the frames, raw or base64url-encoded. */
export function findLeaks(frames: readonly Uint8Array[], needles: readonly (string | Uint8Array)[]): Leak[] {
  const leaks: Leak[] = [];
  frames.forEach((frame, frameIndex) => {
    const haystack = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    for (const needle of needles) {
      const bytes = typeof needle === 'string' ? new TextEncoder().encode(needle) : needle;
      const label = typeof needle === 'string' ? needle : `bytes ${base64urlnopad.encode(needle)}`;
      if (contains(haystack, bytes)) leaks.push({ needle: label, form: 'raw', frameIndex });
      for (const core of base64urlCores(bytes)) {
        if (contains(haystack, new TextEncoder().encode(core))) leaks.push({ needle: label, form: `base64url ${core}`, frameIndex });
      }
    }
  });
  return leaks;
}
