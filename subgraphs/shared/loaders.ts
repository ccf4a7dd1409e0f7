import DataLoader from 'dataloader';

/**
 * The largest batch one statement takes. SQL Server accepts at most 2,100 bound parameters, so
 * batches stay below that; a page is at most 1,000 rows, so one page is one batch.
 */
export const MAX_BATCH_SIZE = 1000;

/** A loader whose batch function returns rows keyed by `keyOf`; missing keys resolve to null. */
export function rowLoader<K extends string, V>(
  load: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (value: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    async (keys) => {
      const byKey = new Map((await load(keys)).map((value) => [keyOf(value), value] as const));
      return keys.map((key) => byKey.get(key) ?? null);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}

/** A loader whose batch function returns a Map; missing keys resolve to `missing`. */
export function mapLoader<K extends string, V>(load: (keys: readonly K[]) => Promise<Map<K, V>>, missing: V): DataLoader<K, V> {
  return new DataLoader<K, V>(
    async (keys) => {
      const byKey = await load(keys);
      return keys.map((key) => byKey.get(key) ?? missing);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}
