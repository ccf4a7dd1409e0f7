/**
 * Masking as a rule outcome: a grant with `mask:` (policies.yaml) allows its policy's fields
 * masked only. This file is the one place that turns a value into its masked form, used by the
 * gateway's completion (the first line) and by the subgraphs (the second line), so both agree
 * byte for byte and masking twice changes nothing.
 */
import type { MaskEntry } from '../policy/types';
import type { MaskRule } from './types';

export type { MaskRule } from './types';

export const MASK_CHARACTER = '*';

/**
 * `123456785148` → `********5148`: the same length, every character but the last `keepLast`
 * replaced by `*`. A value shorter than twice `keepLast` is hidden whole: keeping four of six
 * characters would show most of it. Code points, not UTF-16 units, so a kanji is one character.
 */
export function maskValue(value: string, rule: Pick<MaskRule, 'keepLast'>): string {
  const characters = [...value];
  const keep = characters.length >= rule.keepLast * 2 ? rule.keepLast : 0;
  return MASK_CHARACTER.repeat(characters.length - keep) + characters.slice(characters.length - keep).join('');
}

/** Of two masks, the one that shows less. */
export function stricter(a: MaskRule, b: MaskRule): MaskRule {
  return b.keepLast < a.keepLast ? b : a;
}

export function maskRule(entry: MaskEntry): MaskRule {
  return { name: entry.name, keepLast: entry.keepLast };
}
