// The blocklist NIST SP 800-63B §3.1.1.2 asks verifiers to check new passwords against:
// zxcvbn-ts's common-password list (@zxcvbn-ts/language-common, MIT, about 49,000 of the most
// frequent passwords in public breach corpora). It is a frequency list, not a breached-password
// service (no Have I Been Pwned lookup: this harness runs offline).
//
// Few list entries reach our 12-character minimum, and people meet a length rule by padding a
// common word ("football1234", "password123!") or repeating one ("qwertyqwerty"); so the word
// inside such padding or repetition is looked up as well.
import { createRequire } from 'node:module';

type LanguageCommon = typeof import('@zxcvbn-ts/language-common');

/** Loaded on first use: the package decompresses its lists when imported, which takes a good
 *  part of a second that server start-up and tests never creating a password should not pay.
 *  `require` (its CommonJS build) keeps the check synchronous. */
let common: ReadonlySet<string> | undefined;

function list(): ReadonlySet<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as LanguageCommon;
    common = new Set(dictionary['passwords-common'].map((password) => password.toLowerCase()));
  }
  return common;
}

/** The shortest common word we look for inside padding or repetition: shorter ones ("a", "12")
 *  would refuse passwords that merely start with them. */
const MIN_WORD = 4;

/** A lowercased password: on the list, a list word padded with digits or symbols, or a list
 *  word repeated. */
export function isCommonPassword(lower: string): boolean {
  const words = list();
  if (words.has(lower)) return true;
  const padded = /^(.+?)[\d\p{P}\p{S}\s]+$/u.exec(lower)?.[1];
  if (padded !== undefined && padded.length >= MIN_WORD && words.has(padded)) return true;
  const repeated = /^(.+?)\1+$/u.exec(lower)?.[1];
  return repeated !== undefined && repeated.length >= MIN_WORD && words.has(repeated);
}
