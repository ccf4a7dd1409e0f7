import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { SubgraphName } from '../../lib/subgraphs';
import { openDatabase } from '../../subgraphs/shared/database';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '../../subgraphs/shared/server';
import { residentsSubgraph } from '../../subgraphs/residents';
import { jukiCsSubgraph } from '../../subgraphs/juki-cs';
import { testDataDir } from '../support/federation';

/**
 * One malformed legacy row fails only its own person, in the residents and juki-cs subgraphs
 * (card-progress and intermediate prove the same on their hand-written datasets): the others
 * in the same DataLoader batch still resolve, the error is masked, and the batch is still one
 * SQL statement. Each suite works on a copy of the run's seeded database with one row broken.
 */

interface GraphQLResponse {
  data?: { _entities?: any[] } | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

const sqliteConfig = (filename: string): Knex.Config => ({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });

/** A private copy of the run's seeded database of one subgraph, served by that subgraph. */
async function startOnCopy(name: SubgraphName, module: SubgraphModule<object>): Promise<{ db: Knex; running: RunningSubgraph; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bad-rows-${name}-`));
  const copy = path.join(dir, `${name}.sqlite`);
  const source = openDatabase(name, sqliteConfig(path.join(testDataDir(), `${name}.sqlite`)));
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
async function queryCounting(db: Knex, url: string, query: string, variables: Record<string, unknown>): Promise<{ body: GraphQLResponse; statements: number }> {
  let statements = 0;
  const onQuery = () => {
    statements += 1;
  };
  db.on('query', onQuery);
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return { body: (await response.json()) as GraphQLResponse, statements };
  } finally {
    db.off('query', onQuery);
  }
}

describe('residents: a malformed legacy row', () => {
  let served: Awaited<ReturnType<typeof startOnCopy>>;

  beforeAll(async () => {
    served = await startOnCopy('residents', residentsSubgraph as SubgraphModule<object>);
  });

  afterAll(async () => {
    await served?.stop();
  });

  const ENTITIES = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Resident { id birthDate { iso } foreignResident { nationality periodExpiresOn { iso } } } }
  }`;
  const representations = (ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Resident', id })) });

  test('fails only its person among the entities of one batch, in one statement', async () => {
    const rows: { ATENA_NO: string }[] = await served.db('JUMIN_KIHON').select('ATENA_NO').where('JUMIN_SHUBETSU', '1').orderBy('ATENA_NO').limit(3);
    const ids = rows.map((row) => row.ATENA_NO.trim());
    const clean = await queryCounting(served.db, served.running.url, ENTITIES, representations(ids));
    expect(clean.body.errors).toBeUndefined();

    // Era code 9 is in no era table: the birth date cannot be read.
    await served.db('JUMIN_KIHON').where('ATENA_NO', rows[1].ATENA_NO).update({ SEINENGAPPI_WA: '9450115' });
    const { body, statements } = await queryCounting(served.db, served.running.url, ENTITIES, representations(ids));

    const entities = body.data?._entities ?? [];
    expect(entities).toHaveLength(3);
    expect(entities[0]).toEqual(clean.body.data?._entities?.[0]);
    expect(entities[1]).toBeNull();
    expect(entities[2]).toEqual(clean.body.data?._entities?.[2]);
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['_entities', 1], 'INVALID_LEGACY_DATE']]);
    expect(JSON.stringify(body.errors)).not.toMatch(new RegExp(`${ids[1]}|9450115`));
    expect(statements).toBe(clean.statements);
  });

  test("fails only its person's field: a foreign resident's broken expiry date nulls that person's foreignResident", async () => {
    const rows: { ATENA_NO: string }[] = await served.db('GAIKOKUJIN').select('ATENA_NO').orderBy('ATENA_NO').limit(3);
    expect(rows).toHaveLength(3);
    const ids = rows.map((row) => row.ATENA_NO.trim());

    await served.db('GAIKOKUJIN').where('ATENA_NO', rows[1].ATENA_NO).update({ ZAIRYU_MANRYO_YMD: '2024AB01' });
    const { body, statements } = await queryCounting(served.db, served.running.url, ENTITIES, representations(ids));

    const entities = body.data?._entities ?? [];
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

describe('juki-cs: a malformed legacy row', () => {
  let served: Awaited<ReturnType<typeof startOnCopy>>;

  beforeAll(async () => {
    served = await startOnCopy('juki-cs', jukiCsSubgraph as SubgraphModule<object>);
  });

  afterAll(async () => {
    await served?.stop();
  });

  const ENTITIES = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Resident { residentCode identityInfo { residentCode birthDate { iso } } } }
  }`;

  test('fails only its person among the entities of one batch, in one statement', async () => {
    const rows: { JUMINHYO_CD: string }[] = await served.db('HONNIN_KAKUNIN').select('JUMINHYO_CD').orderBy('JUMINHYO_CD').limit(3);
    const codes = rows.map((row) => row.JUMINHYO_CD.trim());
    const representations = { representations: codes.map((residentCode) => ({ __typename: 'Resident', residentCode })) };
    const clean = await queryCounting(served.db, served.running.url, ENTITIES, representations);
    expect(clean.body.errors).toBeUndefined();

    // X is no era letter of the CS vendor: the birth date cannot be read.
    await served.db('HONNIN_KAKUNIN').where('JUMINHYO_CD', rows[1].JUMINHYO_CD).update({ SEINENGAPPI: 'X450115' });
    const { body, statements } = await queryCounting(served.db, served.running.url, ENTITIES, representations);

    const entities = body.data?._entities ?? [];
    expect(entities).toHaveLength(3);
    expect(entities[0]).toEqual(clean.body.data?._entities?.[0]);
    expect(entities[1]).toBeNull();
    expect(entities[2]).toEqual(clean.body.data?._entities?.[2]);
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['_entities', 1], 'INVALID_LEGACY_DATE']]);
    expect(JSON.stringify(body.errors)).not.toMatch(new RegExp(`${codes[1]}|X450115`));
    expect(statements).toBe(1);
    expect(clean.statements).toBe(1);
  });
});
