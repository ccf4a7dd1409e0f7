import type { Knex } from 'knex';
import type DataLoader from 'dataloader';
import { mapLoader } from '../shared/loaders';
import { todayInJapan } from '../shared/statistics';
import * as adapter from './legacy/adapter';
import type {
  CertificateIssuanceRecord,
  ForeignResidentRecord,
  HouseholdRecord,
  MovementRecord,
  ResidentRecord,
  SupportMeasureRecord,
} from './records';

export interface ResidentsLoaders {
  residentById: DataLoader<string, ResidentRecord | null>;
  residentByCode: DataLoader<string, ResidentRecord | null>;
  individualNumber: DataLoader<string, string | null>; // 個人番号, from its own table
  household: DataLoader<string, HouseholdRecord | null>;
  householdMembers: DataLoader<string, ResidentRecord[]>;
  foreignResident: DataLoader<string, ForeignResidentRecord | null>;
  movements: DataLoader<string, MovementRecord[]>;
  certificateIssuances: DataLoader<string, CertificateIssuanceRecord[]>;
  supportMeasure: DataLoader<string, SupportMeasureRecord | null>;
}

export interface ResidentsContext {
  db: Knex;
  loaders: ResidentsLoaders;
  /** Remembers a loaded person under both keys, so a later lookup by either costs no query. */
  prime(resident: ResidentRecord): ResidentRecord;
}

export function createResidentsContext(db: Knex): ResidentsContext {
  const today = todayInJapan();
  const loaders: ResidentsLoaders = {
    residentById: mapLoader<string, ResidentRecord | null>((ids) => adapter.findResidentsByIds(db, ids), null),
    residentByCode: mapLoader<string, ResidentRecord | null>((codes) => adapter.findResidentsByCodes(db, codes), null),
    individualNumber: mapLoader<string, string | null>((ids) => adapter.findIndividualNumbers(db, ids), null),
    household: mapLoader<string, HouseholdRecord | null>((ids) => adapter.findHouseholds(db, ids), null),
    householdMembers: mapLoader((ids) => adapter.findHouseholdMembers(db, ids), [] as ResidentRecord[]),
    foreignResident: mapLoader<string, ForeignResidentRecord | null>((ids) => adapter.findForeignResidents(db, ids), null),
    movements: mapLoader((ids) => adapter.findMovements(db, ids), [] as MovementRecord[]),
    certificateIssuances: mapLoader((ids) => adapter.findCertificateIssuances(db, ids), [] as CertificateIssuanceRecord[]),
    supportMeasure: mapLoader<string, SupportMeasureRecord | null>((ids) => adapter.findSupportMeasures(db, ids, today), null),
  };
  return {
    db,
    loaders,
    prime(resident) {
      loaders.residentById.prime(resident.id, resident);
      loaders.residentByCode.prime(resident.residentCode, resident);
      return resident;
    },
  };
}
