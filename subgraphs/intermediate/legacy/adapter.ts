import type { Knex } from 'knex';
import { InvalidLegacyDateError } from '../../../lib/legacy/wareki';
import { normalizeKana, trimFixedWidth } from '../../../lib/legacy/text';
import { jstTimestampToIso } from '../../../lib/legacy/timestamp';
import { required, text } from '../../shared/adapter';
import { convertByKey, convertGroups, type Settled } from '../../shared/loaders';
import type { LinkageRecord, ProvisionRecord } from '../records';
import { CODE_STATUS, PROVISION_RESULT } from './codes';
import type { JohoTeikyoKirokuRow, TogoAtenaRow } from './rows';

/**
 * The intermediate server's adapter (中間サーバ): the only module that reads its legacy tables.
 * Every function takes a batch of keys and runs ONE statement, so DataLoader batches turn into
 * one SQL round trip whatever the number of rows. Batch results are keyed and settled
 * (subgraphs/shared/loaders.ts): a malformed legacy row fails its own person only, not the batch.
 */

const LEGAL_BASIS_PREFIX = '番号法第19条第8号 別表第二';

/**
 * CHAR(14) YYYYMMDDHHMMSS in JST → ISO 8601 with the +09:00 offset ('20240401093000' →
 * '2024-04-01T09:30:00+09:00'); full-width digits are folded first. Blank or all zeros (the
 * legacy "no value") → null. A value that is not a real time is an error, never a guessed time;
 * the message does not quote the value.
 */
function jstTimestamp(value: string | null): string | null {
  const raw = normalizeKana(text(value));
  if (raw === null || /^0+$/.test(raw)) return null;
  const iso = jstTimestampToIso(raw);
  if (iso === null) throw new InvalidLegacyDateError('intermediate server timestamp is not a YYYYMMDDHHMMSS time');
  return iso;
}

function requiredTimestamp(value: string): string {
  const iso = jstTimestamp(value);
  if (iso === null) throw new InvalidLegacyDateError('intermediate server timestamp is missing');
  return iso;
}

/** 別表第二 row '027' → '番号法第19条第8号 別表第二 第27項'; a row that is not a number is kept as written. */
function legalBasis(value: string): string {
  const row = normalizeKana(required(value));
  return `${LEGAL_BASIS_PREFIX} 第${/^\d+$/.test(row) ? String(Number(row)) : row}項`;
}

/** JOHO_KOMOKU is one NCHAR column of items separated by 「、」 (half-width ､ folds to 、 first). */
function items(value: string): string[] {
  return normalizeKana(required(value))
    .split('、')
    .map((item) => trimFixedWidth(item))
    .filter((item): item is string => item !== null);
}

/** Columns of TOGO_ATENA the API uses. */
const LINKAGE_COLUMNS: (keyof TogoAtenaRow)[] = ['TOGO_ATENA_NO', 'GYOMU_ATENA_NO', 'FUGO_JOTAI_CD', 'FUGO_SHUTOKU_NICHIJI', 'JIDO_OTO_FUKA_FLG'];

function toLinkage(row: TogoAtenaRow): LinkageRecord {
  return {
    integratedAddressNumber: required(row.TOGO_ATENA_NO),
    residentId: required(row.GYOMU_ATENA_NO),
    codeStatus: CODE_STATUS.decode(row.FUGO_JOTAI_CD),
    codeAcquiredAt: jstTimestamp(row.FUGO_SHUTOKU_NICHIJI),
    noAutoResponse: text(row.JIDO_OTO_FUKA_FLG) === '1',
  };
}

function toProvisionRecord(row: JohoTeikyoKirokuRow): ProvisionRecord {
  return {
    id: required(row.KIROKU_NO),
    requestedAt: requiredTimestamp(row.SHOKAI_NICHIJI),
    // The requester's name from the master; its code when the master lacks the body.
    requester: normalizeKana(text(row.KIKAN_MEI)) ?? required(row.SHOKAI_KIKAN_CD),
    legalBasis: legalBasis(row.BEPPYO_KO),
    items: items(row.JOHO_KOMOKU),
    result: PROVISION_RESULT.decode(row.TEIKYO_KEKKA_CD),
    autoResponse: text(row.JIDO_OTO_KBN) === '1',
  };
}

export async function findLinkagesByIntegratedAddressNumbers(db: Knex, numbers: readonly string[]): Promise<Map<string, Settled<LinkageRecord>>> {
  const rows: TogoAtenaRow[] = await db('TOGO_ATENA').select(LINKAGE_COLUMNS).whereIn('TOGO_ATENA_NO', numbers as string[]);
  return convertByKey(rows, (row) => required(row.TOGO_ATENA_NO), toLinkage);
}

/** By the resident record system's 宛名番号 (unique in TOGO_ATENA). */
export async function findLinkagesByResidentIds(db: Knex, residentIds: readonly string[]): Promise<Map<string, Settled<LinkageRecord>>> {
  const rows: TogoAtenaRow[] = await db('TOGO_ATENA').select(LINKAGE_COLUMNS).whereIn('GYOMU_ATENA_NO', residentIds as string[]);
  return convertByKey(rows, (row) => required(row.GYOMU_ATENA_NO), toLinkage);
}

/**
 * The newest `newest` 情報提供等記録 of each person, newest first, with the requester's name
 * joined from KIKAN_MST in the same statement. One ordered statement for the whole batch, cut
 * per person here: a per-group limit needs a window function, which not every dialect we run
 * (SQLite, PostgreSQL, SQL Server) takes the same way through knex. Reading all of a batch's
 * records is bounded: a person's records are the queries other bodies made about that one
 * person, kept for a fixed retention period, so they number tens, not thousands.
 * Only the kept records are mapped; a malformed one among them fails that person's list (a
 * provision record is audit evidence: it is never silently dropped).
 */
export async function findProvisionRecords(
  db: Knex,
  integratedAddressNumbers: readonly string[],
  newest: number,
): Promise<Map<string, Settled<ProvisionRecord[]>>> {
  const rows: JohoTeikyoKirokuRow[] = await db('JOHO_TEIKYO_KIROKU as k')
    .leftJoin('KIKAN_MST as m', 'm.KIKAN_CD', 'k.SHOKAI_KIKAN_CD')
    .select('k.KIROKU_NO', 'k.TOGO_ATENA_NO', 'k.SHOKAI_NICHIJI', 'k.SHOKAI_KIKAN_CD', 'm.KIKAN_MEI', 'k.BEPPYO_KO', 'k.JOHO_KOMOKU', 'k.TEIKYO_KEKKA_CD', 'k.JIDO_OTO_KBN')
    .whereIn('k.TOGO_ATENA_NO', integratedAddressNumbers as string[])
    // CHAR(14) YYYYMMDDHHMMSS sorts chronologically as text; KIROKU_NO breaks ties deterministically.
    .orderBy([{ column: 'k.TOGO_ATENA_NO' }, { column: 'k.SHOKAI_NICHIJI', order: 'desc' }, { column: 'k.KIROKU_NO', order: 'desc' }]);
  return convertGroups(rows, (row) => required(row.TOGO_ATENA_NO), toProvisionRecord, newest);
}
