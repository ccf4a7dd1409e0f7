import type { Knex } from 'knex';
import { parseWarekiDate, parseWesternDate, toWarekiRaw, toWesternRaw, type LegacyDate } from '../../../lib/legacy/wareki';
import { detectGaiji, kanaSearchKey, normalizeKana } from '../../../lib/legacy/text';
import { required, text, wherePrefix } from '../../shared/adapter';
import { convertByKey, convertGroups, type Settled } from '../../shared/loaders';
import type {
  AddressRecord,
  CertificateIssuanceRecord,
  ForeignResidentRecord,
  HouseholdRecord,
  MovementRecord,
  ResidentPage,
  ResidentRecord,
  ResidentSearchFilter,
  ResidentStatus,
  ResidentType,
  Sex,
  SupportMeasureRecord,
} from '../records';
import {
  CERTIFICATE_KIND,
  CERTIFICATE_REQUESTER,
  FOREIGN_CATEGORY,
  HEAD_OF_HOUSEHOLD_CODE,
  MOVEMENT_REASON,
  RELATIONSHIP,
  REMOVAL_REASON,
  RESIDENT_STATUS,
  RESIDENT_TYPE,
  SEX,
  SUPPORT_MEASURE_KIND,
} from './codes';
import type { CountRow, GaikokujinRow, IdoRirekiRow, JuminKihonRow, KojinBangoRow, SetaiRow, ShienSochiRow, ShomeiHakkoRow } from './rows';

/**
 * The resident record system's adapter (住民記録システム): the only module that reads its legacy
 * tables. Every function takes a batch of keys and runs ONE statement, so DataLoader batches
 * turn into one SQL round trip whatever the number of rows. Batch results are keyed and settled
 * (subgraphs/shared/loaders.ts): a row that cannot be converted fails its own key only — an
 * undocumented code too (legacy/codes.ts: never guessed, so an unknown 住民状態 is never shown
 * as 住民).
 */

const wareki = (value: string | null): LegacyDate | null => (text(value) ? parseWarekiDate(value) : null);
const western = (value: string | null): LegacyDate | null => (text(value) ? parseWesternDate(value) : null);

/** Columns of JUMIN_KIHON the API uses (never `select *`: the table has 100+ columns in reality). */
const RESIDENT_COLUMNS: (keyof JuminKihonRow)[] = [
  'ATENA_NO',
  'JUMINHYO_CD',
  'SETAI_NO',
  'SETAI_JUN',
  'ZOKUGARA_CD',
  'SHIMEI_KANJI',
  'SHIMEI_KANA',
  'SHIMEI_ROMA',
  'KYUUJI_KANJI',
  'KYUUJI_KANA',
  'TSUSHO_KANJI',
  'TSUSHO_KANA',
  'TSUSHO_KISAI_YMD',
  'TSUSHO_SAKUJO_YMD',
  'SEINENGAPPI_WA',
  'SEINENGAPPI_SEI',
  'SEINENGAPPI_FUSHO',
  'SEIBETSU',
  'JUMIN_SHUBETSU',
  'JUMIN_JOTAI',
  'JUSHO_CD',
  'YUBIN_NO',
  'JUSHO',
  'BANCHI',
  'KATAGAKI',
  'JUMIN_YMD',
  'JUSHO_TEI_YMD',
  'TODOKEDE_YMD',
  'ZEN_JUSHO',
  'HONSEKI',
  'HITTOSHA',
  'SENKYO_FLG',
  'SHOJO_JIYU_CD',
  'SHOJO_YMD',
  'TENSHUTSU_SAKI',
];

type BirthColumns = Pick<JuminKihonRow, 'JUMIN_SHUBETSU' | 'SEINENGAPPI_WA' | 'SEINENGAPPI_SEI'> & Partial<Pick<JuminKihonRow, 'SEINENGAPPI_FUSHO'>>;

function toBirthDate(row: BirthColumns): LegacyDate {
  const approximate = text(row.SEINENGAPPI_FUSHO) === '1';
  // Foreign residents' dates are western (住基法第30条の45); Japanese residents' are wareki.
  if (RESIDENT_TYPE.decode(row.JUMIN_SHUBETSU) === 'FOREIGN') return parseWesternDate(row.SEINENGAPPI_SEI, { approximate });
  return parseWarekiDate(row.SEINENGAPPI_WA, { approximate });
}

function toAddress(row: JuminKihonRow): AddressRecord {
  const code = required(row.JUSHO_CD);
  const town = normalizeKana(required(row.JUSHO));
  const blockNumber = text(row.BANCHI);
  const buildingName = text(row.KATAGAKI);
  return {
    code,
    districtCode: code.slice(0, 4),
    postalCode: text(row.YUBIN_NO),
    town,
    blockNumber,
    buildingName,
    full: [town + (blockNumber ?? ''), buildingName].filter(Boolean).join(' '),
  };
}

function toResident(row: JuminKihonRow): ResidentRecord {
  const kanji = required(row.SHIMEI_KANJI);
  const gaiji = detectGaiji(kanji);
  const aliasKanji = text(row.TSUSHO_KANJI);
  const relationshipCode = required(row.ZOKUGARA_CD);
  const removalCode = text(row.SHOJO_JIYU_CD);
  const domicile = text(row.HONSEKI);
  return {
    id: required(row.ATENA_NO),
    residentCode: required(row.JUMINHYO_CD),
    householdId: required(row.SETAI_NO),
    memberOrder: Number(row.SETAI_JUN),
    relationshipToHead: { code: relationshipCode, label: RELATIONSHIP.decode(relationshipCode) },
    isHeadOfHousehold: relationshipCode === HEAD_OF_HOUSEHOLD_CODE,
    name: {
      kanji,
      kana: normalizeKana(text(row.SHIMEI_KANA)),
      romaji: text(row.SHIMEI_ROMA),
      formerSurname: text(row.KYUUJI_KANJI),
      formerSurnameKana: normalizeKana(text(row.KYUUJI_KANA)),
      alias: aliasKanji
        ? {
            kanji: aliasKanji,
            kana: normalizeKana(text(row.TSUSHO_KANA)),
            recordedOn: wareki(row.TSUSHO_KISAI_YMD),
            removedOn: wareki(row.TSUSHO_SAKUJO_YMD),
          }
        : null,
      containsGaiji: gaiji.hasGaiji,
      gaijiCodes: gaiji.codes,
    },
    birthDate: toBirthDate(row),
    sex: SEX.decode(row.SEIBETSU),
    status: RESIDENT_STATUS.decode(row.JUMIN_JOTAI),
    residentType: RESIDENT_TYPE.decode(row.JUMIN_SHUBETSU),
    address: toAddress(row),
    becameResidentOn: wareki(row.JUMIN_YMD),
    addressSetOn: wareki(row.JUSHO_TEI_YMD),
    notifiedOn: wareki(row.TODOKEDE_YMD),
    previousAddress: text(row.ZEN_JUSHO),
    familyRegister: domicile ? { domicile, headName: required(row.HITTOSHA) } : null,
    onElectoralRoll: text(row.SENKYO_FLG) === '1',
    removal: removalCode
      ? { residentId: required(row.ATENA_NO), reason: REMOVAL_REASON.decode(removalCode), occurredOn: parseWarekiDate(row.SHOJO_YMD), destination: text(row.TENSHUTSU_SAKI) }
      : null,
  };
}

function toForeignResident(row: GaikokujinRow): ForeignResidentRecord {
  return {
    nationality: required(row.KOKUSEKI),
    category: FOREIGN_CATEGORY.decode(row.HO30_45_KBN),
    residenceStatus: text(row.ZAIRYU_SHIKAKU),
    periodOfStay: normalizeKana(text(row.ZAIRYU_KIKAN)),
    periodExpiresOn: western(row.ZAIRYU_MANRYO_YMD),
    residenceCardNumber: text(row.ZAIRYU_CARD_NO),
    specialPermanentResidentCertificateNumber: text(row.TOKUEI_SHOMEISHO_NO),
    becameForeignResidentOn: western(row.GAIKOKUJIN_YMD),
  };
}

function toMovement(row: IdoRirekiRow): MovementRecord {
  return {
    residentId: required(row.ATENA_NO),
    sequence: Number(row.IDO_SEQ),
    reason: MOVEMENT_REASON.decode(row.IDO_JIYU_CD),
    occurredOn: parseWarekiDate(row.IDO_YMD),
    notifiedOn: wareki(row.TODOKEDE_YMD),
    addressBefore: text(row.IDO_MAE_JUSHO),
    addressAfter: text(row.IDO_GO_JUSHO),
  };
}

function toCertificateIssuance(row: ShomeiHakkoRow): CertificateIssuanceRecord {
  return {
    id: required(row.HAKKO_NO),
    kind: CERTIFICATE_KIND.decode(row.SHOMEI_SHUBETSU_CD),
    issuedOn: parseWarekiDate(row.HAKKO_YMD),
    office: text(row.BASHO_MEI) ?? required(row.HAKKO_BASHO_CD),
    copies: Number(row.TSUSU),
    requester: CERTIFICATE_REQUESTER.decode(row.SEIKYUSHA_KBN),
  };
}

/** `todayRaw`: today as wareki GYYMMDD, whose string order is chronological across eras (as the dates'). */
function toSupportMeasure(row: ShienSochiRow, todayRaw: string): SupportMeasureRecord {
  const endRaw = text(row.SHURYO_YMD);
  return {
    active: required(row.KAISHI_YMD) <= todayRaw && (endRaw === null || endRaw >= todayRaw),
    kind: SUPPORT_MEASURE_KIND.decode(row.SOCHI_KBN),
    startsOn: parseWarekiDate(row.KAISHI_YMD),
    endsOn: wareki(row.SHURYO_YMD),
    interim: text(row.KARI_FLG) === '1',
  };
}

/** Persons by 宛名番号, keyed by it. */
export async function findResidentsByIds(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<ResidentRecord>>> {
  const rows: JuminKihonRow[] = await db('JUMIN_KIHON').select(RESIDENT_COLUMNS).whereIn('ATENA_NO', ids as string[]);
  return convertByKey(rows, (row) => required(row.ATENA_NO), toResident);
}

/** Persons by 住民票コード, keyed by it. */
export async function findResidentsByCodes(db: Knex, codes: readonly string[]): Promise<Map<string, Settled<ResidentRecord>>> {
  const rows: JuminKihonRow[] = await db('JUMIN_KIHON').select(RESIDENT_COLUMNS).whereIn('JUMINHYO_CD', codes as string[]);
  return convertByKey(rows, (row) => required(row.JUMINHYO_CD), toResident);
}

/** 個人番号, from its own table (kept apart from the basic-info table). */
export async function findIndividualNumbers(db: Knex, ids: readonly string[]): Promise<Map<string, string>> {
  const rows: KojinBangoRow[] = await db('KOJIN_BANGO').select('ATENA_NO', 'KOJIN_NO').whereIn('ATENA_NO', ids as string[]);
  return new Map(rows.map((row) => [required(row.ATENA_NO), required(row.KOJIN_NO)]));
}

export async function findHouseholds(db: Knex, householdIds: readonly string[]): Promise<Map<string, Settled<HouseholdRecord>>> {
  const rows: SetaiRow[] = await db('SETAI').select('SETAI_NO', 'SETAINUSHI_ATENA_NO').whereIn('SETAI_NO', householdIds as string[]);
  return convertByKey(rows, (row) => required(row.SETAI_NO), (row) => ({ id: required(row.SETAI_NO), headId: required(row.SETAINUSHI_ATENA_NO) }));
}

/** Current members (住民 only; removed persons are no longer household members), in member order. */
export async function findHouseholdMembers(db: Knex, householdIds: readonly string[]): Promise<Map<string, Settled<ResidentRecord[]>>> {
  const rows: JuminKihonRow[] = await db('JUMIN_KIHON')
    .select(RESIDENT_COLUMNS)
    .whereIn('SETAI_NO', householdIds as string[])
    .andWhere('JUMIN_JOTAI', RESIDENT_STATUS.encode('RESIDENT'))
    .orderBy([{ column: 'SETAI_NO' }, { column: 'SETAI_JUN' }]);
  return convertGroups(rows, (row) => required(row.SETAI_NO), toResident);
}

export async function findForeignResidents(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<ForeignResidentRecord>>> {
  const rows: GaikokujinRow[] = await db('GAIKOKUJIN')
    .select('ATENA_NO', 'KOKUSEKI', 'HO30_45_KBN', 'ZAIRYU_SHIKAKU', 'ZAIRYU_KIKAN', 'ZAIRYU_MANRYO_YMD', 'ZAIRYU_CARD_NO', 'TOKUEI_SHOMEISHO_NO', 'GAIKOKUJIN_YMD')
    .whereIn('ATENA_NO', ids as string[]);
  return convertByKey(rows, (row) => required(row.ATENA_NO), toForeignResident);
}

export async function findMovements(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<MovementRecord[]>>> {
  const rows: IdoRirekiRow[] = await db('IDO_RIREKI')
    .select('ATENA_NO', 'IDO_SEQ', 'IDO_JIYU_CD', 'IDO_YMD', 'TODOKEDE_YMD', 'IDO_MAE_JUSHO', 'IDO_GO_JUSHO')
    .whereIn('ATENA_NO', ids as string[])
    .orderBy([{ column: 'ATENA_NO' }, { column: 'IDO_SEQ' }]);
  return convertGroups(rows, (row) => required(row.ATENA_NO), toMovement);
}

export async function findCertificateIssuances(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<CertificateIssuanceRecord[]>>> {
  const rows: ShomeiHakkoRow[] = await db('SHOMEI_HAKKO_RIREKI as h')
    .leftJoin('BASHO_MST as b', 'b.BASHO_CD', 'h.HAKKO_BASHO_CD')
    .select('h.HAKKO_NO', 'h.ATENA_NO', 'h.SHOMEI_SHUBETSU_CD', 'h.HAKKO_YMD', 'h.HAKKO_BASHO_CD', 'b.BASHO_MEI', 'h.TSUSU', 'h.SEIKYUSHA_KBN')
    .whereIn('h.ATENA_NO', ids as string[])
    .orderBy([{ column: 'h.ATENA_NO' }, { column: 'h.HAKKO_YMD', order: 'desc' }, { column: 'h.HAKKO_NO', order: 'desc' }]);
  return convertGroups(rows, (row) => required(row.ATENA_NO), toCertificateIssuance);
}

/** The latest 支援措置 per person. The perpetrator's name is never read: it is for refusals only. */
export async function findSupportMeasures(db: Knex, ids: readonly string[], today: string): Promise<Map<string, Settled<SupportMeasureRecord>>> {
  const rows: ShienSochiRow[] = await db('SHIEN_SOCHI')
    .select('ATENA_NO', 'SOCHI_SEQ', 'SOCHI_KBN', 'KAISHI_YMD', 'SHURYO_YMD', 'KARI_FLG')
    .whereIn('ATENA_NO', ids as string[])
    .orderBy([{ column: 'ATENA_NO' }, { column: 'SOCHI_SEQ' }]);
  const todayRaw = toWarekiRaw(today);
  // Rows come in SOCHI_SEQ order and the last per person wins; only that one is converted.
  const latest = new Map(rows.map((row) => [required(row.ATENA_NO), row] as const));
  return convertByKey(latest.values(), (row) => required(row.ATENA_NO), (row) => toSupportMeasure(row, todayRaw));
}

/**
 * 支援措置 row-level rule: which of these persons' location must be withheld today. A person's
 * location is withheld when a measure is in force (started, and not ended: an interim measure has
 * no end) for the person, or for a current member of the person's household (世帯: they share the
 * address, so a co-resident's address would give it away). One statement per batch.
 * `today` is ISO; the legacy dates are compared as wareki GYYMMDD, which sorts chronologically.
 */
export async function findLocationRestrictions(db: Knex, ids: readonly string[], today: string): Promise<Map<string, boolean>> {
  const todayRaw = toWarekiRaw(today);
  const rows: Pick<ShienSochiRow, 'ATENA_NO' | 'KAISHI_YMD' | 'SHURYO_YMD'>[] = await db('JUMIN_KIHON as p')
    .join('JUMIN_KIHON as m', function joinHousehold() {
      this.on('m.SETAI_NO', '=', 'p.SETAI_NO').andOn(function currentMemberOrSelf() {
        this.on('m.JUMIN_JOTAI', '=', db.raw('?', [RESIDENT_STATUS.encode('RESIDENT')])).orOn('m.ATENA_NO', '=', 'p.ATENA_NO');
      });
    })
    .join('SHIEN_SOCHI as s', 's.ATENA_NO', 'm.ATENA_NO')
    .select('p.ATENA_NO', 's.KAISHI_YMD', 's.SHURYO_YMD')
    .whereIn('p.ATENA_NO', ids as string[]);
  const restricted = new Map<string, boolean>();
  for (const row of rows) {
    const endRaw = text(row.SHURYO_YMD);
    if (required(row.KAISHI_YMD) <= todayRaw && (endRaw === null || endRaw >= todayRaw)) restricted.set(required(row.ATENA_NO), true);
  }
  return restricted;
}

/**
 * `not exists` a measure in force today for the outer JUMIN_KIHON row or a current member of its
 * household (the same rule as findLocationRestrictions, inside a search's own statement).
 */
function whereNoMeasureInForce(query: Knex.QueryBuilder, db: Knex, today: string): void {
  const todayRaw = toWarekiRaw(today);
  query.whereNotExists(
    db('JUMIN_KIHON as m')
      .join('SHIEN_SOCHI as s', 's.ATENA_NO', 'm.ATENA_NO')
      .select(db.raw('1'))
      .whereRaw('?? = ??', ['m.SETAI_NO', 'JUMIN_KIHON.SETAI_NO'])
      .andWhere((member) => {
        member.where('m.JUMIN_JOTAI', RESIDENT_STATUS.encode('RESIDENT')).orWhereRaw('?? = ??', ['m.ATENA_NO', 'JUMIN_KIHON.ATENA_NO']);
      })
      .andWhere('s.KAISHI_YMD', '<=', todayRaw)
      .andWhere((term) => {
        // Blank CHAR(7) is "no end" (an interim measure); rtrim exists in SQLite, PostgreSQL and SQL Server.
        term.whereNull('s.SHURYO_YMD').orWhereRaw("rtrim(??) = ''", ['s.SHURYO_YMD']).orWhere('s.SHURYO_YMD', '>=', todayRaw);
      }),
  );
}

/**
 * `withoutRestrictedLocations`: today (ISO) when the caller may not see persons under 支援措置 —
 * then every search leaves them out (issue 10): a search by address is no oracle for where they
 * live, and a list is no map of who is protected (an error or a withheld field at their place
 * in the list would be one).
 */
function applyFilter(db: Knex, query: Knex.QueryBuilder, filter: ResidentSearchFilter, withoutRestrictedLocations: string | null): Knex.QueryBuilder {
  if (filter.kanaPrefix) {
    const key = kanaSearchKey(filter.kanaPrefix);
    if (key) wherePrefix(query, 'KENSAKU_KANA', key);
  }
  if (filter.status?.length) query.whereIn('JUMIN_JOTAI', filter.status.map((s) => RESIDENT_STATUS.encode(s)));
  if (filter.residentType) query.where('JUMIN_SHUBETSU', RESIDENT_TYPE.encode(filter.residentType));
  if (filter.addressCode) wherePrefix(query, 'JUSHO_CD', filter.addressCode, { escape: false });
  if (withoutRestrictedLocations !== null) whereNoMeasureInForce(query, db, withoutRestrictedLocations);
  if (filter.birthDateFrom || filter.birthDateTo) {
    // Wareki GYYMMDD sorts chronologically (era code first), so a range works on the raw column.
    const from = filter.birthDateFrom ?? '0001-01-01';
    const to = filter.birthDateTo ?? '9999-12-31';
    query.where((range) => {
      range
        .whereBetween('SEINENGAPPI_WA', [toWarekiRaw(from), toWarekiRaw(to)])
        .orWhereBetween('SEINENGAPPI_SEI', [toWesternRaw(from), toWesternRaw(to)]);
    });
  }
  return query;
}

/**
 * A page of persons in 宛名番号 order, after the cursor: one statement whatever its size. The
 * number of all matches is a statement of its own (countResidents), run only when asked for:
 * counting reads every match (a million rows for the whole register), which a page does not.
 * `withoutRestrictedLocations`: see applyFilter (null when the caller may see persons under 支援措置).
 */
export async function searchResidents(
  db: Knex,
  filter: ResidentSearchFilter,
  page: { first: number; afterId: string | null },
  withoutRestrictedLocations: string | null = null,
): Promise<ResidentPage> {
  const rowsQuery = applyFilter(db, db('JUMIN_KIHON').select(RESIDENT_COLUMNS), filter, withoutRestrictedLocations).orderBy('ATENA_NO').limit(page.first + 1);
  if (page.afterId) rowsQuery.where('ATENA_NO', '>', page.afterId);
  const rows = (await rowsQuery) as JuminKihonRow[];
  return { residents: rows.slice(0, page.first).map(toResident), hasNextPage: rows.length > page.first };
}

/**
 * How many persons match the filter: the same persons searchResidents pages through, in one
 * statement. Without the persons under 支援措置 it is all matches less the protected ones among
 * them, found from the measures (a few thousand rows) outwards: the page's correlated NOT EXISTS,
 * asked of every match, took 2.8 s over 1,000,000 residents (a page stops at its size; a count
 * does not), long enough for one caller repeating it to stall the register for everyone.
 */
export async function countResidents(db: Knex, filter: ResidentSearchFilter, withoutRestrictedLocations: string | null = null): Promise<number> {
  const matches = () => applyFilter(db, db('JUMIN_KIHON').count('*'), filter, null);
  if (withoutRestrictedLocations === null) return totalOf(db.select({ total: matches() }));
  const protectedPersons = personsWithMeasureInForce(db, withoutRestrictedLocations);
  if ((db.client as { dialect?: string }).dialect === 'mssql') {
    // SQL Server's default READ COMMITTED reads each subquery at its own moment: a protected
    // person moving out of the filter between the two counts below would be counted once and
    // never subtracted. There, one pass reads each match once, the protected set joined to it.
    const onePass = db('JUMIN_KIHON').leftJoin(protectedPersons.distinct().as('w'), 'w.ATENA_NO', 'JUMIN_KIHON.ATENA_NO');
    return totalOf(applyFilter(db, onePass, filter, null).select(db.raw('count(*) - count(??) as ??', ['w.ATENA_NO', 'total'])));
  }
  // SQLite and PostgreSQL read a whole statement on one snapshot: both counts see the same rows.
  return totalOf(db.select({ total: db.raw('(?) - (?)', [matches(), matches().whereIn('ATENA_NO', protectedPersons)]) }));
}

async function totalOf(query: Knex.QueryBuilder): Promise<number> {
  const [count] = (await query) as { total: number | string }[];
  return Number(count.total);
}

/**
 * 宛名番号 of every person whose location is withheld today (the rule of findLocationRestrictions
 * and whereNoMeasureInForce), as a subquery driven by the measures in force.
 */
function personsWithMeasureInForce(db: Knex, today: string): Knex.QueryBuilder {
  const todayRaw = toWarekiRaw(today);
  return db('SHIEN_SOCHI as s')
    .join('JUMIN_KIHON as m', 'm.ATENA_NO', 's.ATENA_NO')
    .join('JUMIN_KIHON as p', function householdOfMeasure() {
      this.on('p.SETAI_NO', '=', 'm.SETAI_NO').andOn(function currentMemberOrSelf() {
        this.on('m.JUMIN_JOTAI', '=', db.raw('?', [RESIDENT_STATUS.encode('RESIDENT')])).orOn('m.ATENA_NO', '=', 'p.ATENA_NO');
      });
    })
    .select('p.ATENA_NO')
    .where('s.KAISHI_YMD', '<=', todayRaw)
    .andWhere((term) => {
      term.whereNull('s.SHURYO_YMD').orWhereRaw("rtrim(??) = ''", ['s.SHURYO_YMD']).orWhere('s.SHURYO_YMD', '>=', todayRaw);
    });
}

export interface RegisterGroups {
  byAddress: { code: string; town: string; count: number }[];
  byBirthDate: { birthDate: LegacyDate; count: number }[];
  bySex: { sex: Sex; count: number }[];
  byResidentType: { residentType: ResidentType; count: number }[];
  byStatus: { status: ResidentStatus; count: number }[];
  movementsByDay: { occurredOn: LegacyDate; count: number }[];
}

/**
 * Group-by counts for population statistics. The database aggregates; only counts leave this
 * function, never a person row. Dates are grouped by their raw value and bucketed by the caller,
 * because substring functions differ between SQL dialects.
 */
export async function countRegisterGroups(db: Knex): Promise<RegisterGroups> {
  const living = () => db('JUMIN_KIHON').where('JUMIN_JOTAI', RESIDENT_STATUS.encode('RESIDENT'));
  const [byAddress, byBirth, bySex, byType, byStatus, byMovementDay] = await Promise.all([
    living().select('JUSHO_CD').min({ JUSHO: 'JUSHO' }).count({ n: '*' }).groupBy('JUSHO_CD') as Promise<CountRow<Pick<JuminKihonRow, 'JUSHO_CD' | 'JUSHO'>>[]>,
    living()
      .select('JUMIN_SHUBETSU', 'SEINENGAPPI_WA', 'SEINENGAPPI_SEI')
      .count({ n: '*' })
      .groupBy('JUMIN_SHUBETSU', 'SEINENGAPPI_WA', 'SEINENGAPPI_SEI') as Promise<CountRow<BirthColumns>[]>,
    living().select('SEIBETSU').count({ n: '*' }).groupBy('SEIBETSU') as Promise<CountRow<Pick<JuminKihonRow, 'SEIBETSU'>>[]>,
    living().select('JUMIN_SHUBETSU').count({ n: '*' }).groupBy('JUMIN_SHUBETSU') as Promise<CountRow<Pick<JuminKihonRow, 'JUMIN_SHUBETSU'>>[]>,
    db('JUMIN_KIHON').select('JUMIN_JOTAI').count({ n: '*' }).groupBy('JUMIN_JOTAI') as Promise<CountRow<Pick<JuminKihonRow, 'JUMIN_JOTAI'>>[]>,
    // Every day with movements (one row per day, through the IDO_YMD index): the caller cuts
    // whole months from it, whatever period was asked for.
    db('IDO_RIREKI').select('IDO_YMD').count({ n: '*' }).groupBy('IDO_YMD') as Promise<CountRow<Pick<IdoRirekiRow, 'IDO_YMD'>>[]>,
  ]);
  // A group whose code is undocumented is left out of its breakdown: counted as nothing rather
  // than as a guessed value (an unknown 住民状態 is not added to 住民).
  const known = <K extends string, V extends string>(key: K, rows: { value: V | null; n: number | string }[]) =>
    rows.flatMap(({ value, n }) => (value === null ? [] : [{ [key]: value, count: Number(n) } as { [P in K]: V } & { count: number }]));
  return {
    byAddress: byAddress.map((row) => ({ code: required(row.JUSHO_CD), town: normalizeKana(required(row.JUSHO)), count: Number(row.n) })),
    byBirthDate: byBirth.map((row) => ({ birthDate: toBirthDate(row), count: Number(row.n) })),
    bySex: known('sex', bySex.map((row) => ({ value: SEX.lookup(row.SEIBETSU), n: row.n }))),
    byResidentType: known('residentType', byType.map((row) => ({ value: RESIDENT_TYPE.lookup(row.JUMIN_SHUBETSU), n: row.n }))),
    byStatus: known('status', byStatus.map((row) => ({ value: RESIDENT_STATUS.lookup(row.JUMIN_JOTAI), n: row.n }))),
    movementsByDay: byMovementDay.map((row) => ({ occurredOn: parseWarekiDate(row.IDO_YMD), count: Number(row.n) })),
  };
}
