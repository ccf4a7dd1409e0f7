import type { Knex } from 'knex';
import type DataLoader from 'dataloader';
import { mapLoader } from '../shared/loaders';
import { requiredLocationFlags, type ProtectedPersonChecks, type RequiredLocationFlags } from '../shared/locating-rule';
import * as adapter from './legacy/adapter';
import type { LinkageRecord, ProvisionRecord } from './records';

export interface IntermediateLoaders {
  linkageByIntegratedAddressNumber: DataLoader<string, LinkageRecord | null>;
  linkageByResidentId: DataLoader<string, LinkageRecord | null>; // by 宛名番号
  /**
   * The newest `first` 情報提供等記録 per 団体内統合宛名番号, newest first. One loader per
   * distinct `first` in the request (usually one), each running one statement per batch.
   */
  provisionRecords(first: number): DataLoader<string, ProvisionRecord[]>;
}

export interface IntermediateContext {
  db: Knex;
  /** The register's 支援措置 answer per person (Resident.locationWithheld, through @requires). */
  locationFlags: RequiredLocationFlags;
  /** The 支援措置 row rule on locating fields (shared/locating-rule.ts), from the register's answer. */
  locating: ProtectedPersonChecks;
  loaders: IntermediateLoaders;
  /** Remembers a loaded linkage under both keys, so a later lookup by either costs no query. */
  prime(linkage: LinkageRecord): LinkageRecord;
}

export function createIntermediateContext(db: Knex): IntermediateContext {
  const provisionLoaders = new Map<number, DataLoader<string, ProvisionRecord[]>>();
  const loaders: IntermediateLoaders = {
    linkageByIntegratedAddressNumber: mapLoader<string, LinkageRecord | null>((numbers) => adapter.findLinkagesByIntegratedAddressNumbers(db, numbers), null),
    linkageByResidentId: mapLoader<string, LinkageRecord | null>((ids) => adapter.findLinkagesByResidentIds(db, ids), null),
    provisionRecords(first) {
      let loader = provisionLoaders.get(first);
      if (!loader) {
        loader = mapLoader((numbers) => adapter.findProvisionRecords(db, numbers, first), [] as ProvisionRecord[]);
        provisionLoaders.set(first, loader);
      }
      return loader;
    },
  };
  const locationFlags = requiredLocationFlags();
  return {
    db,
    loaders,
    locationFlags,
    locating: { InformationLinkage: (linkage: LinkageRecord) => locationFlags.withheld(linkage.residentId) },
    prime(linkage) {
      loaders.linkageByIntegratedAddressNumber.prime(linkage.integratedAddressNumber, linkage);
      loaders.linkageByResidentId.prime(linkage.residentId, linkage);
      return linkage;
    },
  };
}
