import type { Knex } from 'knex';
import type DataLoader from 'dataloader';
import { mapLoader } from '../shared/loaders';
import { requiredLocationFlags, type ProtectedPersonChecks, type RequiredLocationFlags } from '../shared/locating-rule';
import * as adapter from './legacy/adapter';
import type { CardEventRecord, CardRecord, CardReservationRecord } from './records';

export interface CardProgressLoaders {
  latestCard: DataLoader<string, CardRecord | null>; // by 宛名番号: the latest application
  events: DataLoader<string, CardEventRecord[]>; // by 申請書ID
  reservation: DataLoader<string, CardReservationRecord | null>; // by 申請書ID
}

export interface CardProgressContext {
  db: Knex;
  /** The register's 支援措置 answer per person (Resident.locationWithheld, through @requires). */
  locationFlags: RequiredLocationFlags;
  /** The 支援措置 row rule on locating fields (shared/locating-rule.ts), from the register's answer. */
  locating: ProtectedPersonChecks;
  loaders: CardProgressLoaders;
}

export function createCardProgressContext(db: Knex): CardProgressContext {
  const loaders: CardProgressLoaders = {
    latestCard: mapLoader<string, CardRecord | null>((ids) => adapter.findLatestCards(db, ids), null),
    events: mapLoader((ids) => adapter.findCardEvents(db, ids), [] as CardEventRecord[]),
    reservation: mapLoader<string, CardReservationRecord | null>((ids) => adapter.findReservations(db, ids), null),
  };
  const locationFlags = requiredLocationFlags();
  return { db, loaders, locationFlags, locating: { MyNumberCard: (card: CardRecord) => locationFlags.withheld(card.residentId) } };
}
