import { LRUCache } from 'lru-cache';

/**
 * A bounded least-recently-used map with string keys: the `lru-cache` library, given only a
 * capacity. Every cache of the gateway and the subgraphs is one of these (decisions, plans,
 * operation costs, permission profiles, per-profile counts, statistics aggregates), so the
 * eviction is the library's, not hand-written Map juggling.
 *
 * `get` refreshes recency; `peek` reads without refreshing (for caches that evict in insertion
 * order); iteration (`entries`, `keys`) runs most recent first, `rentries` oldest first.
 */
export class LruCache<V extends {}> extends LRUCache<string, V> {
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`cache capacity must be a positive integer, got ${capacity}`);
    super({ max: capacity });
  }
}
