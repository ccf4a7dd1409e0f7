import type { Knex } from 'knex';
import DataLoader from 'dataloader';
import { MAX_BATCH_SIZE } from '../shared/loaders';
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
  loaders: IntermediateLoaders;
  /** Remembers a loaded linkage under both keys, so a later lookup by either costs no query. */
  prime(linkage: LinkageRecord): LinkageRecord;
}

/**
 * The shared mapLoader, for batches whose values may be an Error: DataLoader rejects only that
 * key's load, so one malformed legacy row fails one person, not the others in its batch.
 */
function settledMapLoader<V>(load: (keys: readonly string[]) => Promise<Map<string, V | Error>>, missing: V): DataLoader<string, V> {
  return new DataLoader<string, V>(
    async (keys) => {
      const byKey = await load(keys);
      return keys.map((key) => byKey.get(key) ?? missing);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}

export function createIntermediateContext(db: Knex): IntermediateContext {
  const provisionLoaders = new Map<number, DataLoader<string, ProvisionRecord[]>>();
  const loaders: IntermediateLoaders = {
    linkageByIntegratedAddressNumber: settledMapLoader<LinkageRecord | null>((numbers) => adapter.findLinkagesByIntegratedAddressNumbers(db, numbers), null),
    linkageByResidentId: settledMapLoader<LinkageRecord | null>((ids) => adapter.findLinkagesByResidentIds(db, ids), null),
    provisionRecords(first) {
      let loader = provisionLoaders.get(first);
      if (!loader) {
        loader = settledMapLoader((numbers) => adapter.findProvisionRecords(db, numbers, first), [] as ProvisionRecord[]);
        provisionLoaders.set(first, loader);
      }
      return loader;
    },
  };
  return {
    db,
    loaders,
    prime(linkage) {
      loaders.linkageByIntegratedAddressNumber.prime(linkage.integratedAddressNumber, linkage);
      loaders.linkageByResidentId.prime(linkage.residentId, linkage);
      return linkage;
    },
  };
}
