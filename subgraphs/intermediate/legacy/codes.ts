import { codeTable } from '../../../lib/legacy/code-table';
import type { CodeStatus, ProvisionResult } from '../../../lib/schema-enums';

/**
 * The intermediate server's code columns (中間サーバ), each table once: the adapter decodes with
 * it, the seed writer encodes with it (lib/legacy/code-table.ts). An undocumented code fails its
 * row's key: an unknown 符号 state is not taken for 取得済, nor an unknown result for 提供 or 不提供.
 */

/** 符号取得状態 0 未取得 1 取得依頼中 2 取得済 9 エラー. */
export const CODE_STATUS = codeTable<CodeStatus>('TOGO_ATENA.FUGO_JOTAI_CD', { NOT_REQUESTED: '0', REQUESTED: '1', ACQUIRED: '2', FAILED: '9' });

/** 提供結果 1 提供 2 不提供 3 保留. */
export const PROVISION_RESULT = codeTable<ProvisionResult>('JOHO_TEIKYO_KIROKU.TEIKYO_KEKKA_CD', { PROVIDED: '1', REFUSED: '2', HELD_FOR_REVIEW: '3' });
