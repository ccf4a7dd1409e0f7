import type { Knex } from 'knex';
import { kanaSearchKey, toHalfWidthKana } from '../../../lib/legacy/text';
import { DEFAULT_NUMERIC_ERAS, toWarekiRaw } from '../../../lib/legacy/wareki';
import type { Household, IsoDate, Person, Relationship } from '../../../lib/synthetic/model';
import { fullKana, fullName, fullRomaji } from '../../../lib/synthetic/model';
import { CERTIFICATE_OFFICES } from '../../../lib/synthetic/reference-data';
import { recordedWarekiRaw, recordedWesternRaw } from '../../shared/legacy-writing/recorded-date';
import { batchTimestamp, char, compactTimestamp, nchar } from '../../shared/legacy-writing/legacy-format';
import { withBatchInserter, type Row, type TableSpec } from '../../shared/legacy-writing/bulk-insert';
import type { SeedWriter, SeedWriterOptions } from '../../shared/legacy-writing/seed-writer';
import {
  CERTIFICATE_KIND,
  CERTIFICATE_REQUESTER,
  FOREIGN_CATEGORY,
  MOVEMENT_REASON,
  RELATIONSHIP,
  REMOVAL_REASON,
  RESIDENT_STATUS,
  RESIDENT_TYPE,
  SEX,
  SUPPORT_MEASURE_KIND,
  type RelationshipLabel,
} from './codes';

/**
 * Writes the world into the resident record system's tables (住民記録システム). Dates are
 * numeric-era wareki GYYMMDD (CHAR 7) except foreign residents' birth date and the
 * GAIKOKUJIN dates, which are western YYYYMMDD (CHAR 8). Text is padded as the vendor's CHAR /
 * NCHAR columns hold it. Code columns are encoded with the adapter's own tables (legacy/codes.ts).
 */

/**
 * The world's relationships in the register's words (続柄): the codes are in legacy/codes.ts, one
 * table with the adapter. The register has one word for some of the world's (弟 and 妹 are both
 * 兄弟姉妹; 子の妻 and 子の夫 are 子の配偶者).
 */
const RELATIONSHIP_LABEL: Readonly<Record<Relationship, RelationshipLabel>> = {
  HEAD: '世帯主',
  WIFE: '妻',
  HUSBAND: '夫',
  CHILD: '子',
  FATHER: '父',
  MOTHER: '母',
  GRANDCHILD: '孫',
  YOUNGER_BROTHER: '兄弟姉妹',
  YOUNGER_SISTER: '兄弟姉妹',
  CHILDS_WIFE: '子の配偶者',
  CHILDS_HUSBAND: '子の配偶者',
  WIFES_MOTHER: '妻の父母',
  LODGER: '同居人',
  COMMON_LAW_WIFE: '妻（未届）',
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
    RELATIONSHIP.encode(RELATIONSHIP_LABEL[person.relationship]),
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
    SEX.encode(person.sex),
    RESIDENT_TYPE.encode(person.residentType),
    RESIDENT_STATUS.encode(person.status),
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
    removal ? REMOVAL_REASON.encode(removal.reason) : char(null, 2),
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
          FOREIGN_CATEGORY.encode(f.category),
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
          MOVEMENT_REASON.encode(m.reason),
          wareki(m.occurredOn),
          wareki(m.notifiedOn),
          nchar(m.from, 60),
          nchar(m.to, 60),
          compactTimestamp(m.recordedAt),
        ]);
      });
      for (const c of person.certificates) {
        rows.SHOMEI_HAKKO_RIREKI.push([c.number, person.addressNumber, CERTIFICATE_KIND.encode(c.kind), wareki(c.issuedOn), c.officeCode, c.copies, CERTIFICATE_REQUESTER.encode(c.requester)]);
      }
      person.supportMeasures.forEach((s, i) => {
        rows.SHIEN_SOCHI.push([person.addressNumber, i + 1, SUPPORT_MEASURE_KIND.encode(s.kind), wareki(s.startsOn), wareki(s.endsOn), s.interim ? '1' : '0', nchar(s.perpetratorName, 30)]);
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
