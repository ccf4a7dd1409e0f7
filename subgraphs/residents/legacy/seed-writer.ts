import type { Knex } from 'knex';
import { kanaSearchKey, toHalfWidthKana } from '../../../lib/legacy/text';
import { DEFAULT_NUMERIC_ERAS, toWarekiRaw } from '../../../lib/legacy/wareki';
import type {
  CertificateKind,
  CertificateRequester,
  Household,
  IsoDate,
  MovementReason,
  Person,
  Relationship,
  RemovalReason,
  SupportMeasureKind,
  ForeignCategory,
} from '../../../lib/synthetic/model';
import { fullKana, fullName, fullRomaji } from '../../../lib/synthetic/model';
import { CERTIFICATE_OFFICES } from '../../../lib/synthetic/reference-data';
import { recordedWarekiRaw, recordedWesternRaw } from '../../shared/legacy-writing/recorded-date';
import { batchTimestamp, char, compactTimestamp, nchar } from '../../shared/legacy-writing/legacy-format';
import { withBatchInserter, type Row, type TableSpec } from '../../shared/legacy-writing/bulk-insert';
import type { SeedWriter, SeedWriterOptions } from '../../shared/legacy-writing/seed-writer';

/**
 * Writes the world into the resident record system's tables (住民記録システム). Dates are
 * numeric-era wareki GYYMMDD (CHAR 7) except foreign residents' birth date and the
 * GAIKOKUJIN dates, which are western YYYYMMDD (CHAR 8). Text is padded as the vendor's CHAR /
 * NCHAR columns hold it. The code values are those in the migration's column comments; the
 * 続柄 codes, which the migration does not list, are exported below for the adapter.
 */

/**
 * 続柄コード. The migration does not list them; these are the codes the residents adapter decodes
 * (its RELATIONSHIPS table), so the two stay in step. 妻（未届） has no code there yet: '14'.
 */
export const RELATIONSHIP_CODES: Readonly<Record<Relationship, { code: string; label: string }>> = {
  HEAD: { code: '01', label: '世帯主' },
  WIFE: { code: '02', label: '妻' },
  HUSBAND: { code: '03', label: '夫' },
  CHILD: { code: '04', label: '子' },
  FATHER: { code: '05', label: '父' },
  MOTHER: { code: '06', label: '母' },
  GRANDCHILD: { code: '07', label: '孫' },
  YOUNGER_BROTHER: { code: '08', label: '兄弟姉妹' },
  YOUNGER_SISTER: { code: '08', label: '兄弟姉妹' },
  CHILDS_WIFE: { code: '10', label: '子の配偶者' },
  CHILDS_HUSBAND: { code: '10', label: '子の配偶者' },
  WIFES_MOTHER: { code: '11', label: '妻の父母' },
  LODGER: { code: '13', label: '同居人' },
  COMMON_LAW_WIFE: { code: '14', label: '妻（未届）' },
};

const STATUS: Readonly<Record<Person['status'], string>> = { RESIDENT: '0', MOVED_OUT: '1', DECEASED: '2', ERASED: '3' };
const REMOVAL: Readonly<Record<RemovalReason, string>> = { MOVED_OUT: '11', DECEASED: '21', ERASED: '31' };
const MOVEMENT: Readonly<Record<MovementReason, string>> = {
  MOVE_IN: '01',
  MOVE_WITHIN: '02',
  MOVE_OUT: '03',
  BIRTH: '04',
  DEATH: '05',
  HOUSEHOLD_CHANGE: '06',
  EX_OFFICIO_ENTRY: '07',
  EX_OFFICIO_ERASURE: '08',
};
const CERTIFICATE: Readonly<Record<CertificateKind, string>> = {
  RESIDENT_RECORD_COPY: '01',
  RECORD_ITEMS_CERTIFICATE: '02',
  REMOVED_RECORD_COPY: '03',
  SEAL_CERTIFICATE: '04',
};
const REQUESTER: Readonly<Record<CertificateRequester, string>> = { SELF: '1', HOUSEHOLD_MEMBER: '2', PROXY: '3', THIRD_PARTY: '4', OFFICIAL: '5' };
const SUPPORT: Readonly<Record<SupportMeasureKind, string>> = { DOMESTIC_VIOLENCE: '1', STALKING: '2', CHILD_ABUSE: '3', OTHER: '9' };
const FOREIGN_CATEGORY: Readonly<Record<ForeignCategory, string>> = {
  MID_TO_LONG_TERM: '1',
  SPECIAL_PERMANENT: '2',
  TEMPORARY_REFUGE: '3',
  PROVISIONAL_STAY: '4',
  TRANSITIONAL_STAY: '5',
};

const JUMIN_KIHON: TableSpec = {
  table: 'JUMIN_KIHON',
  columns: [
    'ATENA_NO', 'JUMINHYO_CD', 'SETAI_NO', 'SETAI_JUN', 'ZOKUGARA_CD', 'SHIMEI_KANJI', 'SHIMEI_KANA', 'KENSAKU_KANA', 'SHIMEI_ROMA',
    'KYUUJI_KANJI', 'KYUUJI_KANA', 'TSUSHO_KANJI', 'TSUSHO_KANA', 'TSUSHO_KISAI_YMD', 'TSUSHO_SAKUJO_YMD', 'SEINENGAPPI_WA',
    'SEINENGAPPI_SEI', 'SEINENGAPPI_FUSHO', 'SEIBETSU', 'JUMIN_SHUBETSU', 'JUMIN_JOTAI', 'JUSHO_CD', 'YUBIN_NO', 'JUSHO', 'BANCHI',
    'KATAGAKI', 'JUMIN_YMD', 'JUSHO_TEI_YMD', 'TODOKEDE_YMD', 'ZEN_JUSHO', 'HONSEKI', 'HITTOSHA', 'SENKYO_FLG', 'SHOJO_JIYU_CD',
    'SHOJO_YMD', 'TENSHUTSU_SAKI', 'KOSHIN_NICHIJI',
  ],
};
const KOJIN_BANGO: TableSpec = { table: 'KOJIN_BANGO', columns: ['ATENA_NO', 'KOJIN_NO', 'SHITEI_YMD', 'KOSHIN_NICHIJI'] };
const SETAI: TableSpec = { table: 'SETAI', columns: ['SETAI_NO', 'SETAINUSHI_ATENA_NO', 'SETAI_KOSEI_YMD', 'KOSHIN_NICHIJI'] };
const GAIKOKUJIN: TableSpec = {
  table: 'GAIKOKUJIN',
  columns: [
    'ATENA_NO', 'KOKUSEKI', 'HO30_45_KBN', 'ZAIRYU_SHIKAKU', 'ZAIRYU_KIKAN', 'ZAIRYU_MANRYO_YMD', 'ZAIRYU_CARD_NO', 'TOKUEI_SHOMEISHO_NO',
    'GAIKOKUJIN_YMD', 'KOSHIN_NICHIJI',
  ],
};
const IDO_RIREKI: TableSpec = {
  table: 'IDO_RIREKI',
  columns: ['ATENA_NO', 'IDO_SEQ', 'IDO_JIYU_CD', 'IDO_YMD', 'TODOKEDE_YMD', 'IDO_MAE_JUSHO', 'IDO_GO_JUSHO', 'KOSHIN_NICHIJI'],
};
const SHOMEI_HAKKO_RIREKI: TableSpec = {
  table: 'SHOMEI_HAKKO_RIREKI',
  columns: ['HAKKO_NO', 'ATENA_NO', 'SHOMEI_SHUBETSU_CD', 'HAKKO_YMD', 'HAKKO_BASHO_CD', 'TSUSU', 'SEIKYUSHA_KBN'],
};
const SHIEN_SOCHI: TableSpec = {
  table: 'SHIEN_SOCHI',
  columns: ['ATENA_NO', 'SOCHI_SEQ', 'SOCHI_KBN', 'KAISHI_YMD', 'SHURYO_YMD', 'KARI_FLG', 'KAGAISHA_SHIMEI'],
};
const INKAN_TOROKU: TableSpec = { table: 'INKAN_TOROKU', columns: ['INKAN_TOROKU_NO', 'ATENA_NO', 'TOROKU_YMD', 'HAISHI_YMD'] };
const BASHO_MST: TableSpec = { table: 'BASHO_MST', columns: ['BASHO_CD', 'BASHO_MEI'] };

const TABLES = [JUMIN_KIHON, KOJIN_BANGO, SETAI, GAIKOKUJIN, IDO_RIREKI, SHOMEI_HAKKO_RIREKI, SHIEN_SOCHI, INKAN_TOROKU, BASHO_MST];

/** GYYMMDD with the numeric eras; blank CHAR(7) when there is no date. */
function wareki(day: IsoDate | null | undefined): string {
  return day ? toWarekiRaw(day, DEFAULT_NUMERIC_ERAS) : char(null, 7);
}

/** 'YYYY-MM-DD' → YYYYMMDD; blank CHAR(8) when there is no date. */
function western(day: IsoDate | null | undefined): string {
  return day ? day.slice(0, 4) + day.slice(5, 7) + day.slice(8, 10) : char(null, 8);
}

/** The kana as the record holds it: old records in half-width katakana with an ASCII space. */
function storedKana(person: Person): string {
  if (!person.halfWidthKana) return fullKana(person.name);
  return `${toHalfWidthKana(person.name.familyKana)} ${toHalfWidthKana(person.name.givenKana)}`;
}

function personRow(person: Person): Row {
  const kana = storedKana(person);
  const foreign = person.residentType === 'FOREIGN';
  const removal = person.removal;
  return [
    person.addressNumber,
    person.residentCode,
    person.householdNumber,
    person.memberOrder,
    RELATIONSHIP_CODES[person.relationship].code,
    nchar(fullName(person.name), 30),
    char(kana, 60),
    char(kanaSearchKey(kana), 60),
    char(fullRomaji(person.name), 60),
    nchar(person.formerSurname?.kanji, 20),
    char(person.formerSurname?.kana, 40),
    nchar(person.alias?.kanji, 30),
    char(person.alias?.kana, 60),
    wareki(person.alias?.recordedOn),
    wareki(person.alias?.removedOn),
    foreign ? char(null, 7) : recordedWarekiRaw(person.birth, DEFAULT_NUMERIC_ERAS),
    foreign ? recordedWesternRaw(person.birth) : char(null, 8),
    person.birth.approximate ? '1' : ' ',
    person.sex === 'MALE' ? '1' : '2',
    foreign ? '2' : '1',
    STATUS[person.status],
    person.address.code,
    person.address.postalCode,
    nchar(person.address.town, 40),
    nchar(person.address.block, 20),
    nchar(person.address.building, 40),
    wareki(person.becameResidentOn),
    wareki(person.addressSetOn),
    wareki(person.notifiedOn),
    nchar(person.previousAddress, 60),
    nchar(person.familyRegister?.domicile, 40),
    nchar(person.familyRegister?.headName, 30),
    person.onElectoralRoll ? '1' : '0',
    removal ? REMOVAL[removal.reason] : char(null, 2),
    wareki(removal?.occurredOn),
    nchar(removal?.destination, 60),
    compactTimestamp(person.updatedAt),
  ];
}

export interface ResidentsRows {
  JUMIN_KIHON: Row[];
  KOJIN_BANGO: Row[];
  SETAI: Row[];
  GAIKOKUJIN: Row[];
  IDO_RIREKI: Row[];
  SHOMEI_HAKKO_RIREKI: Row[];
  SHIEN_SOCHI: Row[];
  INKAN_TOROKU: Row[];
}

/** The rows one batch of households becomes (exported for tests of the mapping). */
export function residentsRows(households: readonly Household[]): ResidentsRows {
  const rows: ResidentsRows = {
    JUMIN_KIHON: [],
    KOJIN_BANGO: [],
    SETAI: [],
    GAIKOKUJIN: [],
    IDO_RIREKI: [],
    SHOMEI_HAKKO_RIREKI: [],
    SHIEN_SOCHI: [],
    INKAN_TOROKU: [],
  };
  for (const household of households) {
    rows.SETAI.push([household.householdNumber, household.headAddressNumber, wareki(household.formedOn), compactTimestamp(household.updatedAt)]);
    for (const person of household.members) {
      rows.JUMIN_KIHON.push(personRow(person));
      const number = person.individualNumber;
      if (number) rows.KOJIN_BANGO.push([person.addressNumber, number.value, wareki(number.designatedOn), batchTimestamp(number.designatedOn)]);
      const f = person.foreign;
      if (f) {
        rows.GAIKOKUJIN.push([
          person.addressNumber,
          nchar(f.nationality, 20),
          FOREIGN_CATEGORY[f.category],
          nchar(f.residenceStatus, 20),
          nchar(f.periodOfStay, 10),
          western(f.periodExpiresOn),
          char(f.residenceCardNumber, 12),
          char(f.specialPermanentCertificateNumber, 12),
          western(f.becameForeignResidentOn),
          compactTimestamp(person.updatedAt),
        ]);
      }
      person.movements.forEach((m, i) => {
        rows.IDO_RIREKI.push([
          person.addressNumber,
          i + 1,
          MOVEMENT[m.reason],
          wareki(m.occurredOn),
          wareki(m.notifiedOn),
          nchar(m.from, 60),
          nchar(m.to, 60),
          compactTimestamp(m.recordedAt),
        ]);
      });
      for (const c of person.certificates) {
        rows.SHOMEI_HAKKO_RIREKI.push([c.number, person.addressNumber, CERTIFICATE[c.kind], wareki(c.issuedOn), c.officeCode, c.copies, REQUESTER[c.requester]]);
      }
      person.supportMeasures.forEach((s, i) => {
        rows.SHIEN_SOCHI.push([person.addressNumber, i + 1, SUPPORT[s.kind], wareki(s.startsOn), wareki(s.endsOn), s.interim ? '1' : '0', nchar(s.perpetratorName, 30)]);
      });
      for (const seal of person.sealRegistrations) {
        rows.INKAN_TOROKU.push([seal.number, person.addressNumber, wareki(seal.registeredOn), wareki(seal.abolishedOn)]);
      }
    }
  }
  return rows;
}

export function createResidentsSeedWriter(db: Knex, options: SeedWriterOptions = {}): SeedWriter {
  return {
    tables: TABLES.map((t) => t.table),
    async writeBatch(households) {
      const rows = residentsRows(households);
      await withBatchInserter(
        db,
        async (inserter) => {
          // Households before persons before dependants: the order a loader with foreign keys would need.
          await inserter.insert(SETAI, rows.SETAI);
          await inserter.insert(JUMIN_KIHON, rows.JUMIN_KIHON);
          await inserter.insert(KOJIN_BANGO, rows.KOJIN_BANGO);
          await inserter.insert(GAIKOKUJIN, rows.GAIKOKUJIN);
          await inserter.insert(IDO_RIREKI, rows.IDO_RIREKI);
          await inserter.insert(SHOMEI_HAKKO_RIREKI, rows.SHOMEI_HAKKO_RIREKI);
          await inserter.insert(SHIEN_SOCHI, rows.SHIEN_SOCHI);
          await inserter.insert(INKAN_TOROKU, rows.INKAN_TOROKU);
        },
        options,
      );
    },
    async finish() {
      await withBatchInserter(
        db,
        (inserter) => inserter.insert(BASHO_MST, CERTIFICATE_OFFICES.map((office) => [office.code, nchar(office.name, 20)])),
        options,
      );
    },
  };
}
