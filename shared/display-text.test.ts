import { describe, expect, it } from 'vitest';
import { DISPLAY_TEXT_MAX, displayText } from './display-text.ts';

describe('displayText', () => {
  it('keeps ordinary names as they are, in any script', () => {
    for (const name of ['Alice Example', 'José Álvarez', '山田太郎', 'مريم', 'Ελένη', 'a@b.example', 'rocket 🚀']) expect(displayText(name)).toBe(name);
  });

  it('makes every bidi control visible as U+FFFD instead of letting it reorder the text', () => {
    const controls = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
    for (const control of controls) expect(displayText(`a${control}b`)).toBe('a\uFFFDb');
    // The classic: "moc.elgoog" reversed into "google.com" next to the real rpId.
    expect(displayText('evil \u202Emoc.elgoog\u202C')).toBe('evil \uFFFDmoc.elgoog\uFFFD');
  });

  it('turns control characters and line breaks into single spaces', () => {
    expect(displayText('first\nsecond\r\nthird\tfourth\u0000fifth\u007F\u0085sixth\u2028end')).toBe('first second third fourth fifth sixth end');
  });

  it('drops other invisible format characters and unpaired surrogates', () => {
    expect(displayText('pay\u200Bpal')).toBe('paypal');
    expect(displayText('\uFEFFsoft\u00ADhyphen')).toBe('softhyphen');
    expect(displayText('tag\u{E0041}\u{E0042}s')).toBe('tags');
    expect(displayText('lone \uD800 high')).toBe('lone \uFFFD high');
  });

  it('caps the length in code points without splitting a character', () => {
    const long = '😀'.repeat(200);
    const shown = displayText(long);
    expect(Array.from(shown)).toHaveLength(DISPLAY_TEXT_MAX);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(displayText('abcdefgh', 5)).toBe('abcd…');
    expect(displayText('   spaced   out   ')).toBe('spaced out');
  });
});
