import type { Knex } from 'knex';
import type { Household } from '../../../lib/synthetic/model';
import { CARD_OFFICES } from '../../../lib/synthetic/reference-data';
import { char, compactMinute, compactTimestamp, nchar } from '../../shared/legacy-writing/legacy-format';
import { withBatchInserter, type Row, type TableSpec } from '../../shared/legacy-writing/bulk-insert';
import type { SeedWriter, SeedWriterOptions } from '../../shared/legacy-writing/seed-writer';
import { CURRENT_STATUS, EVENT_STATUS, RESERVATION_STATE } from './codes';

/**
 * Writes the world into the card issuance progress system (個人番号カード交付進捗管理システム).
 * A newer system: western dates YYYYMMDD, timestamps YYYYMMDDHHMMSS; persons by 宛名番号.
 */

const CARD_SHINSEI: TableSpec = {
  table: 'CARD_SHINSEI',
  columns: ['SHINSEI_ID', 'ATENA_NO', 'SHINSEI_YMD', 'GENKO_JOTAI_CD', 'KOFU_BASHO_CD', 'KOSHIN_NICHIJI'],
};
const CARD_SHINCHOKU: TableSpec = { table: 'CARD_SHINCHOKU', columns: ['SHINSEI_ID', 'RIREKI_SEQ', 'JOTAI_CD', 'JOTAI_NICHIJI', 'BASHO_CD'] };
const CARD_YOYAKU: TableSpec = { table: 'CARD_YOYAKU', columns: ['SHINSEI_ID', 'YOYAKU_NICHIJI', 'YOYAKU_BASHO_CD', 'YOYAKU_JOTAI'] };
const KOFU_BASHO_MST: TableSpec = { table: 'KOFU_BASHO_MST', columns: ['BASHO_CD', 'BASHO_MEI'] };

const TABLES = [CARD_SHINSEI, CARD_SHINCHOKU, CARD_YOYAKU, KOFU_BASHO_MST];

export interface CardProgressRows {
  CARD_SHINSEI: Row[];
  CARD_SHINCHOKU: Row[];
  CARD_YOYAKU: Row[];
}

export function cardProgressRows(households: readonly Household[]): CardProgressRows {
  const rows: CardProgressRows = { CARD_SHINSEI: [], CARD_SHINCHOKU: [], CARD_YOYAKU: [] };
  for (const household of households) {
    for (const person of household.members) {
      const card = person.card;
      if (!card) continue;
      rows.CARD_SHINSEI.push([
        card.applicationId,
        person.addressNumber,
        card.appliedOn.slice(0, 4) + card.appliedOn.slice(5, 7) + card.appliedOn.slice(8, 10),
        CURRENT_STATUS.encode(card.status),
        card.officeCode,
        compactTimestamp(card.updatedAt),
      ]);
      card.events.forEach((event, i) => {
        rows.CARD_SHINCHOKU.push([card.applicationId, i + 1, EVENT_STATUS.encode(event.status), compactTimestamp(event.occurredAt), char(event.officeCode, 3)]);
      });
      if (card.reservation) {
        rows.CARD_YOYAKU.push([card.applicationId, compactMinute(card.reservation.scheduledAt), card.reservation.officeCode, RESERVATION_STATE.encode(card.reservation.state)]);
      }
    }
  }
  return rows;
}

export function createCardProgressSeedWriter(db: Knex, options: SeedWriterOptions = {}): SeedWriter {
  return {
    tables: TABLES.map((t) => t.table),
    async writeBatch(households) {
      const rows = cardProgressRows(households);
      await withBatchInserter(
        db,
        async (inserter) => {
          await inserter.insert(CARD_SHINSEI, rows.CARD_SHINSEI);
          await inserter.insert(CARD_SHINCHOKU, rows.CARD_SHINCHOKU);
          await inserter.insert(CARD_YOYAKU, rows.CARD_YOYAKU);
        },
        options,
      );
    },
    async finish() {
      await withBatchInserter(db, (inserter) => inserter.insert(KOFU_BASHO_MST, CARD_OFFICES.map((office) => [office.code, nchar(office.name, 20)])), options);
    },
  };
}
