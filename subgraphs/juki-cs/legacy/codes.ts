import { codeTable } from '../../../lib/legacy/code-table';
import type { IdentityChangeReason, Sex } from '../../../lib/schema-enums';

/**
 * The CS terminal's code columns (市町村CS), each table once: the adapter decodes with it, the
 * seed writer encodes with it (lib/legacy/code-table.ts).
 */

/** 性別 1 男 2 女. */
export const SEX = codeTable<Sex>('HONNIN_KAKUNIN.SEIBETSU', { MALE: '1', FEMALE: '2' });

/**
 * 異動事由, as this CS vendor codes them (the migration leaves them to the vendor). The one table
 * with a declared catch-all: a code the table does not know still says the record was changed,
 * which the standard calls その他の記載の修正 (CORRECTION); nothing else about the person is guessed.
 */
export const CHANGE_REASON = codeTable<IdentityChangeReason>(
  'HONNIN_KAKUNIN.IDO_JIYU_CD',
  {
    MOVE_IN: '01', // 転入
    BIRTH: '02', // 出生
    EX_OFFICIO_ENTRY: '03', // 職権記載等
    MOVE_WITHIN: '04', // 転居
    MOVE_OUT: '05', // 転出
    DEATH: '06', // 死亡
    EX_OFFICIO_ERASURE: '07', // 職権消除等
    INDIVIDUAL_NUMBER_CHANGE: '08', // 個人番号の変更
    CORRECTION: '09', // 修正 (その他の記載の修正)
    RESIDENT_CODE_ENTRY: '10', // 住民票コードの記載
  },
  { unknown: 'CORRECTION' },
);
