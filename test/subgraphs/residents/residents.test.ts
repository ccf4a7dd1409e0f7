import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import { startSubgraph, type RunningSubgraph } from '../../../subgraphs/shared/server';
import { residentsSubgraph } from '../../../subgraphs/residents';
import { seedAll } from '../../../scripts/seeding/seed-all';
import {
  FIXTURE_CHILD,
  FIXTURE_DECEASED,
  FIXTURE_ERASED,
  FIXTURE_FEB29_COMMON_YEAR,
  FIXTURE_FIRST_RESIDENT,
  FIXTURE_FOREIGN_RESIDENT,
  FIXTURE_MOVED_OUT,
} from '../../../generator/fixtures';
import type { GraphQLBody } from '../../support/graphql';
import { postToSubgraph } from '../../support/gateway-identity';
import { recordStatements } from '../../support/sql-capture';

/**
 * The resident record subgraph (住民記録システム), started in-process on a real SQLite database
 * seeded by the generator, and queried over HTTP with a signed identity as the gateway would.
 * Expected values come from generator/fixtures.ts (written apart from the adapter) and from the
 * codes in the migration's column comments; statements are counted, never timed.
 */

const SEEDED_RESIDENTS = 300;

/** 住民状態 codes as the migration's column comment documents them (0 住民 1 転出 2 死亡 3 職権消除). */
const STATUS_CODES = { RESIDENT: '0', MOVED_OUT: '1', DECEASED: '2', ERASED: '3' } as const;

const PERSON_FIELDS = `id residentCode name { kanji formerSurname }
  birthDate { iso wareki precision raw } sex status residentType
  relationshipToHead { code label } isHeadOfHousehold`;

const ALL_FIELDS = `${PERSON_FIELDS}
  address { code town } removal { reason occurredOn { iso } destination }
  foreignResident { nationality category residenceStatus periodOfStay periodExpiresOn { iso } becameForeignResidentOn { iso } }
  movements { sequence reason occurredOn { iso } }
  certificateIssuances { id kind requester copies }`;

const ENTITIES = (fields: string) => `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Resident { ${fields} } } }`;
const representations = (ids: readonly string[]) => ({ representations: ids.map((id) => ({ __typename: 'Resident', id })) });

describe('residents subgraph on seeded synthetic data', () => {
  let dir: string;
  let db: Knex;
  let running: RunningSubgraph;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'residents-seed-'));
    // env {}: SQLite files in `dir`, whatever the caller's <PREFIX>_DB_* variables say.
    await seedAll({ residents: SEEDED_RESIDENTS, seed: 'residents-test', dataDir: dir, env: {} });
    db = openDatabase('residents', sqliteConfig(defaultSqliteFile('residents', dir)));
    running = await startSubgraph(residentsSubgraph, { port: 0, db });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await db?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const query = async (source: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> => (await postToSubgraph(running, source, variables)).body;

  /** One operation's response and the SQL statements it ran on the subgraph's knex. */
  async function counted(source: string, variables: Record<string, unknown>): Promise<{ body: GraphQLBody; statements: number }> {
    const { result, statements } = await recordStatements(db, () => postToSubgraph(running, source, variables));
    return { body: result.body, statements: statements.length };
  }

  const resident = async (id: string, fields = ALL_FIELDS) => {
    const { data, errors } = await query(`query ($id: ID!) { resident(id: $id) { ${fields} } }`, { id });
    expect(errors).toBeUndefined();
    return data?.resident;
  };

  test('a living Japanese resident: padding trimmed, wareki birth date, codes decoded, head of household', async () => {
    expect(await resident(FIXTURE_FIRST_RESIDENT.addressNumber)).toMatchObject({
      id: FIXTURE_FIRST_RESIDENT.addressNumber,
      residentCode: FIXTURE_FIRST_RESIDENT.residentCode,
      name: { kanji: FIXTURE_FIRST_RESIDENT.name },
      birthDate: { iso: FIXTURE_FIRST_RESIDENT.birthIso, wareki: '昭和50年4月12日', precision: 'DAY', raw: FIXTURE_FIRST_RESIDENT.birthRaw },
      sex: 'MALE',
      status: 'RESIDENT',
      residentType: 'JAPANESE',
      relationshipToHead: { code: '01', label: '世帯主' },
      isHeadOfHousehold: true,
      removal: null,
      foreignResident: null,
    });
  });

  test('29 Feb of a common year is kept as recorded, with the registered 旧氏', async () => {
    expect(await resident(FIXTURE_FEB29_COMMON_YEAR.addressNumber, PERSON_FIELDS)).toMatchObject({
      name: { kanji: FIXTURE_FEB29_COMMON_YEAR.name, formerSurname: FIXTURE_FEB29_COMMON_YEAR.formerSurname },
      birthDate: { iso: null, wareki: '昭和53年2月29日', raw: FIXTURE_FEB29_COMMON_YEAR.birthRaw },
      sex: 'FEMALE',
      isHeadOfHousehold: false,
    });
  });

  test('the three kinds of 除票 decode to their status and removal reason, never RESIDENT', async () => {
    const moved = await resident(FIXTURE_MOVED_OUT.addressNumber);
    expect(moved).toMatchObject({ status: 'MOVED_OUT', removal: { reason: 'MOVED_OUT', occurredOn: { iso: FIXTURE_MOVED_OUT.removedOn }, destination: FIXTURE_MOVED_OUT.destination } });
    const deceased = await resident(FIXTURE_DECEASED.addressNumber);
    expect(deceased).toMatchObject({ status: 'DECEASED', birthDate: { iso: '1912-07-30', wareki: '明治45年7月30日' }, removal: { reason: 'DECEASED', occurredOn: { iso: FIXTURE_DECEASED.removedOn } } });
    const erased = await resident(FIXTURE_ERASED.addressNumber);
    expect(erased).toMatchObject({ status: 'ERASED', birthDate: { iso: '1945', precision: 'YEAR' }, removal: { reason: 'ERASED', occurredOn: { iso: FIXTURE_ERASED.removedOn } } });
  });

  test('a foreign resident: western birth date and the 法第30条の45 items', async () => {
    expect(await resident(FIXTURE_FOREIGN_RESIDENT.addressNumber)).toMatchObject({
      name: { kanji: FIXTURE_FOREIGN_RESIDENT.name },
      birthDate: { iso: '1992-01-20', raw: FIXTURE_FOREIGN_RESIDENT.birthRaw },
      residentType: 'FOREIGN',
      foreignResident: {
        nationality: FIXTURE_FOREIGN_RESIDENT.nationality,
        category: FIXTURE_FOREIGN_RESIDENT.category,
        residenceStatus: FIXTURE_FOREIGN_RESIDENT.residenceStatus,
        // Full-width digits as the register writes them ('５年'), folded to ASCII by the adapter.
        periodOfStay: FIXTURE_FOREIGN_RESIDENT.periodOfStay.normalize('NFKC'),
        periodExpiresOn: { iso: FIXTURE_FOREIGN_RESIDENT.periodExpiresOn },
      },
    });
  });

  test("a household: its head and its current members in the register's order", async () => {
    const { data, errors } = await query(`query ($id: ID!) { household(id: $id) { id head { id } members { id } } }`, { id: FIXTURE_FIRST_RESIDENT.householdNumber });
    expect(errors).toBeUndefined();
    expect(data?.household.head).toEqual({ id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(data?.household.members.map((m: { id: string }) => m.id).slice(0, 3)).toEqual([FIXTURE_FIRST_RESIDENT.addressNumber, FIXTURE_FEB29_COMMON_YEAR.addressNumber, FIXTURE_CHILD.addressNumber]);
  });

  test('an unknown 宛名番号 is null, not an error', async () => {
    const { data, errors } = await query(`query { resident(id: "9999999999") { id } }`);
    expect(errors).toBeUndefined();
    expect(data?.resident).toBeNull();
  });

  test('a status filter counts exactly the rows holding the documented 住民状態 code', async () => {
    for (const [status, code] of Object.entries(STATUS_CODES)) {
      const [{ n }] = await db('JUMIN_KIHON').where('JUMIN_JOTAI', code).count({ n: '*' });
      const { data, errors } = await query(`query ($s: [ResidentStatus!]) { residents(filter: { status: $s }, first: 1) { totalCount edges { node { status } } } }`, { s: [status] });
      expect(errors).toBeUndefined();
      expect(data?.residents.totalCount).toBe(Number(n));
      expect(Number(n)).toBeGreaterThan(0);
      expect(data?.residents.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual([status]);
    }
  });

  test('every seeded person reads back without an error: each code the seed writer wrote is in the table the adapter decodes with', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { data, errors }: GraphQLBody = await query(
        `query ($after: String) { residents(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ALL_FIELDS} } } } }`,
        { after },
      );
      expect(errors).toBeUndefined();
      for (const { node } of data?.residents.edges ?? []) seen.add(node.id);
      pages += 1;
      if (!data?.residents.pageInfo.hasNextPage) break;
      after = data.residents.pageInfo.endCursor;
    }
    const [{ n }] = await db('JUMIN_KIHON').count({ n: '*' });
    expect(seen.size).toBe(Number(n));
    expect(pages).toBe(Math.ceil(Number(n) / 100));
  });

  test('answers 50 persons in as many statements as one: one per loader batch', async () => {
    // The foreign resident first: foreignResident is loaded for foreign residents only, so both
    // operations reach every loader.
    const rows: { ATENA_NO: string }[] = await db('JUMIN_KIHON').select('ATENA_NO').whereNot('ATENA_NO', FIXTURE_FOREIGN_RESIDENT.addressNumber).orderBy('ATENA_NO').limit(49);
    const ids = [FIXTURE_FOREIGN_RESIDENT.addressNumber, ...rows.map((row) => row.ATENA_NO.trim())];
    const fields = `id name { kanji } status movements { sequence } certificateIssuances { id } foreignResident { nationality }`;
    const one = await counted(ENTITIES(fields), representations(ids.slice(0, 1)));
    const fifty = await counted(ENTITIES(fields), representations(ids));
    expect(one.body.errors).toBeUndefined();
    expect(fifty.body.errors).toBeUndefined();
    expect((fifty.body.data?._entities as { id: string }[]).map((e) => e.id)).toEqual(ids);
    // JUMIN_KIHON, IDO_RIREKI, SHOMEI_HAKKO_RIREKI (+ BASHO_MST joined), GAIKOKUJIN.
    expect(one.statements).toBe(4);
    expect(fifty.statements).toBe(one.statements);
  });

  test('a page of the search is one statement whatever its size; its total one more, only when selected, once however often aliased', async () => {
    const page = (first: number, total: string) => counted(`query ($first: Int) { residents(first: $first) { ${total} edges { node { id } } } }`, { first });
    const [small, large, counting, aliased] = [await page(2, ''), await page(100, ''), await page(100, 'totalCount'), await page(100, 'a: totalCount b: totalCount c: totalCount')];
    expect(small.body.errors).toBeUndefined();
    expect(large.body.data?.residents.edges).toHaveLength(100);
    expect(counting.body.data?.residents.totalCount).toBeGreaterThan(100);
    expect(small.statements).toBe(1);
    expect(large.statements).toBe(1);
    expect(counting.statements).toBe(2);
    expect(aliased.body.data?.residents.c).toBe(counting.body.data?.residents.totalCount);
    expect(aliased.statements).toBe(2);
  });
});
