import type { Knex } from 'knex';
import DataLoader from 'dataloader';
import { mapLoader, MAX_BATCH_SIZE } from '../shared/loaders';
import { supportMeasureRestricted } from '../shared/errors';
import type { SubgraphAuth } from '../shared/identity';
import type { ProtectedPersonChecks } from '../shared/locating-rule';
import { todayInJapan } from '../shared/statistics';
import * as adapter from './legacy/adapter';
import type {
  CertificateIssuanceRecord,
  ForeignResidentRecord,
  HouseholdRecord,
  MovementRecord,
  RemovalRecord,
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
   * The 支援措置 row rule on locating fields (shared/locating-rule.ts): for each type holding one,
   * whether the person it belongs to is protected. One statement per batch (a loader).
   */
  locating: ProtectedPersonChecks;
  /** Whether the caller may see persons under 支援措置 (rowRules.supportMeasure). */
  readonly seesProtectedPersons: boolean;
  /**
   * 支援措置, the whole person: for a caller without the right, a protected person is refused as
   * one unit — a SUPPORT_MEASURE_RESTRICTED error for the read, no field of the person — so
   * that a direct read (by 宛名番号, 住民票コード, an entity reference) tells nothing field by field.
   * Callers with the right cost no statement; for others one statement per batch.
   */
  visiblePerson(resident: ResidentRecord | null): Promise<ResidentRecord | null>;
  /** The persons of a list the caller may see: protected persons are left out, without an error. */
  visiblePersons(residents: readonly ResidentRecord[]): Promise<ResidentRecord[]>;
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
  const seesProtectedPersons = auth.profile.supportMeasureRecords;
  return {
    db,
    auth,
    today,
    loaders,
    seesProtectedPersons,
    locating: {
      Resident: (resident: ResidentRecord) => loaders.locationRestricted.load(resident.id),
      Movement: (movement: MovementRecord) => loaders.locationRestricted.load(movement.residentId),
      Removal: (removal: RemovalRecord) => loaders.locationRestricted.load(removal.residentId),
    },
    async visiblePerson(resident) {
      if (resident === null || seesProtectedPersons) return resident;
      // A failed check fails the read (the loader's error), never shows the person.
      if (await loaders.locationRestricted.load(resident.id)) throw supportMeasureRestricted('Resident');
      return resident;
    },
    async visiblePersons(residents) {
      if (seesProtectedPersons) return [...residents];
      const restricted = await loaders.locationRestricted.loadMany(residents.map((resident) => resident.id));
      return residents.filter((_resident, index) => {
        const flag = restricted[index];
        if (flag instanceof Error) throw flag;
        return !flag;
      });
    },
    prime(resident) {
      loaders.residentById.prime(resident.id, resident);
      loaders.residentByCode.prime(resident.residentCode, resident);
      return resident;
    },
  };
}
