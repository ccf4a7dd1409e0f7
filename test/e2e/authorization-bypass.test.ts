import fs from 'node:fs';
import path from 'node:path';
import * as fixtures from '../../generator/fixtures';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_FOREIGN_RESIDENT } from '../../generator/fixtures';
import { makeIndividualNumber } from '../../lib/identifiers/individual-number';
import { DEFAULT_POLICY_DIR } from '../../lib/policy/files';
import { UNAUTHORIZED_FIELD_CODE } from '../../lib/authorization/types';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/subgraphs';
import { startFederation, type Federation } from '../support/federation';
import type { GraphQLErrorBody } from '../support/graphql';
import { postGraphQL } from '../support/graphql';
import { tempDir } from '../gateway/helpers';

/**
 * No route around the gateway's first line, through the real federation (four subgraphs on
 * the seeded synthetic world, the real gateway, the default rules in policy/): aliases, named
 * and inline fragments, @include/@skip with variables, nested lists, another subgraph's
 * extension of Resident, a lookup by individual number used as an oracle, introspection.
 * A refused field's subgraph is not asked for it: the per-subgraph SQL capture proves it.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach deep into responses
type Data = Record<string, any>;

/** Every individual number the fixed fixtures hold: a denied persona's raw response contains none. */
const FIXTURE_NUMBERS: string[] = Object.values(fixtures).flatMap((value) =>
  typeof value === 'object' && value !== null && 'individualNumber' in value && typeof value.individualNumber === 'string' ? [value.individualNumber] : [],
);
/** Valid check digit, held by nobody in the synthetic world (the control below proves it). */
const UNKNOWN_NUMBER = makeIndividualNumber('98765432109');
/** FIXTURE_FIRST_RESIDENT's number with a wrong check digit. */
const BAD_CHECK_DIGIT = `${FIXTURE_FIRST_RESIDENT.individualNumber.slice(0, 11)}${(Number(FIXTURE_FIRST_RESIDENT.individualNumber[11]) + 1) % 10}`;

const DENIED_INDIVIDUAL_NUMBERS = ['registry-clerk-nomfa', 'school-clerk', 'dx-analyst', 'security-officer', 'vendor-operator'] as const;

const ID = FIXTURE_FIRST_RESIDENT.addressNumber;

function expectNoIndividualNumbers(raw: string): void {
  for (const number of FIXTURE_NUMBERS) expect(raw).not.toContain(number);
  // Nor any other 12-digit run (a number of a non-fixture person).
  expect(raw).not.toMatch(/(?<!\d)\d{12}(?!\d)/);
}

function unauthorized(errors: GraphQLErrorBody[] | undefined): GraphQLErrorBody[] {
  return (errors ?? []).filter((error) => error.extensions?.code === UNAUTHORIZED_FIELD_CODE);
}

function statementCounts(federation: Federation): Record<SubgraphName, number> {
  return Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, federation.statements[name].length])) as Record<SubgraphName, number>;
}

const readsTable = (statements: string[], table: string) => statements.some((sql) => new RegExp(`["\`\\[\\s]${table}["\`\\]\\s]`, 'i').test(sql));

let federation: Federation;
beforeAll(async () => {
  federation = await startFederation();
});
afterAll(async () => {
  await federation?.stop();
});

describe('every way of asking for an individual number is the same coordinate, refused the same way', () => {
  const BYPASSES = /* GraphQL */ `
    query Bypass($id: ID!, $show: Boolean!, $hide: Boolean!, $first: Int!) {
      resident(id: $id) {
        id
        name { kanji }
        individualNumber
        alias: individualNumber
        ...Numbers
        ... on Resident { inline: individualNumber }
        included: individualNumber @include(if: $show)
        notSkipped: individualNumber @skip(if: $hide)
        household { members { id individualNumber } }
        identityInfo { residentCode individualNumber }
        informationLinkage { resident { individualNumber } }
      }
      residents(first: $first) { edges { node { id individualNumber } } }
    }
    fragment Numbers on Resident { fromFragment: individualNumber }
  `;
  const variables = { id: ID, show: true, hide: false, first: 20 };

  test.each(DENIED_INDIVIDUAL_NUMBERS)('%s: no individual number anywhere in the raw response', async (persona) => {
    const { status, raw, body } = await federation.query<Data>(persona, BYPASSES, variables);
    expect(status).toBe(200);
    expectNoIndividualNumbers(raw);
    expect(unauthorized(body.errors).length).toBeGreaterThan(0);
  });

  test('registry-clerk-nomfa: every occurrence is null with an error naming MFA; the rest of the register answers', async () => {
    federation.resetStatements();
    const { body, raw } = await federation.query<Data>('registry-clerk-nomfa', BYPASSES, variables);
    const resident = body.data!.resident;
    expect(resident).toMatchObject({
      id: ID,
      name: { kanji: FIXTURE_FIRST_RESIDENT.name },
      individualNumber: null,
      alias: null,
      fromFragment: null,
      inline: null,
      included: null,
      notSkipped: null,
      identityInfo: { residentCode: FIXTURE_FIRST_RESIDENT.residentCode, individualNumber: null },
    });
    expect(resident.household.members.length).toBeGreaterThan(1);
    for (const member of resident.household.members) expect(member).toEqual({ id: expect.any(String), individualNumber: null });
    for (const edge of body.data!.residents.edges) expect(edge.node.individualNumber).toBeNull();
    expect(resident.informationLinkage).toEqual({ resident: { individualNumber: null } });

    const errors = unauthorized(body.errors);
    expect(errors.map((error) => error.path)).toEqual([
      ['resident', 'individualNumber'],
      ['resident', 'alias'],
      ['resident', 'fromFragment'],
      ['resident', 'inline'],
      ['resident', 'included'],
      ['resident', 'notSkipped'],
      ['resident', 'household', 'members', 0, 'individualNumber'],
      ['resident', 'identityInfo', 'individualNumber'],
      ['resident', 'informationLinkage', 'resident', 'individualNumber'],
      ['residents', 'edges', 0, 'node', 'individualNumber'],
    ]);
    expect(errors[0]).toEqual({
      message: 'Unauthorized field Resident.individualNumber: individual_number requires MFA (sign in with IC card and password)',
      locations: [expect.any(Object)],
      path: ['resident', 'individualNumber'],
      extensions: {
        code: UNAUTHORIZED_FIELD_CODE,
        coordinate: 'Resident.individualNumber',
        policy: 'individual_number',
        reason: 'individual_number requires MFA (sign in with IC card and password)',
      },
    });
    // A field refused in every element of a list: one error, the first element's path, a count.
    expect(errors[6].extensions!['occurrences']).toBe(resident.household.members.length);
    expect(errors[9].extensions!['occurrences']).toBe(20);
    expect(errors[7].message).toBe(
      'Unauthorized field IdentityInfo.individualNumber: individual_number requires MFA (sign in with IC card and password)',
    );
    expectNoIndividualNumbers(raw);

    // Neither subgraph holding individual numbers was asked for one.
    expect(readsTable(federation.statements.residents, 'KOJIN_BANGO')).toBe(false);
    expect(readsTable(federation.statements['juki-cs'], 'CS_KOJIN_BANGO')).toBe(false);
    expect(federation.statements['juki-cs'].length).toBeGreaterThan(0); // identityInfo itself was read
  });

  test('control: registry-clerk (MFA) gets every number, and the same subgraphs then read them', async () => {
    federation.resetStatements();
    const { body } = await federation.query<Data>('registry-clerk', BYPASSES, variables);
    expect(unauthorized(body.errors)).toEqual([]);
    const resident = body.data!.resident;
    for (const key of ['individualNumber', 'alias', 'fromFragment', 'inline', 'included', 'notSkipped']) {
      expect(resident[key]).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
    }
    expect(resident.identityInfo.individualNumber).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
    expect(readsTable(federation.statements.residents, 'KOJIN_BANGO')).toBe(true);
    expect(readsTable(federation.statements['juki-cs'], 'CS_KOJIN_BANGO')).toBe(true);
  });

  test('@include(if: false) / @skip(if: true): a refused field not asked for is neither answered nor reported', async () => {
    const { body } = await federation.query<Data>('school-clerk', BYPASSES, { ...variables, show: false, hide: true });
    expect(body.data!.resident).not.toHaveProperty('included');
    expect(body.data!.resident).not.toHaveProperty('notSkipped');
    expect(unauthorized(body.errors).map((error) => error.path![1])).not.toContain('included');
  });
});

describe('school-clerk (就学事務: person_basic only)', () => {
  test('reads name, address, birth date and household; refused individual numbers, residence-card numbers and CS identity data, whose subgraph is not asked', async () => {
    federation.resetStatements();
    const { status, body, raw } = await federation.query<Data>(
      'school-clerk',
      /* GraphQL */ `
        query Enrolment($id: ID!, $foreign: ID!) {
          resident(id: $id) {
            name { kanji kana }
            address { full }
            birthDate { iso wareki }
            household { id members { name { kanji } } }
            individualNumber
            identityInfo { residentCode name individualNumber }
          }
          foreign: resident(id: $foreign) { name { kanji } foreignResident { residenceCardNumber } }
        }
      `,
      { id: ID, foreign: FIXTURE_FOREIGN_RESIDENT.addressNumber },
    );
    expect(status).toBe(200);
    const resident = body.data!.resident;
    expect(resident.name.kanji).toBe(FIXTURE_FIRST_RESIDENT.name);
    expect(resident.address.full).toBe(FIXTURE_FIRST_RESIDENT.address);
    expect(resident.birthDate.iso).toBe(FIXTURE_FIRST_RESIDENT.birthIso);
    expect(resident.household.id).toBe(FIXTURE_FIRST_RESIDENT.householdNumber);
    expect(resident.individualNumber).toBeNull();
    expect(resident.identityInfo).toBeNull();
    expect(body.data!.foreign).toEqual({ name: { kanji: FIXTURE_FOREIGN_RESIDENT.name }, foreignResident: null });
    expect(unauthorized(body.errors).map((error) => [error.path, error.extensions!['policy']])).toEqual([
      [['resident', 'individualNumber'], 'individual_number'],
      [['resident', 'identityInfo'], 'cs_identity'],
      [['foreign', 'foreignResident'], 'person_register'],
    ]);
    expect(unauthorized(body.errors)[0].extensions!['reason']).toMatch(/not granted to purpose school-enrolment.*not individual-number work/);
    expectNoIndividualNumbers(raw);
    expect(raw).not.toContain(FIXTURE_FOREIGN_RESIDENT.residenceCardNumber);
    // identityInfo lives in juki-cs (its extension of Resident): not one statement there.
    expect(federation.statements['juki-cs']).toEqual([]);
    expect(readsTable(federation.statements.residents, 'KOJIN_BANGO')).toBe(false);
    expect(readsTable(federation.statements.residents, 'GAIKOKUJIN')).toBe(false);
  });

  test('nested paths: residents.edges.node and household.members, every element null, one error each with a count', async () => {
    const { body, raw } = await federation.query<Data>(
      'school-clerk',
      `{ residents(first: 5) { edges { node { id individualNumber household { members { individualNumber } } } } } }`,
    );
    const edges = body.data!.residents.edges;
    expect(edges).toHaveLength(5);
    for (const edge of edges) {
      expect(edge.node.individualNumber).toBeNull();
      for (const member of edge.node.household?.members ?? []) expect(member.individualNumber).toBeNull();
    }
    const errors = unauthorized(body.errors);
    expect(errors.map((error) => [error.path, error.extensions!['occurrences']])).toEqual([
      [['residents', 'edges', 0, 'node', 'individualNumber'], 5],
      [['residents', 'edges', 0, 'node', 'household', 'members', 0, 'individualNumber'], expect.any(Number)],
    ]);
    expectNoIndividualNumbers(raw);
  });

  test('a refused non-null field nulls its nearest nullable ancestor; the rest answers', async () => {
    const { body } = await federation.query<Data>(
      'school-clerk',
      `query($id: ID!) { resident(id: $id) { id movements { sequence } } same: resident(id: $id) { id } }`,
      { id: ID },
    );
    expect(body.data).toEqual({ resident: null, same: { id: ID } });
    expect(unauthorized(body.errors)).toEqual([
      expect.objectContaining({ path: ['resident', 'movements'], extensions: expect.objectContaining({ policy: 'person_register' }) }),
    ]);
  });
});

describe('no oracle: a lookup by individual number', () => {
  const ORACLE = `query Oracle($n: String!) { identityByIndividualNumber(individualNumber: $n) { residentCode name } }`;

  test('control: for registry-clerk the subgraph tells existing, unknown and malformed numbers apart', async () => {
    const existing = await federation.query<Data>('registry-clerk', ORACLE, { n: FIXTURE_FIRST_RESIDENT.individualNumber });
    expect(existing.body.data!.identityByIndividualNumber.residentCode).toBe(FIXTURE_FIRST_RESIDENT.residentCode);
    const unknown = await federation.query<Data>('registry-clerk', ORACLE, { n: UNKNOWN_NUMBER });
    expect(unknown.body).toEqual({ data: { identityByIndividualNumber: null } });
    const malformed = await federation.query<Data>('registry-clerk', ORACLE, { n: BAD_CHECK_DIGIT });
    expect(malformed.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test.each(DENIED_INDIVIDUAL_NUMBERS)('%s: identical answers for an existing, an unknown and a malformed number, and no subgraph is asked', async (persona) => {
    federation.resetStatements();
    const answers = await Promise.all(
      [FIXTURE_FIRST_RESIDENT.individualNumber, UNKNOWN_NUMBER, BAD_CHECK_DIGIT].map((n) => federation.query<Data>(persona, ORACLE, { n })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers[1].raw).toBe(answers[0].raw);
    expect(answers[2].raw).toBe(answers[0].raw);
    expect(answers[0].body.data).toEqual({ identityByIndividualNumber: null });
    expect(answers[0].body.errors).toEqual([
      expect.objectContaining({ path: ['identityByIndividualNumber'], extensions: expect.objectContaining({ code: UNAUTHORIZED_FIELD_CODE }) }),
    ]);
    expect(statementCounts(federation)).toEqual({ residents: 0, 'juki-cs': 0, intermediate: 0, 'card-progress': 0, audit: 0 });
  });
});

describe('introspection', () => {
  const SCHEMA = `{ __schema { queryType { name } types { name } } }`;
  const TYPE = `{ __type(name: "Resident") { name fields { name } } }`;

  test.each(['registry-clerk', 'school-clerk', 'dx-analyst', 'security-officer'])('%s (a role the rules name) may introspect', async (persona) => {
    const schema = await federation.query<Data>(persona, SCHEMA);
    expect(schema.body.errors).toBeUndefined();
    expect(schema.body.data!.__schema.types.map((type: { name: string }) => type.name)).toContain('Resident');
    const type = await federation.query<Data>(persona, TYPE);
    expect(type.body.errors).toBeUndefined();
    expect(type.body.data!.__type.fields.map((field: { name: string }) => field.name)).toContain('individualNumber');
  });

  test('vendor-operator may not: __schema (non-null) makes data null, __type is null, both with the introspection policy', async () => {
    const schema = await federation.query<Data>('vendor-operator', SCHEMA);
    expect(schema.status).toBe(200);
    expect(schema.body.data).toBeNull();
    expect(schema.body.errors).toEqual([
      expect.objectContaining({ path: ['__schema'], extensions: expect.objectContaining({ code: UNAUTHORIZED_FIELD_CODE, policy: 'introspection' }) }),
    ]);
    expect(schema.raw).not.toContain('individualNumber');
    const type = await federation.query<Data>('vendor-operator', `{ __typename __type(name: "Resident") { name fields { name } } }`);
    expect(type.body.data).toEqual({ __typename: 'Query', __type: null });
    expect(type.body.errors).toEqual([expect.objectContaining({ path: ['__type'], extensions: expect.objectContaining({ policy: 'introspection' }) })]);
    expect(type.raw).not.toContain('individualNumber');
  });
});

describe('personas without person-level access', () => {
  test('dx-analyst reads aggregates and no person-level field at all', async () => {
    federation.resetStatements();
    const { body } = await federation.query<Data>('dx-analyst', `query($id: ID!) { populationStatistics { residentTotal } resident(id: $id) { id name { kanji } } }`, { id: ID });
    expect(body.data!.populationStatistics.residentTotal).toBeGreaterThan(0);
    expect(body.data!.resident).toBeNull();
    expect(unauthorized(body.errors)).toEqual([expect.objectContaining({ path: ['resident'], extensions: expect.objectContaining({ policy: 'person_basic' }) })]);
    // The register was asked for statistics only: no person row was read for the refused field.
    expect(federation.statements.residents.some((sql) => /where/i.test(sql) && sql.includes('ATENA_NO'))).toBe(false);
  });

  test.each(['security-officer', 'vendor-operator'])('%s reads no person data', async (persona) => {
    federation.resetStatements();
    const { status, body } = await federation.query<Data>(persona, `query($id: ID!) { resident(id: $id) { id } residents(first: 1) { totalCount } }`, { id: ID });
    expect(status).toBe(200);
    // residents is non-null: its refusal nulls the whole data.
    expect(body.data).toBeNull();
    expect(unauthorized(body.errors).map((error) => error.path)).toEqual([['resident'], ['residents']]);
    expect(statementCounts(federation)).toEqual({ residents: 0, 'juki-cs': 0, intermediate: 0, 'card-progress': 0, audit: 0 });
  });
});

describe('the declared purpose (事務)', () => {
  test('a purpose the department is not registered for: HTTP 400 naming both, nothing read', async () => {
    federation.resetStatements();
    const { status, body } = await federation.query<Data>('school-clerk', `query($id: ID!) { resident(id: $id) { id } }`, { id: ID }, { 'x-purpose': 'resident-registry' });
    expect(status).toBe(400);
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^Department "school-affairs-division" is not registered for purpose "resident-registry"/),
        extensions: { code: 'BAD_REQUEST', reason: 'purpose_not_registered' },
      },
    ]);
    expect(statementCounts(federation)).toEqual({ residents: 0, 'juki-cs': 0, intermediate: 0, 'card-progress': 0, audit: 0 });
  });

  test('an unknown purpose: HTTP 400', async () => {
    const { status, body } = await federation.query<Data>('registry-clerk', `{ __typename }`, undefined, { 'x-purpose': 'curiosity' });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions).toEqual({ code: 'BAD_REQUEST', reason: 'unknown_purpose' });
  });

  test('X-Purpose overrides the token claim: a token declaring another 事務 is refused, the same token with X-Purpose of its own 事務 is answered', async () => {
    const token = await federation.token('tax-clerk', { purpose: 'school-enrolment' });
    const query = `query($id: ID!) { resident(id: $id) { individualNumber } }`;
    const refused = await postGraphQL(federation.gatewayUrl, query, { id: ID }, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(400);
    const answered = await postGraphQL(federation.gatewayUrl, query, { id: ID }, { authorization: `Bearer ${token}`, 'x-purpose': 'local-tax' });
    expect(answered.status).toBe(200);
    expect(answered.body.data!.resident.individualNumber).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
  });

  test('revoked-clerk: HTTP 401, nothing read', async () => {
    federation.resetStatements();
    const { status, body, raw } = await federation.query<Data>('revoked-clerk', `query($id: ID!) { resident(id: $id) { id individualNumber } }`, { id: ID });
    expect(status).toBe(401);
    expect(body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expectNoIndividualNumbers(raw);
    expect(statementCounts(federation)).toEqual({ residents: 0, 'juki-cs': 0, intermediate: 0, 'card-progress': 0, audit: 0 });
  });
});

describe('decisions and plans are cached per (operation, permission profile)', () => {
  test('the same operation by the same profile is decided and planned once; another profile gets its own plan', async () => {
    const query = `query CacheProbe($id: ID!) { resident(id: $id) { id name { kanji } individualNumber } }`;
    const ids = [FIXTURE_FIRST_RESIDENT.addressNumber, FIXTURE_FOREIGN_RESIDENT.addressNumber, fixtures.FIXTURE_CHILD.addressNumber];
    const before = federation.gateway.authorization.stats();
    for (const id of ids) await federation.query<Data>('school-clerk', query, { id });
    const afterSchool = federation.gateway.authorization.stats();
    expect(afterSchool.decisions - before.decisions).toBe(1);
    expect(afterSchool.plansBuilt - before.plansBuilt).toBe(1);
    expect(afterSchool.cacheHits - before.cacheHits).toBe(2);

    // branch-clerk (MFA) and registry-clerk-nomfa: two more profiles, one decision and one plan each.
    for (const persona of ['registry-clerk-nomfa', 'branch-clerk']) for (const id of ids) await federation.query<Data>(persona, query, { id });
    const after = federation.gateway.authorization.stats();
    expect(after.decisions - afterSchool.decisions).toBe(2);
    expect(after.plansBuilt - afterSchool.plansBuilt).toBe(2);
    expect(after.cacheHits - afterSchool.cacheHits).toBe(4);
  });
});

describe('X-Purpose switches the permission profile', () => {
  let switching: Federation;
  beforeAll(async () => {
    // The default rules register each department for one 事務; here the registry division is
    // also registered for statistics (granting it nothing there) to show the switch.
    const dir = tempDir('policy-switch');
    for (const file of fs.readdirSync(DEFAULT_POLICY_DIR)) fs.copyFileSync(path.join(DEFAULT_POLICY_DIR, file), path.join(dir, file));
    const departments = fs.readFileSync(path.join(dir, 'departments.yaml'), 'utf8');
    const registered = departments.replace(/(- id: registry-division\n\s+name: .*\n\s+purposes: )\[resident-registry\]/, '$1[resident-registry, statistics]');
    expect(registered).not.toBe(departments);
    fs.writeFileSync(path.join(dir, 'departments.yaml'), registered);
    switching = await startFederation({ policyDir: dir });
  });
  afterAll(async () => {
    await switching?.stop();
  });

  test('the same token: resident-registry reads the number, statistics is refused the person', async () => {
    const query = `query($id: ID!) { resident(id: $id) { id individualNumber } }`;
    const registry = await switching.query<Data>('registry-clerk', query, { id: ID });
    expect(registry.body.data!.resident.individualNumber).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
    const statistics = await switching.query<Data>('registry-clerk', query, { id: ID }, { 'x-purpose': 'statistics' });
    expect(statistics.status).toBe(200);
    expect(statistics.body.data).toEqual({ resident: null });
    expect(unauthorized(statistics.body.errors)).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ policy: 'person_basic', reason: 'person_basic is not granted to purpose statistics' }) }),
    ]);
    expectNoIndividualNumbers(statistics.raw);
    expect(switching.gateway.authorization.stats().byProfile.size).toBe(2);
  });
});
