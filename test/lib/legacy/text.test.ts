import {
  detectGaiji,
  kanaSearchKey,
  normalizeKana,
  padFixedWidth,
  toHalfWidthKana,
  trimFixedWidth,
} from '../../../lib/legacy/text';

const cp = (s: string): string[] => Array.from(s, (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`);

describe('trimFixedWidth', () => {
  it('strips ASCII and full-width padding on both ends', () => {
    expect(trimFixedWidth('山田　太郎　　　')).toBe('山田　太郎');
    expect(trimFixedWidth('ﾔﾏﾀﾞ ﾀﾛｳ    ')).toBe('ﾔﾏﾀﾞ ﾀﾛｳ');
    expect(trimFixedWidth(' \u3000世田谷区 \u3000')).toBe('世田谷区');
  });

  it('turns blank and missing values into null', () => {
    expect(trimFixedWidth('')).toBeNull();
    expect(trimFixedWidth('    ')).toBeNull();
    expect(trimFixedWidth('\u3000\u3000 ')).toBeNull();
    expect(trimFixedWidth(null)).toBeNull();
    expect(trimFixedWidth(undefined)).toBeNull();
  });

  it('keeps other whitespace, which is not padding', () => {
    expect(trimFixedWidth('\tA ')).toBe('\tA');
  });
});

describe('normalizeKana', () => {
  it('turns half-width katakana into full-width, composing voiced marks', () => {
    expect(normalizeKana('ﾔﾏﾀﾞ ﾀﾛｳ')).toBe('ヤマダ タロウ');
    expect(normalizeKana('ｶﾞｯｺｳ ﾊﾟﾝ ｳﾞｨ')).toBe('ガッコウ パン ヴィ');
    expect(cp(normalizeKana('ｶﾞ'))).toEqual(['U+30AC']); // one precomposed ガ, not カ + U+3099
  });

  it('composes a half-width voicing mark typed after a full-width kana', () => {
    expect(cp(normalizeKana('カﾞ'))).toEqual(['U+30AC']);
  });

  it('turns full-width digits and letters into ASCII', () => {
    expect(normalizeKana('１２３ＡＢｃ－')).toBe('123ABc-');
  });

  it('never touches kanji, compatibility ideographs included', () => {
    // U+FA10 塚 would become U+585A under NFKC; U+FA11 﨑 is a unified ideograph NFKC keeps anyway.
    expect(cp(normalizeKana('\uFA10本'))).toEqual(['U+FA10', 'U+672C']);
    expect(cp(normalizeKana('山\uFA11ﾀﾛｳ'))).toEqual(['U+5C71', 'U+FA11', 'U+30BF', 'U+30ED', 'U+30A6']);
    expect(cp(normalizeKana('\uF929'))).toEqual(['U+F929']); // 朗 (compat) stays
    expect('\uFA10'.normalize('NFKC')).not.toBe('\uFA10'); // the hazard this function avoids
  });

  it('keeps private-use gaiji, full-width spaces and ㈱-style compatibility characters', () => {
    expect(normalizeKana('山\uE001\u3000㈱')).toBe('山\uE001\u3000㈱');
  });

  it('passes null through', () => {
    expect(normalizeKana(null)).toBeNull();
  });
});

describe('kanaSearchKey', () => {
  it('folds width, script, voicing, small kana, long vowels and spaces', () => {
    expect(kanaSearchKey('ﾔﾏﾀﾞ ﾀﾛｳ')).toBe('ヤマタタロウ');
    expect(kanaSearchKey('やまだ　たろう')).toBe('ヤマタタロウ');
    expect(kanaSearchKey('ヤマダ タロウ')).toBe('ヤマタタロウ');
  });

  it.each([
    ['ガ', 'カ'],
    ['パ', 'ハ'],
    ['バ', 'ハ'],
    ['ヴ', 'ウ'],
    ['ァィゥェォ', 'アイウエオ'],
    ['ッ', 'ツ'],
    ['ャュョ', 'ヤユヨ'],
    ['ヮ', 'ワ'],
    ['ヵヶ', 'カケ'],
    ['ぁっゃ', 'アツヤ'],
  ])('%s → %s', (input, key) => {
    expect(kanaSearchKey(input)).toBe(key);
  });

  it('ignores every long-vowel and dash variant', () => {
    const spellings = ['ユーコ', 'ユｰコ', 'ユ－コ', 'ユ‐コ', 'ユ-コ', 'ユ―コ', 'ユ—コ', 'ユ−コ', 'ユコ'];
    expect(new Set(spellings.map(kanaSearchKey))).toEqual(new Set(['ユコ']));
  });

  it('makes equivalent spellings equal', () => {
    expect(kanaSearchKey('ｷｬﾉﾝ')).toBe('キヤノン');
    expect(kanaSearchKey('きやのん')).toBe('キヤノン');
    expect(kanaSearchKey('ｼﾞｮｰｼﾞ')).toBe('シヨシ');
    expect(kanaSearchKey('じょーじ')).toBe('シヨシ');
    // The middle dot of foreign names is not in the list and is kept.
    expect(kanaSearchKey('ジョン・スミス')).toBe('シヨン・スミス');
  });

  it('keeps distinctions that are not in the list', () => {
    expect(kanaSearchKey('カ')).not.toBe(kanaSearchKey('ハ'));
    expect(kanaSearchKey('ヨウコ')).not.toBe(kanaSearchKey('ヨコ'));
  });

  it('returns an empty key for missing values', () => {
    expect(kanaSearchKey(null)).toBe('');
    expect(kanaSearchKey('  　')).toBe('');
  });
});

describe('padFixedWidth', () => {
  it('pads with full-width or ASCII spaces to the width', () => {
    expect(padFixedWidth('山田', 5, { fullWidth: true })).toBe('山田\u3000\u3000\u3000');
    expect(padFixedWidth('ﾔﾏﾀﾞ', 6)).toBe('ﾔﾏﾀﾞ  ');
    expect(padFixedWidth(null, 3)).toBe('   ');
  });

  it('counts a supplementary-plane character once', () => {
    expect(padFixedWidth('\u{F0001}田', 3, { fullWidth: true })).toBe('\u{F0001}田\u3000');
  });

  it('round-trips with trimFixedWidth', () => {
    expect(trimFixedWidth(padFixedWidth('世田谷', 10, { fullWidth: true }))).toBe('世田谷');
  });

  it('refuses to truncate', () => {
    expect(() => padFixedWidth('世田谷区', 3)).toThrow(RangeError);
  });
});

describe('toHalfWidthKana', () => {
  it('writes katakana as old records do, with separate voicing marks', () => {
    expect(toHalfWidthKana('ヤマダ タロウ')).toBe('ﾔﾏﾀﾞ ﾀﾛｳ');
    expect(toHalfWidthKana('ガッパ・ヴァイオリン')).toBe('ｶﾞｯﾊﾟ･ｳﾞｧｲｵﾘﾝ');
    expect(toHalfWidthKana('ジョージ')).toBe('ｼﾞｮｰｼﾞ');
  });

  it('leaves kanji, hiragana and kana without a half-width form', () => {
    expect(toHalfWidthKana('山田やまだヰヱヮヵヶ')).toBe('山田やまだヰヱヮヵヶ');
  });

  it('is undone by normalizeKana', () => {
    const name = 'サイトウ パルヴィーン';
    expect(normalizeKana(toHalfWidthKana(name))).toBe(name);
  });
});

describe('detectGaiji', () => {
  it('flags private-use code points and passes them through unchanged', () => {
    const name = '山\uE001太郎';
    expect(detectGaiji(name)).toEqual({ hasGaiji: true, codes: ['U+E001'] });
    expect(normalizeKana(name)).toBe(name);
    expect(trimFixedWidth(`${name}\u3000`)).toBe(name);
  });

  it('flags planes 15 and 16', () => {
    expect(detectGaiji('\u{F0000}\u{10FFFD}')).toEqual({ hasGaiji: true, codes: ['U+F0000', 'U+10FFFD'] });
  });

  it('flags inline 住基ネット統一文字 J+ codes, in order, without duplicates', () => {
    const name = '高J+b9d5\uE123J+B9D5';
    expect(detectGaiji(name)).toEqual({ hasGaiji: true, codes: ['J+B9D5', 'U+E123'] });
    expect(normalizeKana(name)).toBe(name);
  });

  it('does not flag standard kanji, compatibility ideographs or kana', () => {
    expect(detectGaiji('髙\uFA11\uFA10ﾀﾛｳ')).toEqual({ hasGaiji: false, codes: [] });
    expect(detectGaiji(null)).toEqual({ hasGaiji: false, codes: [] });
    expect(detectGaiji('J+12')).toEqual({ hasGaiji: false, codes: [] });
  });
});
