import { codeTable } from '../../../lib/legacy/code-table';
import type { CardStatus, ReservationState } from '../../../lib/schema-enums';

/**
 * The card issuance progress system's code columns (個人番号カード交付進捗管理システム), each table
 * once: the adapter decodes with it, the seed writer encodes with it (lib/legacy/code-table.ts).
 * An undocumented code fails its row's key (a card shown as ISSUED that is not would be worse).
 */

/** 状態コード (CARD_SHINSEI.GENKO_JOTAI_CD and CARD_SHINCHOKU.JOTAI_CD share the list). */
const CARD_STATUS_CODES: Readonly<Record<CardStatus, string>> = {
  APPLIED: '10', // 申請受付
  IN_PRODUCTION: '20', // 作成中
  ARRIVED: '30', // 到着
  NOTICE_SENT: '40', // 通知発送
  RESERVED: '50', // 予約
  ISSUED: '60', // 交付
  REVOKED: '90', // 廃止
  CANCELLED: '91', // 取消
};

/** The application's current state. */
export const CURRENT_STATUS = codeTable('CARD_SHINSEI.GENKO_JOTAI_CD', CARD_STATUS_CODES);

/** One step of the progress history. */
export const EVENT_STATUS = codeTable('CARD_SHINCHOKU.JOTAI_CD', CARD_STATUS_CODES);

/** 予約状態 1 予約 2 取消 3 来庁済. */
export const RESERVATION_STATE = codeTable<ReservationState>('CARD_YOYAKU.YOYAKU_JOTAI', { BOOKED: '1', CANCELLED: '2', ATTENDED: '3' });
