import { LruCache } from '../../../lib/bounded-cache';
import type { FieldClassification } from '../../../lib/authorization/types';
import { CLERK, NO_MFA_CLERK, SCHOOL_CLERK, classifications, harness, profile } from './fixtures';

/**
 * Decisions and plans are cached per (operation, permission profile): the same operation by
 * the same profile is decided once and planned once; two profiles never share a plan.
 */

const QUERY = `query One($id: ID!) { resident(id: $id) { id name individualNumber } }`;

test('the same operation by the same profile is decided once and planned once', async () => {
  const h = await harness();
  for (const id of ['R1', 'R2', 'R3']) await h.run(QUERY, SCHOOL_CLERK, { id });
  const stats = h.gateway.stats();
  expect(stats).toMatchObject({ decisions: 1, cacheHits: 2, plansBuilt: 1, cachedDecisions: 1 });
  expect(stats.byProfile.get(SCHOOL_CLERK.key)).toEqual({ decisions: 1, cacheHits: 2, plansBuilt: 1 });
});

test('two profiles never share a plan, even when their rewritten operations are identical', async () => {
  const h = await harness();
  const twin = profile(['person_basic'], { key: 'another-profile-same-grants' });
  await h.run(QUERY, SCHOOL_CLERK, { id: 'R1' });
  await h.run(QUERY, twin, { id: 'R1' });
  await h.run(QUERY, CLERK, { id: 'R1' });
  await h.run(QUERY, NO_MFA_CLERK, { id: 'R1' });
  const hashes = h.inner.handed.map((handed) => handed.queryHash);
  expect(new Set(hashes).size).toBe(4);
  expect(h.inner.handed[0].source).toBe(h.inner.handed[1].source);
  // None is the client's own hash: the planner's cache is keyed per profile.
  expect(hashes).not.toContain(`hash:${QUERY}`);
  const stats = h.gateway.stats();
  expect(stats.decisions).toBe(4);
  expect(stats.plansBuilt).toBe(4);
  for (const who of [SCHOOL_CLERK, twin, CLERK, NO_MFA_CLERK]) expect(stats.byProfile.get(who.key)).toMatchObject({ decisions: 1, plansBuilt: 1 });

  // Again, per profile: no new decision, no new plan.
  for (const who of [SCHOOL_CLERK, twin, CLERK, NO_MFA_CLERK]) await h.run(QUERY, who, { id: 'R2' });
  expect(h.gateway.stats()).toMatchObject({ decisions: 4, plansBuilt: 4, cacheHits: 4 });
});

test('a new supergraph (new classifications) is decided afresh; so is every operation after a schema update', async () => {
  let current: ReadonlyMap<string, FieldClassification> = classifications;
  const h = await harness({ classifications: () => current });
  expect((await h.run(QUERY, SCHOOL_CLERK, { id: 'R1' })).errors).toHaveLength(1);

  // The rules of the SDL changed: individualNumber is now person_basic.
  const relaxed = new Map(classifications);
  relaxed.set('Resident.individualNumber', { coordinate: 'Resident.individualNumber', authenticated: false, scopes: null, policies: [['person_basic']] });
  current = relaxed;
  const after = await h.run(QUERY, SCHOOL_CLERK, { id: 'R1' });
  expect(after.errors).toBeUndefined();
  expect(h.gateway.stats().decisions).toBe(2);

  h.inner.updateSchema();
  expect(h.gateway.stats().cachedDecisions).toBe(0);
  await h.run(QUERY, SCHOOL_CLERK, { id: 'R1' });
  expect(h.gateway.stats().decisions).toBe(3);
});

test('the decision cache is bounded (least recently used goes first)', async () => {
  const h = await harness({ decisionCacheSize: 2 });
  const queries = [`{ resident(id: "R1") { id } }`, `{ resident(id: "R2") { id } }`, `{ resident(id: "R3") { id } }`];
  for (const query of queries) await h.run(query, SCHOOL_CLERK);
  expect(h.gateway.stats().cachedDecisions).toBe(2);
  await h.run(queries[2], SCHOOL_CLERK); // still cached
  await h.run(queries[0], SCHOOL_CLERK); // evicted: decided again
  expect(h.gateway.stats()).toMatchObject({ decisions: 4, cacheHits: 1 });
});

test('fail closed: an operation without a permission profile never reaches the planner', async () => {
  const h = await harness();
  const result = await h.run(`{ resident(id: "R1") { id } }`, undefined as never);
  expect(result.errors?.[0].extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
  expect(result.data).toBeUndefined();
  expect(h.inner.handed).toHaveLength(0);
});

describe('LruCache', () => {
  test('keeps at most its capacity, refreshing on get', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
    expect(() => new LruCache(0)).toThrow(/positive integer/);
  });
});
