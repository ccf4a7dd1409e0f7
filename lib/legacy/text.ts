/**
 * Legacy text as the old resident DB stores it: fixed-width CHAR columns padded with ASCII or
 * full-width (U+3000) spaces, kana sometimes half-width (ﾔﾏﾀﾞ), digits sometimes full-width,
 * and 外字 (gaiji, user-defined characters) for name kanji that no standard code covered.
 *
 * The rule that shapes this file: a person's name is legal data. Kana and digits may be
 * normalised (they have one meaning in any width), but kanji may not: NFKC folds CJK
 * compatibility ideographs (e.g. U+FA10 塚 → U+585A 塚) that the family register keeps apart,
 * and gaiji have no standard equivalent at all. So nothing here runs NFKC over a whole string,
 * and nothing ever replaces a gaiji with a look-alike.
 */

/** ASCII space and 全角スペース (U+3000), the two pad characters of legacy CHAR columns. */
const PAD = /^[ \u3000]+|[ \u3000]+$/g;

/**
 * Strips CHAR padding (ASCII and full-width spaces) from both ends; empty becomes null,
 * because the legacy systems store "no value" as a blank-padded column, not as NULL.
 * Other whitespace (tabs, NBSP) is kept: it is not padding and may signal a data problem.
 */
export function trimFixedWidth(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.replace(PAD, '');
  return trimmed === '' ? null : trimmed;
}

/**
 * What NFKC may touch:
 *  - a run of half-width katakana (U+FF61–U+FF9F), together with one full-width kana just
 *    before it, so that a half-width voicing mark typed after a full-width kana (カﾞ) still
 *    composes (ガ) instead of leaving a dangling combining mark;
 *  - a run of full-width ASCII (U+FF01–U+FF5E: digits, letters, punctuation).
 * The kana allowed before the run (U+3041–U+3096, U+30A1–U+30FA) have no compatibility
 * decomposition, so including them changes nothing but the composition.
 */
const NFKC_SAFE_RUN = /[\u3041-\u3096\u30A1-\u30FA]?[\uFF61-\uFF9F]+|[\uFF01-\uFF5E]+/g;

/**
 * NFKC for kana and full-width ASCII only: ﾔﾏﾀﾞ ﾀﾛｳ → ヤマダ タロウ, ｶﾞ → ガ, １２３ → 123,
 * ＡＢＣ → ABC. Kanji (including CJK compatibility ideographs U+F900–U+FAFF), private-use
 * gaiji, full-width spaces and every other character are returned unchanged.
 */
export function normalizeKana(value: string): string;
export function normalizeKana(value: string | null | undefined): string | null;
export function normalizeKana(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(NFKC_SAFE_RUN, (run) => run.normalize('NFKC'));
}

// Small kana → their large forms (katakana, after hiragana has been folded to katakana).
const SMALL_TO_LARGE: Record<string, string> = {
  ァ: 'ア', ィ: 'イ', ゥ: 'ウ', ェ: 'エ', ォ: 'オ', ッ: 'ツ', ャ: 'ヤ', ュ: 'ユ', ョ: 'ヨ', ヮ: 'ワ', ヵ: 'カ', ヶ: 'ケ',
  // Katakana Phonetic Extensions (Ainu small kana), which appear in some transliterated names.
  ㇰ: 'ク', ㇱ: 'シ', ㇲ: 'ス', ㇳ: 'ト', ㇴ: 'ヌ', ㇵ: 'ハ', ㇶ: 'ヒ', ㇷ: 'フ',
  ㇸ: 'ヘ', ㇹ: 'ホ', ㇺ: 'ム', ㇻ: 'ラ', ㇼ: 'リ', ㇽ: 'ル', ㇾ: 'レ', ㇿ: 'ロ',
};
const SMALL_KANA = new RegExp(`[${Object.keys(SMALL_TO_LARGE).join('')}]`, 'g');
const HIRAGANA = /[\u3041-\u3096\u309D\u309E]/g; // ぁ..ゖ and the iteration marks ゝゞ
const VOICEABLE_KATAKANA = /[\u30A1-\u30FA\u30FD\u30FE]/g;
// Combining and spacing (han)dakuten: ゙ ゚ ゛ ゜.
const VOICING_MARKS = /[\u3099-\u309C]/g;
/**
 * Long-vowel mark and the dashes that stand in for it in typed and converted data:
 * ー ｰ - ‐ ‑ ‒ – — ― − ﹣ －. U+2015 and U+2212 are where Shift_JIS converters put ― and −.
 */
const LONG_VOWEL_AND_DASHES = /[\u002D\u2010-\u2015\u2212\u30FC\uFE63\uFF0D\uFF70]/g;
const ANY_SPACE = /\s/g; // includes U+3000 and NBSP

/**
 * Key for kana name search: two spellings that a clerk would consider "the same reading"
 * get the same key. Full-width katakana, with
 *  - hiragana folded to katakana:             やまだ → ヤマダ → ヤマタ
 *  - half/full width ignored:                 ﾔﾏﾀﾞ → ヤマタ
 *  - dakuten/handakuten removed:              ガ → カ, パ → ハ, ヴ → ウ
 *  - small kana enlarged:                     ァ → ア, ッ → ツ, ャ → ヤ, ヮ → ワ
 *  - long-vowel mark and dashes removed:      ユーコ, ユ－コ, ユ-コ, ユコ → ユコ
 *  - spaces of any width removed:             ヤマダ　タロウ, ﾔﾏﾀﾞ ﾀﾛｳ → ヤマタタロウ
 * So: kanaSearchKey('ｷｬﾉﾝ') === kanaSearchKey('キヤノン') === 'キヤノン'.
 * Deliberately lossy; use it to find candidates, never to store or to display a name.
 * Non-kana characters (kanji, Latin letters) pass through apart from the width folding above.
 */
export function kanaSearchKey(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return normalizeKana(value)
    .replace(HIRAGANA, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .replace(VOICEABLE_KATAKANA, (c) => c.normalize('NFD'))
    .replace(VOICING_MARKS, '')
    .replace(SMALL_KANA, (c) => SMALL_TO_LARGE[c] ?? c)
    .replace(LONG_VOWEL_AND_DASHES, '')
    .replace(ANY_SPACE, '');
}

/**
 * Pads to `width` characters (code points, so a supplementary-plane gaiji counts once) the way
 * the legacy CHAR columns are padded: with U+3000 for full-width (kanji/kana) columns, ASCII
 * spaces otherwise. Throws rather than truncating: cutting a name short would create fake
 * legacy data that no real source has.
 */
export function padFixedWidth(
  value: string | null | undefined,
  width: number,
  options: { fullWidth?: boolean } = {},
): string {
  if (!Number.isInteger(width) || width < 0) throw new RangeError(`width must be a non-negative integer (got ${width})`);
  const text = value ?? '';
  const length = Array.from(text).length;
  if (length > width) throw new RangeError(`value of ${length} characters does not fit a width of ${width}`);
  return text + (options.fullWidth ? '\u3000' : ' ').repeat(width - length);
}

/**
 * Full-width → half-width katakana table, derived from Unicode's own NFKC mapping of the
 * half-width block so it cannot drift from normalizeKana: ガ → ｶﾞ, パ → ﾊﾟ, ヴ → ｳﾞ, ー → ｰ.
 */
const TO_HALF_WIDTH: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (let cp = 0xff61; cp <= 0xff9f; cp++) {
    const half = String.fromCharCode(cp);
    map.set(half.normalize('NFKC'), half);
  }
  map.set('\u309B', 'ﾞ'); // spacing ゛
  map.set('\u309C', 'ﾟ'); // spacing ゜
  for (const [full, half] of [...map]) {
    for (const [mark, halfMark] of [['\u3099', 'ﾞ'], ['\u309A', 'ﾟ']] as const) {
      const composed = (full + mark).normalize('NFC');
      if (composed.length === 1) map.set(composed, half + halfMark);
    }
  }
  return map;
})();
const HAS_HALF_WIDTH = new RegExp(`[${[...TO_HALF_WIDTH.keys()].join('')}]`, 'g');

/**
 * Full-width katakana (and ー ・ 「」 。、) → half-width, as old records hold them; used by the
 * synthetic-data generator. Kana without a half-width form (ヰ ヱ ヮ ヵ ヶ), hiragana, kanji and
 * everything else stay unchanged.
 */
export function toHalfWidthKana(value: string): string {
  return value.replace(HAS_HALF_WIDTH, (c) => TO_HALF_WIDTH.get(c) ?? c);
}

export interface GaijiReport {
  hasGaiji: boolean;
  /** Distinct gaiji in order of first appearance: `U+E001` for private-use code points, `J+XXXX` for 住基ネット統一文字 escapes. */
  codes: string[];
}

/**
 * One pass over the text, so `codes` comes out in order of appearance:
 *  - 住基ネット統一文字 written inline as `J+` and four hex digits (the form the MJ tables use).
 *    No boundary is required after the four digits: flagging a doubtful case costs a human
 *    glance, missing a real one lets an unrenderable name through unnoticed;
 *  - private-use code points: the BMP area U+E000–U+F8FF and planes 15 and 16.
 */
const GAIJI = /J\+([0-9A-Fa-f]{4})|[\uE000-\uF8FF\u{F0000}-\u{10FFFF}]/gu;

/**
 * Flags 外字 so that a human (or a font with the ward's gaiji) can check them. The value itself
 * is never modified here or anywhere else: a private-use code point means a specific character
 * in this ward's font, and any "equivalent" we picked could be another person's name.
 */
export function detectGaiji(value: string | null | undefined): GaijiReport {
  const codes = new Set<string>();
  for (const match of (value ?? '').matchAll(GAIJI)) {
    codes.add(
      match[1] !== undefined
        ? `J+${match[1].toUpperCase()}`
        : `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
    );
  }
  return { hasGaiji: codes.size > 0, codes: [...codes] };
}
