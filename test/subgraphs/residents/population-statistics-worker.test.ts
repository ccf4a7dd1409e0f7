import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import { startSubgraph } from '../../../subgraphs/shared/server';
import { residentsSubgraph } from '../../../subgraphs/residents';
import { populationStatistics, type PopulationStatistics } from '../../../subgraphs/residents/population-statistics';
import { countRegisterGroups } from '../../../subgraphs/residents/legacy/adapter';
import { REGISTER_AGGREGATES } from '../../../subgraphs/residents/legacy/aggregates';
import {
  aggregateWorkerTestHooks,
  closeAggregateWorkers,
  offThreadAggregate,
  onOffThreadStatements,
  runningAggregateWorkers,
  sharedSqliteFileOf,
} from '../../../subgraphs/shared/aggregate-worker';
import { migrateLegacyToLatest } from '../../../subgraphs/legacy-migrations';
import knexFactory from 'knex';
import { cardIssuanceStatistics } from '../../../subgraphs/card-progress/resolvers';
import { countApplicationGroups } from '../../../subgraphs/card-progress/legacy/adapter';
import { APPLICATION_AGGREGATES } from '../../../subgraphs/card-progress/legacy/aggregates';
import { seedAll } from '../../../scripts/seeding/seed-all';
import { postToSubgraph } from '../../support/gateway-identity';
import { recordStatements } from '../../support/sql-capture';

/**
 * The dashboard aggregate off the residents subgraph's request thread (issue 14, item 3): under
 * SQLite, populationStatistics runs its GROUP BY statements on a worker thread with its own
 * read-only connection, so the subgraph's own connection (the thread that serves every other
 * request) runs none. Counted, never timed: statements on the subgraph's knex ('query' events).
 */

const SEEDED_RESIDENTS = 200;
const saved = process.env.STATISTICS_CACHE_SECONDS;
let dir: string;
let file: string;
/** Handles opened by a test, closed (with their workers) after it. */
const opened: Knex[] = [];

function open(): Knex {
  const db = openDatabase('residents', sqliteConfig(file));
  opened.push(db);
  return db;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'residents-aggregate-'));
  // env {}: SQLite files in `dir`, whatever the caller's <PREFIX>_DB_* variables say.
  await seedAll({ residents: SEEDED_RESIDENTS, seed: 'aggregate-worker-test', dataDir: dir, env: {} });
  file = defaultSqliteFile('residents', dir);
}, 120_000);

beforeEach(() => {
  // The cache on, as in production: each test opens its own handle, so nothing is cached for it yet.
  process.env.STATISTICS_CACHE_SECONDS = '60';
});

afterEach(async () => {
  for (const db of opened.splice(0)) {
    await closeAggregateWorkers(db);
    await db.destroy();
  }
});

afterAll(() => {
  if (saved === undefined) delete process.env.STATISTICS_CACHE_SECONDS;
  else process.env.STATISTICS_CACHE_SECONDS = saved;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('populationStatistics under SQLite: computed on a worker thread', () => {
  test('zero statements on the subgraph’s own connection; the worker’s counts equal countRegisterGroups run in-thread', async () => {
    const db = open();
    const offThread: string[] = [];
    onOffThreadStatements(db, (sql) => offThread.push(sql));

    const { result, statements } = await recordStatements(db, () => populationStatistics(db, {}));
    // Nothing on the request thread's connection: the six GROUP BY statements ran on the worker's.
    expect(statements).toEqual([]);
    expect(offThread).toHaveLength(6);
    expect(runningAggregateWorkers(db)).toBe(1);

    // The same counts as in-thread, on the same file: the worker's answer survives the structured
    // clone (LegacyDate values are plain objects), field by field. (toEqual, not toStrictEqual:
    // cloned objects get the prototype of Node's realm, not of jest's sandbox.)
    const inThread = await recordStatements(db, () => countRegisterGroups(db));
    expect(inThread.statements).toHaveLength(6);
    const viaWorker = await recordStatements(db, () => offThreadAggregate(db, REGISTER_AGGREGATES, 'countRegisterGroups'));
    expect(viaWorker.statements).toEqual([]);
    expect(viaWorker.result).toEqual(inThread.result);
    expect(inThread.result.byBirthDate.length).toBeGreaterThan(0);
    expect(inThread.result.movementsByDay.length).toBeGreaterThan(0);

    // And the aggregate is built from them: the register's living total as counted in-thread.
    const living = inThread.result.bySex.reduce((sum, group) => sum + group.count, 0);
    expect(result.residentTotal).toBe(living);
    const sexCells = Object.fromEntries(result.bySex.map((cell) => [cell.key, cell.count]));
    for (const group of inThread.result.bySex) if (group.count >= result.minimumCellSize) expect(sexCells[group.sex]).toBe(group.count);
  });

  test('a worker that throws fails that one aggregate (masked by the subgraph), the subgraph keeps serving, the next call starts a new worker', async () => {
    const db = open();
    const running = await startSubgraph(residentsSubgraph, { port: 0, db });
    try {
      const query = '{ populationStatistics { residentTotal bySex { key count } } }';
      const hooks = aggregateWorkerTestHooks(db, REGISTER_AGGREGATES);
      // The worker dies on this message, before it reads the aggregate's request behind it.
      hooks.crash();
      const failed = await postToSubgraph(running, query, {}, 'dx-analyst');
      expect(failed.body.data).toBeNull();
      expect(failed.body.errors).toEqual([expect.objectContaining({ message: 'Internal error', path: ['populationStatistics'], extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);

      // The failed computation was not cached (STATISTICS_CACHE_SECONDS=60): computed again, on a new worker.
      const { result: answered, statements } = await recordStatements(db, () => postToSubgraph(running, query, {}, 'dx-analyst'));
      expect(answered.body.errors).toBeUndefined();
      expect(answered.body.data?.populationStatistics.residentTotal).toBeGreaterThan(0);
      expect(statements).toEqual([]);
      expect(aggregateWorkerTestHooks(db, REGISTER_AGGREGATES).threadId).not.toBe(hooks.threadId);
    } finally {
      await running.stop();
    }
    // Closed with the subgraph (the database is the test's, the worker was the subgraph's).
    expect(runningAggregateWorkers(db)).toBe(0);
  });

  test('a worker terminated in the middle of a computation fails it; the next call succeeds', async () => {
    const db = open();
    const expected: PopulationStatistics = await populationStatistics(open(), {});
    const hooks = aggregateWorkerTestHooks(db, REGISTER_AGGREGATES);
    // Wedged (as in a native call) so the aggregate queued behind cannot be answered before the kill.
    hooks.hang(30_000);
    const pending = populationStatistics(db, {});
    await hooks.terminate();
    await expect(pending).rejects.toMatchObject({ name: 'AggregateWorkerError', code: 'AGGREGATE_WORKER_EXIT' });
    await expect(populationStatistics(db, {})).resolves.toEqual(expected);
    expect(runningAggregateWorkers(db)).toBe(1);
  });

  test('an in-memory SQLite database cannot be shared with a worker: computed in-thread, no worker started', async () => {
    const memory = knexFactory(sqliteConfig(':memory:'));
    opened.push(memory);
    await migrateLegacyToLatest('residents', memory);
    const { result, statements } = await recordStatements(memory, () => populationStatistics(memory, {}));
    expect(statements).toHaveLength(6);
    expect(result.residentTotal).toBeNull();
    expect(runningAggregateWorkers(memory)).toBe(0);
    expect(sharedSqliteFileOf(memory)).toBeNull();
    expect(sharedSqliteFileOf(open())).toBe(path.resolve(file));
  });

  test('cardIssuanceStatistics (same helper): zero statements on the card subgraph’s connection, the same counts as in-thread', async () => {
    const card = openDatabase('card-progress', sqliteConfig(defaultSqliteFile('card-progress', dir)));
    opened.push(card);
    const { result, statements } = await recordStatements(card, () => cardIssuanceStatistics(card));
    expect(statements).toEqual([]);
    const inThread = await countApplicationGroups(card);
    expect(await offThreadAggregate(card, APPLICATION_AGGREGATES, 'countApplicationGroups')).toEqual(inThread);
    const applications = inThread.byStatus.reduce((sum, group) => sum + group.count, 0);
    expect(applications).toBeGreaterThan(0);
    expect(result.byStatus.reduce((sum, cell) => sum + (cell.count ?? 0), 0)).toBeLessThanOrEqual(applications);
  });
});
