import type { Knex } from 'knex';
import type DataLoader from 'dataloader';
import { mapLoader } from '../shared/loaders';
import * as adapter from './legacy/adapter';
import type { CardEventRecord, CardRecord, CardReservationRecord } from './records';

export interface CardProgressLoaders {
  latestCard: DataLoader<string, CardRecord | null>; // by 宛名番号: the latest application
  events: DataLoader<string, CardEventRecord[]>; // by 申請書ID
  reservation: DataLoader<string, CardReservationRecord | null>; // by 申請書ID
}

export interface CardProgressContext {
  db: Knex;
  loaders: CardProgressLoaders;
}

export function createCardProgressContext(db: Knex): CardProgressContext {
  const loaders: CardProgressLoaders = {
    latestCard: mapLoader<string, CardRecord | null>((ids) => adapter.findLatestCards(db, ids), null),
    events: mapLoader((ids) => adapter.findCardEvents(db, ids), [] as CardEventRecord[]),
    reservation: mapLoader<string, CardReservationRecord | null>((ids) => adapter.findReservations(db, ids), null),
  };
  return { db, loaders };
}
