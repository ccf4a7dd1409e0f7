import type { Knex } from 'knex';
import { kanaSearchKey } from '../../../lib/legacy/text';
import { LETTER_ERAS, toWarekiRaw } from '../../../lib/legacy/wareki';
import type { Household, IsoDate, Person } from '../../../lib/synthetic/model';
import { addressLine, fullKana, fullName, supportInForce } from '../../../lib/synthetic/model';
import { WARD_MUNICIPALITY_CODE } from '../../../lib/synthetic/reference-data';
import { recordedWarekiRaw } from '../../shared/legacy-writing/recorded-date';
import { batchTimestamp, char, compactTimestamp, nchar } from '../../shared/legacy-writing/legacy-format';
import { withBatchInserter, type Row, type TableSpec } from '../../shared/legacy-writing/bulk-insert';
import type { SeedWriter, SeedWriterOptions } from '../../shared/legacy-writing/seed-writer';
import { CHANGE_REASON, SEX } from './codes';

/**
 * Writes the world into the CS terminal's files (市町村CS). This vendor writes dates with an
 * era letter (M/T/S/H/R + YYMMDD), for foreign residents too. The CS keeps removed persons
 * (消除者) with SAKUJO_FLG '1', so every person of the register has an identity record with the
 * same 住民票コード and the same 4 information (氏名, 生年月日, 性別, 住所).
 */

const HONNIN_KAKUNIN: TableSpec = {
  table: 'HONNIN_KAKUNIN',
  columns: [
    'JUMINHYO_CD', 'SHICHOSON_CD', 'SHIMEI', 'SHIMEI_KANA', 'KENSAKU_KANA', 'SEINENGAPPI', 'SEIBETSU', 'JUSHO', 'IDO_JIYU_CD', 'IDO_YMD',
    'SOSASHA_ID', 'TANMATSU_ID', 'KOSHIN_NICHIJI', 'SAKUJO_FLG', 'SHIEN_SOCHI_FLG',
  ],
};
const CS_KOJIN_BANGO: TableSpec = { table: 'CS_KOJIN_BANGO', columns: ['JUMINHYO_CD', 'KOJIN_NO', 'KOSHIN_NICHIJI'] };
const SOFUSAKI_JOHO: TableSpec = {
  table: 'SOFUSAKI_JOHO',
  columns: ['JUMINHYO_CD', 'SOFUSAKI_SHIMEI', 'SOFUSAKI_YUBIN_NO', 'SOFUSAKI_JUSHO', 'SAKUSEI_YMD'],
};

const TABLES = [HONNIN_KAKUNIN, CS_KOJIN_BANGO, SOFUSAKI_JOHO];

function letterDate(day: IsoDate): string {
  return toWarekiRaw(day, LETTER_ERAS);
}

function identityRow(person: Person): Row {
  const kana = fullKana(person.name);
  return [
    person.residentCode,
    WARD_MUNICIPALITY_CODE,
    nchar(fullName(person.name), 30),
    nchar(kana, 60),
    char(kanaSearchKey(kana), 60),
    recordedWarekiRaw(person.birth, LETTER_ERAS),
    SEX.encode(person.sex),
    nchar(addressLine(person.address), 100),
    CHANGE_REASON.encode(person.identity.lastChange),
    letterDate(person.identity.changedOn),
    char(person.identity.operatorId, 8),
    char(person.identity.terminalId, 8),
    compactTimestamp(person.identity.updatedAt),
    person.removal ? '1' : '0',
    // The CS flag mirrors the register's measures as they stand on the world's reference day.
    supportInForce(person.supportMeasures) ? '1' : '0',
  ];
}

export interface JukiCsRows {
  HONNIN_KAKUNIN: Row[];
  CS_KOJIN_BANGO: Row[];
  SOFUSAKI_JOHO: Row[];
}

export function jukiCsRows(households: readonly Household[]): JukiCsRows {
  const rows: JukiCsRows = { HONNIN_KAKUNIN: [], CS_KOJIN_BANGO: [], SOFUSAKI_JOHO: [] };
  for (const household of households) {
    for (const person of household.members) {
      rows.HONNIN_KAKUNIN.push(identityRow(person));
      const number = person.individualNumber;
      if (number) rows.CS_KOJIN_BANGO.push([person.residentCode, number.value, batchTimestamp(number.designatedOn, '030000')]);
      const mailing = person.identity.mailingCreatedOn;
      if (mailing) {
        rows.SOFUSAKI_JOHO.push([
          person.residentCode,
          nchar(fullName(person.name), 30),
          person.address.postalCode,
          nchar(addressLine(person.address) + (person.address.building ? `\u3000${person.address.building}` : ''), 100),
          letterDate(mailing),
        ]);
      }
    }
  }
  return rows;
}

export function createJukiCsSeedWriter(db: Knex, options: SeedWriterOptions = {}): SeedWriter {
  return {
    tables: TABLES.map((t) => t.table),
    async writeBatch(households) {
      const rows = jukiCsRows(households);
      await withBatchInserter(
        db,
        async (inserter) => {
          await inserter.insert(HONNIN_KAKUNIN, rows.HONNIN_KAKUNIN);
          await inserter.insert(CS_KOJIN_BANGO, rows.CS_KOJIN_BANGO);
          await inserter.insert(SOFUSAKI_JOHO, rows.SOFUSAKI_JOHO);
        },
        options,
      );
    },
    async finish() {
      // The CS has no code tables of its own to seed.
    },
  };
}
