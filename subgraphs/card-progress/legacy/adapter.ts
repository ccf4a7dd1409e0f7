import type { Knex } from 'knex';
import { InvalidLegacyDateError, parseWesternDate } from '../../../lib/legacy/wareki';
import { normalizeKana } from '../../../lib/legacy/text';
import { jstTimestampToIso } from '../../../lib/legacy/timestamp';
import { required, text, type LegacyRow as Row } from '../../shared/adapter';
import { convertByKey, convertGroups, type Settled } from '../../shared/loaders';
import type { ApplicationGroups, CardEventRecord, CardRecord, CardReservationRecord, CardStatus, OfficeRecord, ReservationState } from '../records';

/**
 * The card issuance progress system's adapter (個人番号カード交付進捗管理システム): the only
 * module that reads its legacy tables. Every function takes a batch of keys and runs ONE
 * statement, so DataLoader batches turn into one SQL round trip whatever the number of rows.
 * Office names come from KOFU_BASHO_MST joined into the same statement. Batch results are keyed
 * and settled (subgraphs/shared/loaders.ts): a row that cannot be converted fails its own key only.
 */

const STATUS_BY_CODE: Record<string, CardStatus> = {
  '10': 'APPLIED',
  '20': 'IN_PRODUCTION',
  '30': 'ARRIVED',
  '40': 'NOTICE_SENT',
  '50': 'RESERVED',
  '60': 'ISSUED',
  '90': 'REVOKED',
  '91': 'CANCELLED',
};

const RESERVATION_STATE_BY_CODE: Record<string, ReservationState> = { '1': 'BOOKED', '2': 'CANCELLED', '3': 'ATTENDED' };

/**
 * A value outside the code list the legacy column documents: a data fault. It is raised, never
 * guessed at (a card shown as ISSUED that is not would be worse than an error). The message
 * names the column only, never the row; the subgraph masks it as an internal error.
 */
export class UnknownLegacyCodeError extends Error {
  override readonly name = 'UnknownLegacyCodeError';
}

function decode<T>(codes: Record<string, T>, value: unknown, column: string): T {
  const decoded = codes[required(value)];
  if (decoded === undefined) throw new UnknownLegacyCodeError(`${column} holds a code outside its documented list`);
  return decoded;
}

/**
 * A legacy JST timestamp, YYYYMMDDHHMMSS or YYYYMMDDHHMM (padding trimmed), as ISO 8601 with
 * the +09:00 offset: 20240401093000 → 2024-04-01T09:30:00+09:00. Seconds missing in the source
 * are written as :00 (the minute is what was recorded). An instant that does not exist is an
 * INVALID_LEGACY_DATE error whose message does not quote the value.
 */
export function parseJstTimestamp(raw: string | null | undefined): string {
  const iso = jstTimestampToIso(required(raw), { allowMinutes: true });
  if (iso === null) throw new InvalidLegacyDateError('card timestamp is not a calendar instant written YYYYMMDDHHMM[SS]');
  return iso;
}

/** An office from a code column and the joined KOFU_BASHO_MST name (the code when the master lacks it). */
function toOffice(code: unknown, name: unknown): OfficeRecord | null {
  const officeCode = text(code);
  if (!officeCode) return null;
  // Names are kanji and kana: kana and digits normalised, kanji and 外字 passed through unchanged.
  return { code: officeCode, name: normalizeKana(text(name)) ?? officeCode };
}

/** For NOT NULL office columns: a blank code is a data fault, raised like an unknown code. */
function requiredOffice(code: unknown, name: unknown, column: string): OfficeRecord {
  const office = toOffice(code, name);
  if (!office) throw new UnknownLegacyCodeError(`${column} is blank`);
  return office;
}

function toCard(row: Row): CardRecord {
  return {
    applicationId: required(row.SHINSEI_ID),
    residentId: required(row.ATENA_NO),
    status: decode(STATUS_BY_CODE, row.GENKO_JOTAI_CD, 'CARD_SHINSEI.GENKO_JOTAI_CD'),
    appliedOn: parseWesternDate(row.SHINSEI_YMD as string),
    issuingOffice: toOffice(row.KOFU_BASHO_CD, row.BASHO_MEI),
  };
}

function toCardEvent(row: Row): CardEventRecord {
  return {
    sequence: Number(row.RIREKI_SEQ),
    status: decode(STATUS_BY_CODE, row.JOTAI_CD, 'CARD_SHINCHOKU.JOTAI_CD'),
    occurredAt: parseJstTimestamp(row.JOTAI_NICHIJI as string),
    office: toOffice(row.BASHO_CD, row.BASHO_MEI),
  };
}

function toReservation(row: Row): CardReservationRecord {
  return {
    scheduledAt: parseJstTimestamp(row.YOYAKU_NICHIJI as string),
    office: requiredOffice(row.YOYAKU_BASHO_CD, row.BASHO_MEI, 'CARD_YOYAKU.YOYAKU_BASHO_CD'),
    state: decode(RESERVATION_STATE_BY_CODE, row.YOYAKU_JOTAI, 'CARD_YOYAKU.YOYAKU_JOTAI'),
  };
}

/**
 * The latest application per person (by 申請日, then 申請書ID), keyed by 宛名番号. One statement
 * selects every application of the batch; the latest is kept here rather than with a window
 * function or TOP/LIMIT per group, which SQLite, PostgreSQL and SQL Server spell differently.
 * The comparison is done on the trimmed values in JS, so it does not depend on a collation.
 */
export async function findLatestCards(db: Knex, residentIds: readonly string[]): Promise<Map<string, Settled<CardRecord>>> {
  const rows: Row[] = await db('CARD_SHINSEI as s')
    .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 's.KOFU_BASHO_CD')
    .select('s.SHINSEI_ID', 's.ATENA_NO', 's.SHINSEI_YMD', 's.GENKO_JOTAI_CD', 's.KOFU_BASHO_CD', 'b.BASHO_MEI')
    .whereIn('s.ATENA_NO', residentIds as string[])
    .orderBy([{ column: 's.ATENA_NO' }, { column: 's.SHINSEI_YMD' }, { column: 's.SHINSEI_ID' }]);
  const latest = new Map<string, Row>();
  const later = (a: Row, b: Row): boolean => {
    const [dateA, dateB] = [required(a.SHINSEI_YMD), required(b.SHINSEI_YMD)];
    return dateA !== dateB ? dateA > dateB : required(a.SHINSEI_ID) > required(b.SHINSEI_ID);
  };
  for (const row of rows) {
    const id = required(row.ATENA_NO);
    const current = latest.get(id);
    if (!current || later(row, current)) latest.set(id, row);
  }
  // Only the kept rows are mapped: an older application's data fault does not hide the latest card.
  return convertByKey(latest.values(), (row) => required(row.ATENA_NO), toCard);
}

/** 進捗履歴 per application, oldest first (RIREKI_SEQ order). */
export async function findCardEvents(db: Knex, applicationIds: readonly string[]): Promise<Map<string, Settled<CardEventRecord[]>>> {
  const rows: Row[] = await db('CARD_SHINCHOKU as h')
    .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 'h.BASHO_CD')
    .select('h.SHINSEI_ID', 'h.RIREKI_SEQ', 'h.JOTAI_CD', 'h.JOTAI_NICHIJI', 'h.BASHO_CD', 'b.BASHO_MEI')
    .whereIn('h.SHINSEI_ID', applicationIds as string[])
    .orderBy([{ column: 'h.SHINSEI_ID' }, { column: 'h.RIREKI_SEQ' }]);
  return convertGroups(rows, (row) => required(row.SHINSEI_ID), toCardEvent);
}

/** 交付予約 per application (at most one: SHINSEI_ID is the table's key). */
export async function findReservations(db: Knex, applicationIds: readonly string[]): Promise<Map<string, Settled<CardReservationRecord>>> {
  const rows: Row[] = await db('CARD_YOYAKU as y')
    .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 'y.YOYAKU_BASHO_CD')
    .select('y.SHINSEI_ID', 'y.YOYAKU_NICHIJI', 'y.YOYAKU_BASHO_CD', 'y.YOYAKU_JOTAI', 'b.BASHO_MEI')
    .whereIn('y.SHINSEI_ID', applicationIds as string[]);
  return convertByKey(rows, (row) => required(row.SHINSEI_ID), toReservation);
}

/**
 * Group-by counts of applications (every application, not the latest per person) by current
 * state and by issuing office. The database aggregates; only counts and office names leave this
 * function, never a person row. Raw codes are trimmed and summed by the caller, because CHAR
 * padding can split one code into several groups in SQLite.
 */
export async function countApplicationGroups(db: Knex): Promise<ApplicationGroups> {
  const [byStatus, byOffice] = (await Promise.all([
    db('CARD_SHINSEI').select('GENKO_JOTAI_CD').count({ n: '*' }).groupBy('GENKO_JOTAI_CD'),
    db('CARD_SHINSEI as s')
      .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 's.KOFU_BASHO_CD')
      .select('s.KOFU_BASHO_CD')
      .min({ BASHO_MEI: 'b.BASHO_MEI' })
      .count({ n: '*' })
      .groupBy('s.KOFU_BASHO_CD'),
  ])) as Row[][];
  return {
    byStatus: byStatus.map((row) => ({ status: STATUS_BY_CODE[required(row.GENKO_JOTAI_CD)] ?? null, count: Number(row.n) })),
    byOffice: byOffice.map((row) => ({ office: toOffice(row.KOFU_BASHO_CD, row.BASHO_MEI), count: Number(row.n) })),
  };
}
