import type { Knex } from 'knex';
import { parseWarekiDate, parseWesternDate, toWarekiRaw, toWesternRaw, type LegacyDate } from '../../../lib/legacy/wareki';
import { detectGaiji, kanaSearchKey, normalizeKana } from '../../../lib/legacy/text';
import { required, text, wherePrefix, type LegacyRow as Row } from '../../shared/adapter';
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
  SupportMeasureRecord,
} from '../records';

/**
 * The resident record system's adapter (住民記録システム): the only module that reads its legacy
 * tables. Every function takes a batch of keys and runs ONE statement, so DataLoader batches
 * turn into one SQL round trip whatever the number of rows. Batch results are keyed and settled
 * (subgraphs/shared/loaders.ts): a row that cannot be converted fails its own key only.
 */

const wareki = (value: unknown): LegacyDate | null => (text(value) ? parseWarekiDate(value as string) : null);

const RELATIONSHIPS: Record<string, string> = {
  '01': '世帯主',
  '02': '妻',
  '03': '夫',
  '04': '子',
  '05': '父',
  '06': '母',
  '07': '孫',
  '08': '兄弟姉妹',
  '09': '祖父母',
  '10': '子の配偶者',
  '11': '妻の父母',
  '12': '縁故者',
  '13': '同居人',
  '14': '妻（未届）',
  '99': 'その他',
};

const STATUS_BY_CODE: Record<string, ResidentStatus> = { '0': 'RESIDENT', '1': 'MOVED_OUT', '2': 'DECEASED', '3': 'ERASED' };
const CODE_BY_STATUS = Object.fromEntries(Object.entries(STATUS_BY_CODE).map(([code, status]) => [status, code])) as Record<ResidentStatus, string>;
const REMOVAL_BY_CODE: Record<string, 'MOVED_OUT' | 'DECEASED' | 'ERASED'> = { '11': 'MOVED_OUT', '21': 'DECEASED', '31': 'ERASED' };

const MOVEMENT_BY_CODE: Record<string, MovementRecord['reason']> = {
  '01': 'MOVE_IN',
  '02': 'MOVE_WITHIN',
  '03': 'MOVE_OUT',
  '04': 'BIRTH',
  '05': 'DEATH',
  '06': 'HOUSEHOLD_CHANGE',
  '07': 'EX_OFFICIO_ENTRY',
  '08': 'EX_OFFICIO_ERASURE',
};

const CERTIFICATE_BY_CODE: Record<string, CertificateIssuanceRecord['kind']> = {
  '01': 'RESIDENT_RECORD_COPY',
  '02': 'RECORD_ITEMS_CERTIFICATE',
  '03': 'REMOVED_RECORD_COPY',
  '04': 'SEAL_CERTIFICATE',
};

const REQUESTER_BY_CODE: Record<string, CertificateIssuanceRecord['requester']> = {
  '1': 'SELF',
  '2': 'HOUSEHOLD_MEMBER',
  '3': 'PROXY',
  '4': 'THIRD_PARTY',
  '5': 'OFFICIAL',
};

const SUPPORT_KIND_BY_CODE: Record<string, SupportMeasureRecord['kind']> = {
  '1': 'DOMESTIC_VIOLENCE',
  '2': 'STALKING',
  '3': 'CHILD_ABUSE',
  '9': 'OTHER',
};

const FOREIGN_CATEGORY_BY_CODE: Record<string, ForeignResidentRecord['category']> = {
  '1': 'MID_TO_LONG_TERM',
  '2': 'SPECIAL_PERMANENT',
  '3': 'TEMPORARY_REFUGE',
  '4': 'PROVISIONAL_STAY',
  '5': 'TRANSITIONAL_STAY',
};

/** Columns of JUMIN_KIHON the API uses (never `select *`: the table has 100+ columns in reality). */
const RESIDENT_COLUMNS = [
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

function toBirthDate(row: Row): LegacyDate {
  const approximate = text(row.SEINENGAPPI_FUSHO) === '1';
  // Foreign residents' dates are western (住基法第30条の45); Japanese residents' are wareki.
  if (text(row.JUMIN_SHUBETSU) === '2') return parseWesternDate(row.SEINENGAPPI_SEI as string, { approximate });
  return parseWarekiDate(row.SEINENGAPPI_WA as string, { approximate });
}

function toAddress(row: Row): AddressRecord {
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

function toResident(row: Row): ResidentRecord {
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
    relationshipToHead: { code: relationshipCode, label: RELATIONSHIPS[relationshipCode] ?? 'その他' },
    isHeadOfHousehold: relationshipCode === '01',
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
    sex: text(row.SEIBETSU) === '2' ? 'FEMALE' : 'MALE',
    status: STATUS_BY_CODE[required(row.JUMIN_JOTAI)] ?? 'RESIDENT',
    residentType: text(row.JUMIN_SHUBETSU) === '2' ? 'FOREIGN' : 'JAPANESE',
    address: toAddress(row),
    becameResidentOn: wareki(row.JUMIN_YMD),
    addressSetOn: wareki(row.JUSHO_TEI_YMD),
    notifiedOn: wareki(row.TODOKEDE_YMD),
    previousAddress: text(row.ZEN_JUSHO),
    familyRegister: domicile ? { domicile, headName: required(row.HITTOSHA) } : null,
    onElectoralRoll: text(row.SENKYO_FLG) === '1',
    removal:
      removalCode && REMOVAL_BY_CODE[removalCode]
        ? { residentId: required(row.ATENA_NO), reason: REMOVAL_BY_CODE[removalCode], occurredOn: parseWarekiDate(row.SHOJO_YMD as string), destination: text(row.TENSHUTSU_SAKI) }
        : null,
  };
}

function toForeignResident(row: Row): ForeignResidentRecord {
  return {
    nationality: required(row.KOKUSEKI),
    category: FOREIGN_CATEGORY_BY_CODE[required(row.HO30_45_KBN)] ?? 'MID_TO_LONG_TERM',
    residenceStatus: text(row.ZAIRYU_SHIKAKU),
    periodOfStay: normalizeKana(text(row.ZAIRYU_KIKAN)),
    periodExpiresOn: text(row.ZAIRYU_MANRYO_YMD) ? parseWesternDate(row.ZAIRYU_MANRYO_YMD as string) : null,
    residenceCardNumber: text(row.ZAIRYU_CARD_NO),
    specialPermanentResidentCertificateNumber: text(row.TOKUEI_SHOMEISHO_NO),
    becameForeignResidentOn: text(row.GAIKOKUJIN_YMD) ? parseWesternDate(row.GAIKOKUJIN_YMD as string) : null,
  };
}

function toMovement(row: Row): MovementRecord {
  return {
    residentId: required(row.ATENA_NO),
    sequence: Number(row.IDO_SEQ),
    reason: MOVEMENT_BY_CODE[required(row.IDO_JIYU_CD)] ?? 'EX_OFFICIO_ENTRY',
    occurredOn: parseWarekiDate(row.IDO_YMD as string),
    notifiedOn: wareki(row.TODOKEDE_YMD),
    addressBefore: text(row.IDO_MAE_JUSHO),
    addressAfter: text(row.IDO_GO_JUSHO),
  };
}

function toCertificateIssuance(row: Row): CertificateIssuanceRecord {
  return {
    id: required(row.HAKKO_NO),
    kind: CERTIFICATE_BY_CODE[required(row.SHOMEI_SHUBETSU_CD)] ?? 'RESIDENT_RECORD_COPY',
    issuedOn: parseWarekiDate(row.HAKKO_YMD as string),
    office: text(row.BASHO_MEI) ?? required(row.HAKKO_BASHO_CD),
    copies: Number(row.TSUSU),
    requester: REQUESTER_BY_CODE[required(row.SEIKYUSHA_KBN)] ?? 'SELF',
  };
}

/** `todayRaw`: today as wareki GYYMMDD, whose string order is chronological across eras (as the dates'). */
function toSupportMeasure(row: Row, todayRaw: string): SupportMeasureRecord {
  const endRaw = text(row.SHURYO_YMD);
  return {
    active: required(row.KAISHI_YMD) <= todayRaw && (endRaw === null || endRaw >= todayRaw),
    kind: SUPPORT_KIND_BY_CODE[required(row.SOCHI_KBN)] ?? 'OTHER',
    startsOn: parseWarekiDate(row.KAISHI_YMD as string),
    endsOn: wareki(row.SHURYO_YMD),
    interim: text(row.KARI_FLG) === '1',
  };
}

/** Persons by 宛名番号, keyed by it. */
export async function findResidentsByIds(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<ResidentRecord>>> {
  const rows: Row[] = await db('JUMIN_KIHON').select(RESIDENT_COLUMNS).whereIn('ATENA_NO', ids as string[]);
  return convertByKey(rows, (row) => required(row.ATENA_NO), toResident);
}

/** Persons by 住民票コード, keyed by it. */
export async function findResidentsByCodes(db: Knex, codes: readonly string[]): Promise<Map<string, Settled<ResidentRecord>>> {
  const rows: Row[] = await db('JUMIN_KIHON').select(RESIDENT_COLUMNS).whereIn('JUMINHYO_CD', codes as string[]);
  return convertByKey(rows, (row) => required(row.JUMINHYO_CD), toResident);
}

/** 個人番号, from its own table (kept apart from the basic-info table). */
export async function findIndividualNumbers(db: Knex, ids: readonly string[]): Promise<Map<string, string>> {
  const rows: Row[] = await db('KOJIN_BANGO').select('ATENA_NO', 'KOJIN_NO').whereIn('ATENA_NO', ids as string[]);
  return new Map(rows.map((row) => [required(row.ATENA_NO), required(row.KOJIN_NO)]));
}

export async function findHouseholds(db: Knex, householdIds: readonly string[]): Promise<Map<string, Settled<HouseholdRecord>>> {
  const rows: Row[] = await db('SETAI').select('SETAI_NO', 'SETAINUSHI_ATENA_NO').whereIn('SETAI_NO', householdIds as string[]);
  return convertByKey(rows, (row) => required(row.SETAI_NO), (row) => ({ id: required(row.SETAI_NO), headId: required(row.SETAINUSHI_ATENA_NO) }));
}

/** Current members (住民 only; removed persons are no longer household members), in member order. */
export async function findHouseholdMembers(db: Knex, householdIds: readonly string[]): Promise<Map<string, Settled<ResidentRecord[]>>> {
  const rows: Row[] = await db('JUMIN_KIHON')
    .select(RESIDENT_COLUMNS)
    .whereIn('SETAI_NO', householdIds as string[])
    .andWhere('JUMIN_JOTAI', CODE_BY_STATUS.RESIDENT)
    .orderBy([{ column: 'SETAI_NO' }, { column: 'SETAI_JUN' }]);
  return convertGroups(rows, (row) => required(row.SETAI_NO), toResident);
}

export async function findForeignResidents(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<ForeignResidentRecord>>> {
  const rows: Row[] = await db('GAIKOKUJIN')
    .select('ATENA_NO', 'KOKUSEKI', 'HO30_45_KBN', 'ZAIRYU_SHIKAKU', 'ZAIRYU_KIKAN', 'ZAIRYU_MANRYO_YMD', 'ZAIRYU_CARD_NO', 'TOKUEI_SHOMEISHO_NO', 'GAIKOKUJIN_YMD')
    .whereIn('ATENA_NO', ids as string[]);
  return convertByKey(rows, (row) => required(row.ATENA_NO), toForeignResident);
}

export async function findMovements(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<MovementRecord[]>>> {
  const rows: Row[] = await db('IDO_RIREKI')
    .select('ATENA_NO', 'IDO_SEQ', 'IDO_JIYU_CD', 'IDO_YMD', 'TODOKEDE_YMD', 'IDO_MAE_JUSHO', 'IDO_GO_JUSHO')
    .whereIn('ATENA_NO', ids as string[])
    .orderBy([{ column: 'ATENA_NO' }, { column: 'IDO_SEQ' }]);
  return convertGroups(rows, (row) => required(row.ATENA_NO), toMovement);
}

export async function findCertificateIssuances(db: Knex, ids: readonly string[]): Promise<Map<string, Settled<CertificateIssuanceRecord[]>>> {
  const rows: Row[] = await db('SHOMEI_HAKKO_RIREKI as h')
    .leftJoin('BASHO_MST as b', 'b.BASHO_CD', 'h.HAKKO_BASHO_CD')
    .select('h.HAKKO_NO', 'h.ATENA_NO', 'h.SHOMEI_SHUBETSU_CD', 'h.HAKKO_YMD', 'h.HAKKO_BASHO_CD', 'b.BASHO_MEI', 'h.TSUSU', 'h.SEIKYUSHA_KBN')
    .whereIn('h.ATENA_NO', ids as string[])
    .orderBy([{ column: 'h.ATENA_NO' }, { column: 'h.HAKKO_YMD', order: 'desc' }, { column: 'h.HAKKO_NO', order: 'desc' }]);
  return convertGroups(rows, (row) => required(row.ATENA_NO), toCertificateIssuance);
}

/** The latest 支援措置 per person. The perpetrator's name is never read: it is for refusals only. */
export async function findSupportMeasures(db: Knex, ids: readonly string[], today: string): Promise<Map<string, Settled<SupportMeasureRecord>>> {
  const rows: Row[] = await db('SHIEN_SOCHI')
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
  const rows: Row[] = await db('JUMIN_KIHON as p')
    .join('JUMIN_KIHON as m', function joinHousehold() {
      this.on('m.SETAI_NO', '=', 'p.SETAI_NO').andOn(function currentMemberOrSelf() {
        this.on('m.JUMIN_JOTAI', '=', db.raw('?', [CODE_BY_STATUS.RESIDENT])).orOn('m.ATENA_NO', '=', 'p.ATENA_NO');
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
        member.where('m.JUMIN_JOTAI', CODE_BY_STATUS.RESIDENT).orWhereRaw('?? = ??', ['m.ATENA_NO', 'JUMIN_KIHON.ATENA_NO']);
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
  if (filter.status?.length) query.whereIn('JUMIN_JOTAI', filter.status.map((s) => CODE_BY_STATUS[s]));
  if (filter.residentType) query.where('JUMIN_SHUBETSU', filter.residentType === 'FOREIGN' ? '2' : '1');
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
 * A page of persons in 宛名番号 order, after the cursor; one statement for the page, one for the count.
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
  const countQuery = applyFilter(db, db('JUMIN_KIHON').count({ total: '*' }), filter, withoutRestrictedLocations);
  const [rows, [count]] = await Promise.all([rowsQuery as Promise<Row[]>, countQuery as Promise<Row[]>]);
  return {
    residents: rows.slice(0, page.first).map(toResident),
    hasNextPage: rows.length > page.first,
    totalCount: Number(count.total),
  };
}

export interface RegisterGroups {
  byAddress: { code: string; town: string; count: number }[];
  byBirthDate: { birthDate: LegacyDate; count: number }[];
  bySex: { sex: 'MALE' | 'FEMALE'; count: number }[];
  byResidentType: { residentType: 'JAPANESE' | 'FOREIGN'; count: number }[];
  byStatus: { status: ResidentStatus; count: number }[];
  movementsByDay: { occurredOn: LegacyDate; count: number }[];
}

/**
 * Group-by counts for population statistics. The database aggregates; only counts leave this
 * function, never a person row. Dates are grouped by their raw value and bucketed by the caller,
 * because substring functions differ between SQL dialects.
 */
export async function countRegisterGroups(db: Knex): Promise<RegisterGroups> {
  const living = () => db('JUMIN_KIHON').where('JUMIN_JOTAI', CODE_BY_STATUS.RESIDENT);
  const [byAddress, byBirth, bySex, byType, byStatus, byMovementDay] = (await Promise.all([
    living().select('JUSHO_CD').min({ JUSHO: 'JUSHO' }).count({ n: '*' }).groupBy('JUSHO_CD'),
    living().select('JUMIN_SHUBETSU', 'SEINENGAPPI_WA', 'SEINENGAPPI_SEI').count({ n: '*' }).groupBy('JUMIN_SHUBETSU', 'SEINENGAPPI_WA', 'SEINENGAPPI_SEI'),
    living().select('SEIBETSU').count({ n: '*' }).groupBy('SEIBETSU'),
    living().select('JUMIN_SHUBETSU').count({ n: '*' }).groupBy('JUMIN_SHUBETSU'),
    db('JUMIN_KIHON').select('JUMIN_JOTAI').count({ n: '*' }).groupBy('JUMIN_JOTAI'),
    // Every day with movements (one row per day, through the IDO_YMD index): the caller cuts
    // whole months from it, whatever period was asked for.
    db('IDO_RIREKI').select('IDO_YMD').count({ n: '*' }).groupBy('IDO_YMD'),
  ])) as Row[][];
  return {
    byAddress: byAddress.map((row) => ({ code: required(row.JUSHO_CD), town: normalizeKana(required(row.JUSHO)), count: Number(row.n) })),
    byBirthDate: byBirth.map((row) => ({ birthDate: toBirthDate(row), count: Number(row.n) })),
    bySex: bySex.map((row) => ({ sex: text(row.SEIBETSU) === '2' ? ('FEMALE' as const) : ('MALE' as const), count: Number(row.n) })),
    byResidentType: byType.map((row) => ({ residentType: text(row.JUMIN_SHUBETSU) === '2' ? ('FOREIGN' as const) : ('JAPANESE' as const), count: Number(row.n) })),
    byStatus: byStatus.map((row) => ({ status: STATUS_BY_CODE[required(row.JUMIN_JOTAI)] ?? 'RESIDENT', count: Number(row.n) })),
    movementsByDay: byMovementDay.map((row) => ({ occurredOn: parseWarekiDate(row.IDO_YMD as string), count: Number(row.n) })),
  };
}
