import type { Knex } from 'knex';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import { cachedAggregate, statisticsCacheSeconds } from '../../../subgraphs/shared/statistics';
import { populationStatistics } from '../../../subgraphs/residents/population-statistics';
import { cardIssuanceStatistics } from '../../../subgraphs/card-progress/resolvers';
import { closeAggregateWorkers, onOffThreadStatements } from '../../../subgraphs/shared/aggregate-worker';

/**
 * Dashboard aggregates are computed once per STATISTICS_CACHE_SECONDS for all callers (the
 * other suites run with the cache off, to count every aggregate's statements). Counted on the
 * run's seeded register: a computation is its SQL statements (under SQLite they run on the
 * aggregate worker's own connection: counted with onOffThreadStatements).
 */

const saved = process.env.STATISTICS_CACHE_SECONDS;
let residentsDb: Knex;
let cardDb: Knex;
let statements: string[] = [];

beforeAll(() => {
  const dataDir = process.env.WARD_TEST_DATA_DIR!;
  residentsDb = openDatabase('residents', sqliteConfig(defaultSqliteFile('residents', dataDir)));
  cardDb = openDatabase('card-progress', sqliteConfig(defaultSqliteFile('card-progress', dataDir)));
  for (const db of [residentsDb, cardDb]) {
    db.on('query', (query: { sql: string }) => statements.push(query.sql));
    onOffThreadStatements(db, (sql) => statements.push(sql));
  }
});

beforeEach(() => {
  process.env.STATISTICS_CACHE_SECONDS = '60';
  statements = [];
});

afterAll(async () => {
  if (saved === undefined) delete process.env.STATISTICS_CACHE_SECONDS;
  else process.env.STATISTICS_CACHE_SECONDS = saved;
  for (const db of [residentsDb, cardDb]) {
    if (!db) continue;
    await closeAggregateWorkers(db);
    await db.destroy();
  }
});

describe('dashboard aggregates are shared for STATISTICS_CACHE_SECONDS', () => {
  test('population statistics: five concurrent and two later callers share one computation (6 statements)', async () => {
    const first = await Promise.all(Array.from({ length: 5 }, () => populationStatistics(residentsDb, { from: '2025-01-01' })));
    const computed = statements.length;
    expect(computed).toBe(6);
    const later = [await populationStatistics(residentsDb, { from: '2025-01-01' }), await populationStatistics(residentsDb, { from: '2025-01-01' })];
    expect(statements).toHaveLength(computed);
    for (const result of [...first, ...later]) expect(result).toEqual(first[0]);
    expect(first[0].residentTotal).toBeGreaterThan(0);
  });

  test('the period is cut from one aggregate: 40 different periods, one computation (issue 10: each window skipped the cache)', async () => {
    // A database of its own: nothing cached for it by the tests above.
    const db = openDatabase('residents', sqliteConfig(defaultSqliteFile('residents', process.env.WARD_TEST_DATA_DIR!)));
    const own: string[] = [];
    db.on('query', (query: { sql: string }) => own.push(query.sql));
    onOffThreadStatements(db, (sql) => own.push(sql));
    try {
      const answers = [];
      for (let month = 1; month <= 40; month += 1) {
        const from = `${2020 + Math.floor((month - 1) / 12)}-${String(((month - 1) % 12) + 1).padStart(2, '0')}`;
        answers.push(await populationStatistics(db, { from, to: month % 2 ? undefined : '2025-06-30' }).catch(() => null));
      }
      expect(answers.filter(Boolean).length).toBeGreaterThan(30);
      expect(own).toHaveLength(6);
    } finally {
      await closeAggregateWorkers(db);
      await db.destroy();
    }
  });

  test('card issuance statistics are shared too', async () => {
    await Promise.all([cardIssuanceStatistics(cardDb), cardIssuanceStatistics(cardDb), cardIssuanceStatistics(cardDb)]);
    expect(statements).toHaveLength(2);
  });

  test('STATISTICS_CACHE_SECONDS=0 computes every time', async () => {
    process.env.STATISTICS_CACHE_SECONDS = '0';
    await populationStatistics(residentsDb, {});
    await populationStatistics(residentsDb, {});
    expect(statements).toHaveLength(12);
  });

  test('an aggregate is computed again once it is older than the setting', async () => {
    process.env.STATISTICS_CACHE_SECONDS = '30';
    const db = {};
    let now = 1_000_000;
    let computations = 0;
    const get = () => cachedAggregate(db, ['k'], async () => ++computations, () => now);
    expect(await get()).toBe(1);
    now += 29_999;
    expect(await get()).toBe(1);
    now += 1;
    expect(await get()).toBe(2);
  });

  test('a failed computation is not kept: the next caller computes again', async () => {
    const db = {};
    let calls = 0;
    const compute = async () => {
      calls += 1;
      if (calls === 1) throw new Error('database unavailable');
      return 'counts';
    };
    await expect(cachedAggregate(db, ['k'], compute)).rejects.toThrow('database unavailable');
    await expect(cachedAggregate(db, ['k'], compute)).resolves.toBe('counts');
    expect(calls).toBe(2);
  });

  test('the setting is validated', () => {
    expect(statisticsCacheSeconds({})).toBe(60);
    expect(() => statisticsCacheSeconds({ STATISTICS_CACHE_SECONDS: '-1' })).toThrow(/non-negative integer/);
    expect(() => statisticsCacheSeconds({ STATISTICS_CACHE_SECONDS: 'soon' })).toThrow(/non-negative integer/);
  });
});
