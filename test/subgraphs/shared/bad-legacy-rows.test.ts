import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { SubgraphName } from '../../../lib/subgraphs';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '../../../subgraphs/shared/server';
import { residentsSubgraph } from '../../../subgraphs/residents';
import { jukiCsSubgraph } from '../../../subgraphs/juki-cs';
import { testDataDir } from '../../support/federation';
import type { GraphQLBody } from '../../support/graphql';
import { postToSubgraph } from '../../support/gateway-identity';
import { recordStatements } from '../../support/sql-capture';

/**
 * One malformed legacy row fails only its own person, in the residents and juki-cs subgraphs
 * (card-progress and intermediate prove the same on their hand-written datasets) — a date that
 * cannot be read, or a code outside its column's table (an unknown 住民状態): the others
 * in the same DataLoader batch still resolve, the error is masked, and the batch is still one
 * SQL statement. Each suite works on a copy of the run's seeded database with one row broken.
 */

/** A private copy of the run's seeded database of one subgraph, served by that subgraph. */
async function startOnCopy(name: SubgraphName, module: SubgraphModule<object>): Promise<{ db: Knex; running: RunningSubgraph; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bad-rows-${name}-`));
  const copy = defaultSqliteFile(name, dir);
  const source = openDatabase(name, sqliteConfig(defaultSqliteFile(name, testDataDir())));
  try {
    await source.raw('VACUUM INTO ?', [copy]);
  } finally {
    await source.destroy();
  }
  const db = openDatabase(name, sqliteConfig(copy));
  const running = await startSubgraph(module, { port: 0, db });
  return {
    db,
    running,
    async stop() {
      await running.stop();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one operation, returning its response and the SQL statements it ran. */
async function queryCounting(db: Knex, subgraph: RunningSubgraph, query: string, variables: Record<string, unknown>): Promise<{ body: GraphQLBody; statements: number }> {
  const { result, statements } = await recordStatements(db, () => postToSubgraph(subgraph, query, variables));
  return { body: result.body, statements: statements.length };
}

interface EntityCase {
  subgraph: SubgraphName;
  module: SubgraphModule<object>;
  /** The table, its key column, and rows to pick the batch's three persons from. */
  table: string;
  key: string;
  where: Record<string, string>;
  /** The column broken for the second person, and the value it gets. */
  column: string;
  bad: string;
  representation(key: string): Record<string, string>;
  fields: string;
}

const ENTITY_CASES: EntityCase[] = [
  {
    subgraph: 'residents',
    module: residentsSubgraph as SubgraphModule<object>,
    table: 'JUMIN_KIHON',
    key: 'ATENA_NO',
    where: { JUMIN_SHUBETSU: '1' },
    // Era code 9 is in no era table: the birth date cannot be read.
    column: 'SEINENGAPPI_WA',
    bad: '9450115',
    representation: (id) => ({ __typename: 'Resident', id }),
    fields: 'id birthDate { iso }',
  },
  {
    subgraph: 'juki-cs',
    module: jukiCsSubgraph as SubgraphModule<object>,
    table: 'HONNIN_KAKUNIN',
    key: 'JUMINHYO_CD',
    where: {},
    // X is no era letter of the CS vendor: the birth date cannot be read.
    column: 'SEINENGAPPI',
    bad: 'X450115',
    representation: (residentCode) => ({ __typename: 'Resident', residentCode }),
    fields: 'residentCode identityInfo { residentCode birthDate { iso } }',
  },
];

const entitiesQuery = (fields: string) => `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Resident { ${fields} } } }`;

describe.each(ENTITY_CASES)('$subgraph: a malformed legacy row', (c) => {
  let served: Awaited<ReturnType<typeof startOnCopy>>;

  beforeAll(async () => {
    served = await startOnCopy(c.subgraph, c.module);
  });

  afterAll(async () => {
    await served?.stop();
  });

  test('fails only its person among the entities of one batch, in one statement', async () => {
    const rows: Record<string, string>[] = await served.db(c.table).select(c.key).where(c.where).orderBy(c.key).limit(3);
    const keys = rows.map((row) => row[c.key].trim());
    const variables = { representations: keys.map(c.representation) };
    const clean = await queryCounting(served.db, served.running, entitiesQuery(c.fields), variables);
    expect(clean.body.errors).toBeUndefined();

    await served.db(c.table).where(c.key, rows[1][c.key]).update({ [c.column]: c.bad });
    const { body, statements } = await queryCounting(served.db, served.running, entitiesQuery(c.fields), variables);

    const entities: unknown[] = body.data?._entities ?? [];
    expect(entities).toHaveLength(3);
    expect(entities[0]).toEqual(clean.body.data?._entities?.[0]);
    expect(entities[1]).toBeNull();
    expect(entities[2]).toEqual(clean.body.data?._entities?.[2]);
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['_entities', 1], 'INVALID_LEGACY_DATE']]);
    expect(JSON.stringify(body.errors)).not.toMatch(new RegExp(`${keys[1]}|${c.bad}`));
    expect(statements).toBe(1);
    expect(clean.statements).toBe(1);
  });
});

describe("residents: a malformed row behind one person's field", () => {
  let served: Awaited<ReturnType<typeof startOnCopy>>;

  beforeAll(async () => {
    served = await startOnCopy('residents', residentsSubgraph as SubgraphModule<object>);
  });

  afterAll(async () => {
    await served?.stop();
  });

  test('an unknown 住民状態 code fails that person, never shows them as RESIDENT; the rest of the batch resolves', async () => {
    // Three living persons; the second one's JUMIN_JOTAI becomes a code outside 0/1/2/3.
    const rows: { ATENA_NO: string }[] = await served.db('JUMIN_KIHON').select('ATENA_NO').where({ JUMIN_JOTAI: '0' }).orderBy('ATENA_NO').limit(3);
    expect(rows).toHaveLength(3);
    const ids = rows.map((row) => row.ATENA_NO.trim());
    const variables = { representations: ids.map((id) => ({ __typename: 'Resident', id })) };
    const query = entitiesQuery('id status name { kanji }');
    const clean = await queryCounting(served.db, served.running, query, variables);
    expect(clean.body.errors).toBeUndefined();
    expect((clean.body.data?._entities as { status: string }[]).map((e) => e.status)).toEqual(['RESIDENT', 'RESIDENT', 'RESIDENT']);

    await served.db('JUMIN_KIHON').where('ATENA_NO', rows[1].ATENA_NO).update({ JUMIN_JOTAI: '7' });
    const { body, statements } = await queryCounting(served.db, served.running, query, variables);

    const entities: unknown[] = body.data?._entities ?? [];
    expect(entities).toHaveLength(3);
    expect(entities[0]).toEqual(clean.body.data?._entities?.[0]);
    expect(entities[1]).toBeNull();
    expect(entities[2]).toEqual(clean.body.data?._entities?.[2]);
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['_entities', 1], 'INTERNAL_SERVER_ERROR']]);
    const name = (clean.body.data?._entities?.[1] as { name: { kanji: string } }).name.kanji;
    expect(JSON.stringify(body.errors)).not.toContain(ids[1]);
    expect(JSON.stringify(body.errors)).not.toContain(name);
    expect(JSON.stringify(body.errors)).not.toMatch(/JUMIN_JOTAI|RESIDENT/);
    expect(statements).toBe(1);
  });

  test("a foreign resident's broken expiry date nulls that person's foreignResident only", async () => {
    const rows: { ATENA_NO: string }[] = await served.db('GAIKOKUJIN').select('ATENA_NO').orderBy('ATENA_NO').limit(3);
    expect(rows).toHaveLength(3);
    const ids = rows.map((row) => row.ATENA_NO.trim());

    await served.db('GAIKOKUJIN').where('ATENA_NO', rows[1].ATENA_NO).update({ ZAIRYU_MANRYO_YMD: '2024AB01' });
    const query = entitiesQuery('id birthDate { iso } foreignResident { nationality periodExpiresOn { iso } }');
    const { body, statements } = await queryCounting(served.db, served.running, query, { representations: ids.map((id) => ({ __typename: 'Resident', id })) });

    const entities: any[] = body.data?._entities ?? [];
    expect(entities.map((e) => e.id)).toEqual(ids);
    expect(entities[0].foreignResident).not.toBeNull();
    expect(entities[1].foreignResident).toBeNull();
    expect(entities[1].birthDate).not.toBeNull();
    expect(entities[2].foreignResident).not.toBeNull();
    expect(body.errors?.map((e) => e.path)).toEqual([['_entities', 1, 'foreignResident']]);
    expect(JSON.stringify(body.errors)).not.toMatch(new RegExp(`${ids[1]}|2024AB01`));
    // One statement for the persons, one for their foreign-resident records.
    expect(statements).toBe(2);
  });
});
