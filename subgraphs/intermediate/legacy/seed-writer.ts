import type { Knex } from 'knex';
import type { Household } from '../../../lib/synthetic/model';
import { OUTSIDE_BODIES } from '../../../lib/synthetic/reference-data';
import { char, compactTimestamp, nchar } from '../../shared/legacy-writing/legacy-format';
import { withBatchInserter, type Row, type TableSpec } from '../../shared/legacy-writing/bulk-insert';
import type { SeedWriter, SeedWriterOptions } from '../../shared/legacy-writing/seed-writer';
import { CODE_STATUS, PROVISION_RESULT } from './codes';

/**
 * Writes the world into the intermediate server's tables (中間サーバ). It knows persons by
 * 団体内統合宛名番号, linked to the register's 宛名番号 (GYOMU_ATENA_NO); timestamps are
 * CHAR(14) YYYYMMDDHHMMSS. Persons without an individual number, and a few with one, have no
 * linkage yet.
 */

const TOGO_ATENA: TableSpec = {
  table: 'TOGO_ATENA',
  columns: ['TOGO_ATENA_NO', 'GYOMU_ATENA_NO', 'FUGO_JOTAI_CD', 'FUGO_SHUTOKU_NICHIJI', 'JIDO_OTO_FUKA_FLG', 'KOSHIN_NICHIJI'],
};
const JOHO_TEIKYO_KIROKU: TableSpec = {
  table: 'JOHO_TEIKYO_KIROKU',
  columns: ['KIROKU_NO', 'TOGO_ATENA_NO', 'SHOKAI_NICHIJI', 'SHOKAI_KIKAN_CD', 'BEPPYO_KO', 'JOHO_KOMOKU', 'TEIKYO_KEKKA_CD', 'JIDO_OTO_KBN'],
};
const KIKAN_MST: TableSpec = { table: 'KIKAN_MST', columns: ['KIKAN_CD', 'KIKAN_MEI'] };

const TABLES = [TOGO_ATENA, JOHO_TEIKYO_KIROKU, KIKAN_MST];

export interface IntermediateRows {
  TOGO_ATENA: Row[];
  JOHO_TEIKYO_KIROKU: Row[];
}

export function intermediateRows(households: readonly Household[]): IntermediateRows {
  const rows: IntermediateRows = { TOGO_ATENA: [], JOHO_TEIKYO_KIROKU: [] };
  for (const household of households) {
    for (const person of household.members) {
      const linkage = person.linkage;
      if (!linkage) continue;
      rows.TOGO_ATENA.push([
        linkage.integratedAddressNumber,
        person.addressNumber,
        CODE_STATUS.encode(linkage.codeStatus),
        linkage.codeAcquiredAt ? compactTimestamp(linkage.codeAcquiredAt) : char(null, 14),
        linkage.noAutoResponse ? '1' : '0',
        compactTimestamp(linkage.updatedAt),
      ]);
      for (const p of linkage.provisions) {
        rows.JOHO_TEIKYO_KIROKU.push([
          p.id,
          linkage.integratedAddressNumber,
          compactTimestamp(p.requestedAt),
          p.requesterCode,
          char(String(p.legalBasisItem), 3),
          nchar(p.items.join('、'), 100),
          PROVISION_RESULT.encode(p.result),
          p.autoResponse ? '1' : '2',
        ]);
      }
    }
  }
  return rows;
}

export function createIntermediateSeedWriter(db: Knex, options: SeedWriterOptions = {}): SeedWriter {
  return {
    tables: TABLES.map((t) => t.table),
    async writeBatch(households) {
      const rows = intermediateRows(households);
      await withBatchInserter(
        db,
        async (inserter) => {
          await inserter.insert(TOGO_ATENA, rows.TOGO_ATENA);
          await inserter.insert(JOHO_TEIKYO_KIROKU, rows.JOHO_TEIKYO_KIROKU);
        },
        options,
      );
    },
    async finish() {
      await withBatchInserter(db, (inserter) => inserter.insert(KIKAN_MST, OUTSIDE_BODIES.map((body) => [body.code, nchar(body.name, 40)])), options);
    },
  };
}
