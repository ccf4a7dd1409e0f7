import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { seedAll } from '../../scripts/seeding/seed-all';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_FOREIGN_RESIDENT, FIXTURE_GAIJI_PRIVATE_USE } from '../../generator/fixtures';
import { LEGACY_SUBGRAPH_NAMES, envPrefix, type LegacySubgraphName } from '../../lib/subgraphs';
import { openDatabase } from '../../subgraphs/shared/database';
import { startFederation, type Federation } from '../support/federation';
import { createSchema, describeWithPostgres, postgresEnv } from '../support/postgres';

/**
 * The same synthetic world seeded into SQLite and into PostgreSQL (each system in its own schema
 * of the run's throwaway database) gives the same answers through the whole federation.
 */

const RESIDENTS = 400;

const PERSON_QUERY = /* GraphQL */ `
  query Person($id: ID!) {
    resident(id: $id) {
      id residentCode individualNumber
      name { kanji kana romaji formerSurname alias { kanji } containsGaiji gaijiCodes }
      birthDate { iso wareki precision approximate calendarValid raw }
      address { code full postalCode }
      household { id head { id } members { id relationshipToHead { code label } } }
      foreignResident { nationality category residenceCardNumber periodExpiresOn { iso } }
      movements { sequence reason occurredOn { iso raw } }
      certificateIssuances { id kind issuedOn { iso } office copies requester }
      supportMeasure { active kind interim }
      identityInfo { residentCode name nameKana individualNumber birthDate { iso raw } changeReason updatedAt }
      informationLinkage { integratedAddressNumber codeStatus noAutoResponse provisionRecords { id requestedAt requester legalBasis items result autoResponse } }
      myNumberCard { applicationId status appliedOn { iso } events { sequence status occurredAt } reservation { scheduledAt state } }
    }
  }
`;

const LIST_QUERY = /* GraphQL */ `
  query List($filter: ResidentFilter) {
    residents(first: 100, filter: $filter) {
      totalCount
      edges { node { id name { kanji } birthDate { raw } identityInfo { residentCode } myNumberCard { status } } }
    }
  }
`;

describeWithPostgres('the federation on PostgreSQL answers as on SQLite', () => {
  let sqlite: Federation;
  let postgres: Federation;
  let sqliteDir: string;
  const pgDatabases: Knex[] = [];

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const name of LEGACY_SUBGRAPH_NAMES) {
      const schema = `fed_${name.replace(/-/g, '_')}`;
      await createSchema(schema);
      Object.assign(env, postgresEnv(name, schema));
    }
    sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-pg-compare-'));
    await Promise.all([seedAll({ residents: RESIDENTS, dataDir: sqliteDir }), seedAll({ residents: RESIDENTS, env })]);

    const databases = {} as Record<LegacySubgraphName, Knex>;
    for (const name of LEGACY_SUBGRAPH_NAMES) {
      databases[name] = openDatabase(name, { client: 'pg', connection: { connectionString: env[`${envPrefix(name)}_DB_URL`] }, pool: { min: 0, max: 4 } });
      pgDatabases.push(databases[name]);
    }
    [sqlite, postgres] = await Promise.all([startFederation({ dataDir: sqliteDir }), startFederation({ databases })]);
  }, 180_000);

  afterAll(async () => {
    await sqlite?.stop();
    await postgres?.stop();
    for (const db of pgDatabases) await db.destroy();
    if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
  });

  test.each([
    ['the first resident', FIXTURE_FIRST_RESIDENT.addressNumber],
    ['a foreign resident', FIXTURE_FOREIGN_RESIDENT.addressNumber],
    ['a name with 外字', FIXTURE_GAIJI_PRIVATE_USE.addressNumber],
  ])('%s: every field from all four subgraphs is the same', async (_label, id) => {
    const [a, b] = await Promise.all([sqlite.query('registry-clerk', PERSON_QUERY, { id }), postgres.query('registry-clerk', PERSON_QUERY, { id })]);
    expect(a.body.errors).toBeUndefined();
    expect(b.body.errors).toBeUndefined();
    expect((a.body.data as any).resident.id).toBe(id);
    expect(b.body.data).toEqual(a.body.data);
    // Served by PostgreSQL: its statements are quoted with double quotes and numbered parameters.
    expect(postgres.statements.residents.some((sql) => /"JUMIN_KIHON"/.test(sql) && /\$1/.test(sql))).toBe(true);
  });

  test.each([
    ['no filter', {}],
    ['a kana prefix', { kanaPrefix: 'ﾔﾏﾀﾞ' }],
    ['a birth-date range across eras', { birthDateFrom: '1985-01-01', birthDateTo: '1995-12-31' }],
    ['removed records', { status: ['MOVED_OUT', 'DECEASED', 'ERASED'] }],
    ['foreign residents in a district', { residentType: 'FOREIGN', addressCode: '0' }],
  ])('a list with %s is the same', async (_label, filter) => {
    const [a, b] = await Promise.all([sqlite.query('registry-clerk', LIST_QUERY, { filter }), postgres.query('registry-clerk', LIST_QUERY, { filter })]);
    expect(a.body.errors).toBeUndefined();
    expect((a.body.data as any).residents.totalCount).toBeGreaterThan(0);
    expect(b.body).toEqual(a.body);
  });

  test('population statistics are the same', async () => {
    const query = `{ populationStatistics { residentTotal byDistrict { key count } byAgeBand { key count } bySex { key count } byStatus { key count } movementsByMonth { key count } } cardIssuanceStatistics { byStatus { key count } byOffice { key count } } }`;
    const [a, b] = await Promise.all([sqlite.query('dx-analyst', query), postgres.query('dx-analyst', query)]);
    expect(a.body.errors).toBeUndefined();
    expect(b.body).toEqual(a.body);
  });
});
