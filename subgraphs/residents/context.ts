import type { Knex } from 'knex';
import DataLoader from 'dataloader';
import { mapLoader, MAX_BATCH_SIZE } from '../shared/loaders';
import { supportMeasureRestricted } from '../shared/errors';
import type { SubgraphAuth } from '../shared/identity';
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
  /** 支援措置 row-level rule: whether the person's location is withheld today (see adapter.findLocationRestrictions). */
  locationRestricted: DataLoader<string, boolean>;
}

export interface ResidentsContext {
  db: Knex;
  /** The caller the gateway signed in, and its profile under this subgraph's rules. */
  auth: SubgraphAuth;
  /** Today (ISO, Japan time or WARD_AS_OF_DATE): support-measure terms are judged against it. */
  today: string;
  loaders: ResidentsLoaders;
  /** Remembers a loaded person under both keys, so a later lookup by either costs no query. */
  prime(resident: ResidentRecord): ResidentRecord;
  /**
   * The 支援措置 row-level rule for a field that tells where the person lives: the value, or a
   * SUPPORT_MEASURE_RESTRICTED error when the person's location is withheld from this caller.
   * Callers whose profile has `supportMeasureRecords` cost no statement; for others the check is
   * one statement per batch (a loader).
   */
  location<T>(residentId: string, coordinate: string, value: T): Promise<T>;
}

export function createResidentsContext(db: Knex, auth: SubgraphAuth): ResidentsContext {
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
    locationRestricted: new DataLoader<string, boolean>(
      async (ids) => {
        const restricted = await adapter.findLocationRestrictions(db, ids, today);
        return ids.map((id) => restricted.get(id) ?? false);
      },
      { maxBatchSize: MAX_BATCH_SIZE },
    ),
  };
  return {
    db,
    auth,
    today,
    loaders,
    async location(residentId, coordinate, value) {
      if (auth.profile.supportMeasureRecords) return value;
      // A failed check fails the field (the loader's error), never shows it.
      if (await loaders.locationRestricted.load(residentId)) throw supportMeasureRestricted(coordinate);
      return value;
    },
    prime(resident) {
      loaders.residentById.prime(resident.id, resident);
      loaders.residentByCode.prime(resident.residentCode, resident);
      return resident;
    },
  };
}
