import type { Knex } from 'knex';
import { InvalidLegacyDateError, parseWesternDate } from '../../../lib/legacy/wareki';
import { normalizeKana } from '../../../lib/legacy/text';
import { jstTimestampToIso } from '../../../lib/legacy/timestamp';
import { UnknownLegacyCodeError } from '../../../lib/legacy/code-table';
import { required, text } from '../../shared/adapter';
import { convertByKey, convertGroups, type Settled } from '../../shared/loaders';
import type { ApplicationGroups, CardEventRecord, CardRecord, CardReservationRecord, OfficeRecord } from '../records';
import { CURRENT_STATUS, EVENT_STATUS, RESERVATION_STATE } from './codes';
import type { CardShinchokuRow, CardShinseiRow, CardYoyakuRow, CountRow } from './rows';

/**
 * The card issuance progress system's adapter (個人番号カード交付進捗管理システム): the only
 * module that reads its legacy tables. Every function takes a batch of keys and runs ONE
 * statement, so DataLoader batches turn into one SQL round trip whatever the number of rows.
 * Office names come from KOFU_BASHO_MST joined into the same statement. Batch results are keyed
 * and settled (subgraphs/shared/loaders.ts): a row that cannot be converted fails its own key only,
 * an undocumented code too (legacy/codes.ts).
 */

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
function toOffice(code: string | null, name: string | null): OfficeRecord | null {
  const officeCode = text(code);
  if (!officeCode) return null;
  // Names are kanji and kana: kana and digits normalised, kanji and 外字 passed through unchanged.
  return { code: officeCode, name: normalizeKana(text(name)) ?? officeCode };
}

/** For NOT NULL office columns: a blank code is a data fault, raised like an unknown code. */
function requiredOffice(code: string, name: string | null, column: string): OfficeRecord {
  const office = toOffice(code, name);
  if (!office) throw new UnknownLegacyCodeError(`${column} is blank`);
  return office;
}

function toCard(row: CardShinseiRow): CardRecord {
  return {
    applicationId: required(row.SHINSEI_ID),
    residentId: required(row.ATENA_NO),
    status: CURRENT_STATUS.decode(row.GENKO_JOTAI_CD),
    appliedOn: parseWesternDate(row.SHINSEI_YMD),
    issuingOffice: toOffice(row.KOFU_BASHO_CD, row.BASHO_MEI),
  };
}

function toCardEvent(row: CardShinchokuRow): CardEventRecord {
  return {
    sequence: Number(row.RIREKI_SEQ),
    status: EVENT_STATUS.decode(row.JOTAI_CD),
    occurredAt: parseJstTimestamp(row.JOTAI_NICHIJI),
    office: toOffice(row.BASHO_CD, row.BASHO_MEI),
  };
}

function toReservation(row: CardYoyakuRow): CardReservationRecord {
  return {
    scheduledAt: parseJstTimestamp(row.YOYAKU_NICHIJI),
    office: requiredOffice(row.YOYAKU_BASHO_CD, row.BASHO_MEI, 'CARD_YOYAKU.YOYAKU_BASHO_CD'),
    state: RESERVATION_STATE.decode(row.YOYAKU_JOTAI),
  };
}

/**
 * The latest application per person (by 申請日, then 申請書ID), keyed by 宛名番号. One statement
 * selects every application of the batch; the latest is kept here rather than with a window
 * function or TOP/LIMIT per group, which SQLite, PostgreSQL and SQL Server spell differently.
 * The comparison is done on the trimmed values in JS, so it does not depend on a collation.
 */
export async function findLatestCards(db: Knex, residentIds: readonly string[]): Promise<Map<string, Settled<CardRecord>>> {
  const rows: CardShinseiRow[] = await db('CARD_SHINSEI as s')
    .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 's.KOFU_BASHO_CD')
    .select('s.SHINSEI_ID', 's.ATENA_NO', 's.SHINSEI_YMD', 's.GENKO_JOTAI_CD', 's.KOFU_BASHO_CD', 'b.BASHO_MEI')
    .whereIn('s.ATENA_NO', residentIds as string[])
    .orderBy([{ column: 's.ATENA_NO' }, { column: 's.SHINSEI_YMD' }, { column: 's.SHINSEI_ID' }]);
  const latest = new Map<string, CardShinseiRow>();
  const later = (a: CardShinseiRow, b: CardShinseiRow): boolean => {
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
  const rows: CardShinchokuRow[] = await db('CARD_SHINCHOKU as h')
    .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 'h.BASHO_CD')
    .select('h.SHINSEI_ID', 'h.RIREKI_SEQ', 'h.JOTAI_CD', 'h.JOTAI_NICHIJI', 'h.BASHO_CD', 'b.BASHO_MEI')
    .whereIn('h.SHINSEI_ID', applicationIds as string[])
    .orderBy([{ column: 'h.SHINSEI_ID' }, { column: 'h.RIREKI_SEQ' }]);
  return convertGroups(rows, (row) => required(row.SHINSEI_ID), toCardEvent);
}

/** 交付予約 per application (at most one: SHINSEI_ID is the table's key). */
export async function findReservations(db: Knex, applicationIds: readonly string[]): Promise<Map<string, Settled<CardReservationRecord>>> {
  const rows: CardYoyakuRow[] = await db('CARD_YOYAKU as y')
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
  const [byStatus, byOffice] = await Promise.all([
    db('CARD_SHINSEI').select('GENKO_JOTAI_CD').count({ n: '*' }).groupBy('GENKO_JOTAI_CD') as Promise<CountRow<Pick<CardShinseiRow, 'GENKO_JOTAI_CD'>>[]>,
    db('CARD_SHINSEI as s')
      .leftJoin('KOFU_BASHO_MST as b', 'b.BASHO_CD', 's.KOFU_BASHO_CD')
      .select('s.KOFU_BASHO_CD')
      .min({ BASHO_MEI: 'b.BASHO_MEI' })
      .count({ n: '*' })
      .groupBy('s.KOFU_BASHO_CD') as Promise<CountRow<Pick<CardShinseiRow, 'KOFU_BASHO_CD' | 'BASHO_MEI'>>[]>,
  ]);
  return {
    byStatus: byStatus.map((row) => ({ status: CURRENT_STATUS.lookup(row.GENKO_JOTAI_CD), count: Number(row.n) })),
    byOffice: byOffice.map((row) => ({ office: toOffice(row.KOFU_BASHO_CD, row.BASHO_MEI), count: Number(row.n) })),
  };
}
