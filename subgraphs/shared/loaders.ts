import DataLoader from 'dataloader';

/**
 * The largest batch one statement takes. SQL Server accepts at most 2,100 bound parameters, so
 * batches stay below that; a page is at most 1,000 rows, so one page is one batch.
 */
export const MAX_BATCH_SIZE = 1000;

/**
 * One key's result in a batch: its value, or the Error its legacy row raised when converted.
 * DataLoader rejects only the loads of a key whose value is an Error, so one malformed legacy
 * row fails one person's field (masked by the subgraph's error formatter), never the whole batch.
 */
export type Settled<V> = V | Error;

/** Runs one row's conversion, keeping what it throws as the result instead of letting it escape. */
export function settle<R, V>(convert: (row: R) => V, row: R): Settled<V> {
  try {
    return convert(row);
  } catch (error) {
    return error instanceof Error ? error : new Error('legacy row could not be converted');
  }
}

/**
 * Converts rows into a Map by `keyOf`, each row on its own: a row whose conversion throws
 * becomes its key's Error. When several rows share a key, the last one wins.
 */
export function convertByKey<R, K, V>(rows: Iterable<R>, keyOf: (row: R) => K, convert: (row: R) => V): Map<K, Settled<V>> {
  const byKey = new Map<K, Settled<V>>();
  for (const row of rows) byKey.set(keyOf(row), settle(convert, row));
  return byKey;
}

/**
 * Groups rows by `keyOf`, in row order, converting each; at most `limit` per key are kept (rows
 * beyond it are not converted). A row whose conversion throws makes its key's whole list that
 * Error: a list is never shown with a record silently missing.
 */
export function convertGroups<R, K, V>(
  rows: Iterable<R>,
  keyOf: (row: R) => K,
  convert: (row: R) => V,
  limit = Number.POSITIVE_INFINITY,
): Map<K, Settled<V[]>> {
  const groups = new Map<K, Settled<V[]>>();
  for (const row of rows) {
    const key = keyOf(row);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    if (list instanceof Error || list.length >= limit) continue;
    const value = settle(convert, row);
    if (value instanceof Error) groups.set(key, value);
    else list.push(value);
  }
  return groups;
}

/**
 * A loader whose batch function (one statement per batch) returns a Map by key; missing keys
 * resolve to `missing`, and a key whose value is an Error rejects alone (see Settled).
 */
export function mapLoader<K extends string, V>(load: (keys: readonly K[]) => Promise<ReadonlyMap<K, Settled<V>>>, missing: V): DataLoader<K, V> {
  return new DataLoader<K, V>(
    async (keys) => {
      const byKey = await load(keys);
      return keys.map((key) => byKey.get(key) ?? missing);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}
