import { describe, expect, it } from 'vitest';
import { isCommonPassword } from './common-passwords.ts';
import { passwordProblem } from './passwords.ts';

const TOO_COMMON = 'This password is too common; choose another';

describe('the common-password blocklist', () => {
  it('refuses long passwords from the breach-frequency list, whatever their case', () => {
    // All three are on zxcvbn-ts's list and were not on the hand-written one it replaced.
    for (const password of ['leavemealone', 'SonyEricsson', '123qweasdzxc']) {
      expect(passwordProblem(password, []), password).toBe(TOO_COMMON);
    }
  });

  it('refuses a common word padded to the length rule or repeated to reach it', () => {
    for (const password of ['Sunshine2024!!', 'p@ssw0rd1234', 'football 1234', 'monkeymonkey', 'iloveyouiloveyou']) {
      expect(passwordProblem(password, []), password).toBe(TOO_COMMON);
    }
  });

  it('accepts passphrases and passwords that merely start with a short common word', () => {
    for (const password of ['violet anchor drizzle', 'cat-trombone-lantern', 'correct horse battery 9', 'abc1234567890xyz']) {
      expect(isCommonPassword(password.toLowerCase()), password).toBe(false);
      expect(passwordProblem(password, []), password).toBeUndefined();
    }
  });
});
