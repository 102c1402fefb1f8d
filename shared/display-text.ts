// Text that came from someone else (a page's rp.name / user.name / user.displayName, a phone's
// device name) made safe to show next to text that matters, such as a verified origin.
//
// Unicode lets such text rearrange what is drawn around it: a right-to-left override (U+202E)
// reverses what follows, isolates and embeddings re-order runs, and invisible characters hide
// differences. `displayText` is pure: it never changes visible letters, it only
// - replaces every bidi control (U+061C, U+200E/200F, U+202A–202E, U+2066–2069) with U+FFFD,
//   so tampering is visible rather than silently repaired;
// - turns control characters (C0, DEL, C1) and line/paragraph separators into a space;
// - drops every other invisible format character (zero-width spaces and joiners, soft hyphen,
//   BOM, tag characters: general category Cf);
// - replaces unpaired surrogates with U+FFFD;
// - collapses runs of white space, trims, and caps the length (in code points) with "…".
// Showing the result inside an isolating element (`<bdi>` or `unicode-bidi: isolate`) also keeps
// ordinary right-to-left letters from reordering the text beside it.

/** Longest text shown for one name, in code points (the protocol allows 1024 characters). */
export const DISPLAY_TEXT_MAX = 64;

const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
const CONTROLS_AND_SEPARATORS = /[\p{Cc}\u2028\u2029]/gu;
const OTHER_FORMAT = /\p{Cf}/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function displayText(value: string, maxLength = DISPLAY_TEXT_MAX): string {
  const cleaned = value
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(BIDI_CONTROLS, '\uFFFD')
    .replace(CONTROLS_AND_SEPARATORS, ' ')
    .replace(OTHER_FORMAT, '')
    .replace(/\s+/gu, ' ')
    .trim();
  const codePoints = Array.from(cleaned);
  if (codePoints.length <= maxLength) return cleaned;
  return `${codePoints.slice(0, Math.max(1, maxLength - 1)).join('').trimEnd()}…`;
}
