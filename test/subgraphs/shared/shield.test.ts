import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_FOREIGN_RESIDENT } from '../../../generator/fixtures';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../../lib/subgraphs';
import { loadPolicy } from '../../../lib/policy/load';
import { resolveProfile } from '../../../lib/authorization/profile';
import { buildSubgraphExecutableSchema, loadSubgraphTypeDefs } from '../../../subgraphs/shared/server';
import { applySubgraphShield, identityOnlyFields, unguardedFields } from '../../../subgraphs/shared/shield';
import { principalOf, type SubgraphAuth } from '../../../subgraphs/shared/identity';
import type { GraphQLResult } from '../../support/graphql';
import { SUBGRAPH_MODULES, startFederation, type Federation } from '../../support/federation';
import { personaClaims, postToSubgraph } from '../../support/gateway-identity';

/**
 * The second line: graphql-shield in each subgraph, generated from the subgraph's own SDL
 * classifications and the same rules as the gateway. A validly signed caller still gets nothing
 * the rules do not grant, whichever way it asks (root field, `_entities`), sent straight to the
 * subgraph: FORBIDDEN per field, no stack, never INTERNAL_SERVER_ERROR.
 */

let federation: Federation;

beforeAll(async () => {
  federation = await startFederation();
}, 120_000);

afterAll(async () => {
  await federation?.stop();
});

async function direct(subgraph: SubgraphName, persona: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult> {
  return postToSubgraph(federation.subgraphs[subgraph], query, variables, persona, { keysPath: federation.identityKeysPath });
}

function expectNoLeakOfInternals(result: GraphQLResult): void {
  expect(result.raw).not.toMatch(/INTERNAL_SERVER_ERROR|stacktrace|exception|at .*\.ts:\d+/);
}

const residentEntities = (id: string) => ({ r: [{ __typename: 'Resident', id }] });
const ENTITIES = (fields: string) => `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { ${fields} } } }`;

describe('the shield refuses what the rules do not grant, sent straight to a subgraph', () => {
  test('school-clerk: individualNumber (gateway would remove it) is FORBIDDEN by the residents subgraph; the rest answers', async () => {
    const result = await direct('residents', 'school-clerk', `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id name { kanji } individualNumber } }`);
    expect(result.status).toBe(200);
    expect(result.body.data?.resident).toEqual({ id: FIXTURE_FIRST_RESIDENT.addressNumber, name: { kanji: FIXTURE_FIRST_RESIDENT.name }, individualNumber: null });
    expect(result.body.errors).toEqual([
      {
        message: expect.stringMatching(/^Forbidden: Resident\.individualNumber: it requires individual_number/),
        path: ['resident', 'individualNumber'],
        locations: expect.any(Array),
        extensions: { code: 'FORBIDDEN', policy: 'individual_number', reason: expect.any(String) },
      },
    ]);
    expect(result.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    expectNoLeakOfInternals(result);
  });

  test('the _entities path is guarded field by field (the entry point is allowed, the fields are not)', async () => {
    const result = await direct('residents', 'school-clerk', ENTITIES('id name { kanji } individualNumber foreignResident { residenceCardNumber }'), residentEntities(FIXTURE_FIRST_RESIDENT.addressNumber));
    expect(result.body.data?._entities).toEqual([{ id: FIXTURE_FIRST_RESIDENT.addressNumber, name: { kanji: FIXTURE_FIRST_RESIDENT.name }, individualNumber: null, foreignResident: null }]);
    expect(result.body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.policy])).toEqual([
      [['_entities', 0, 'individualNumber'], 'FORBIDDEN', 'individual_number'],
      [['_entities', 0, 'foreignResident'], 'FORBIDDEN', 'person_register'],
    ]);
    expect(result.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    expectNoLeakOfInternals(result);
  });

  test('school-clerk asking juki-cs for identityInfo through _entities: FORBIDDEN, no CS data, the CS database is not read', async () => {
    federation.resetStatements();
    const result = await direct(
      'juki-cs',
      'school-clerk',
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { identityInfo { name individualNumber address } } } }',
      { r: [{ __typename: 'Resident', residentCode: FIXTURE_FIRST_RESIDENT.residentCode }] },
    );
    expect(result.body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.policy])).toEqual([
      [['_entities', 0, 'identityInfo'], 'FORBIDDEN', 'cs_identity'],
    ]);
    expect(result.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    // __resolveReference reads the identity row (the entity must exist); the identity fields are never resolved.
    expect(federation.statements['juki-cs'].join('\n')).not.toContain('CS_KOJIN_BANGO');
  });

  test('registry-clerk without MFA: the individual number is refused with the reason (requires MFA), the register answers', async () => {
    const result = await direct('residents', 'registry-clerk-nomfa', ENTITIES('id previousAddress individualNumber'), residentEntities(FIXTURE_FIRST_RESIDENT.addressNumber));
    expect(result.body.data?._entities[0].id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors![0]).toMatchObject({ path: ['_entities', 0, 'individualNumber'], extensions: { code: 'FORBIDDEN', policy: 'individual_number', reason: expect.stringMatching(/MFA/) } });
  });

  test('an oracle through the subgraph: a persona without individual_number learns nothing from identityByIndividualNumber', async () => {
    const asks = async (number: string) => direct('juki-cs', 'school-clerk', `{ identityByIndividualNumber(individualNumber: "${number}") { residentCode } }`);
    const existing = await asks(FIXTURE_FIRST_RESIDENT.individualNumber);
    const missing = await asks('314159265352');
    const badCheckDigit = await asks('123456789012');
    for (const result of [existing, missing, badCheckDigit]) {
      expect(result.body).toEqual({
        data: { identityByIndividualNumber: null },
        errors: [expect.objectContaining({ path: ['identityByIndividualNumber'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })],
      });
    }
    expect(existing.raw.replace(/"line":\d+,"column":\d+/g, '')).toBe(missing.raw.replace(/"line":\d+,"column":\d+/g, ''));
  });

  test('vendor-operator: federation entry points answer, every data field is FORBIDDEN', async () => {
    const service = await direct('residents', 'vendor-operator', '{ _service { sdl } }');
    expect(service.body.errors).toBeUndefined();
    expect(service.body.data?._service.sdl).toContain('type Resident');
    const person = await direct('residents', 'vendor-operator', `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id } household(id: "${FIXTURE_FIRST_RESIDENT.householdNumber}") { id } }`);
    expect(person.body.data).toEqual({ resident: null, household: null });
    expect(person.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    // populationStatistics is non-null in the SDL: refusing it nulls the whole answer, as GraphQL requires.
    const statistics = await direct('residents', 'vendor-operator', '{ populationStatistics { residentTotal } }');
    expect(statistics.body).toEqual({ data: null, errors: [expect.objectContaining({ path: ['populationStatistics'], extensions: expect.objectContaining({ code: 'FORBIDDEN', policy: 'statistics' }) })] });
    expectNoLeakOfInternals(person);
  });

  test('dx-analyst: aggregates, and no person-level field', async () => {
    const stats = await direct('card-progress', 'dx-analyst', '{ cardIssuanceStatistics { asOf byStatus { key count suppressed } } }');
    expect(stats.body.errors).toBeUndefined();
    const person = await direct('card-progress', 'dx-analyst', ENTITIES('id myNumberCard { status }'), residentEntities(FIXTURE_FIRST_RESIDENT.addressNumber));
    expect(person.body.errors?.map((error) => [error.path, error.extensions?.policy]).sort()).toEqual([
      [['_entities', 0, 'id'], 'person_basic'],
      [['_entities', 0, 'myNumberCard'], 'card_progress'],
    ]);
  });

  test('foreign_resident_card: tax-clerk reads the register entries but not the residence card number', async () => {
    const result = await direct('residents', 'tax-clerk', `{ resident(id: "${FIXTURE_FOREIGN_RESIDENT.addressNumber}") { foreignResident { nationality residenceCardNumber } } }`);
    expect(result.body.data?.resident.foreignResident).toEqual({ nationality: expect.any(String), residenceCardNumber: null });
    expect(result.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'foreign_resident_card' });
    expect(result.raw).not.toContain(FIXTURE_FOREIGN_RESIDENT.residenceCardNumber);
  });

  test("a resolver's own error is not turned into FORBIDDEN (the rule allowed; the argument is wrong)", async () => {
    const result = await direct('juki-cs', 'registry-clerk', '{ identityByIndividualNumber(individualNumber: "123456789012") { residentCode } }');
    expect(result.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.raw).not.toContain('123456789012');
  });
});

describe('the rule tree', () => {
  test.each(SUBGRAPH_NAMES)('%s: every field has a rule (classified, or a federation entry point); nothing is left to the fallback', (name) => {
    const schema = buildSubgraphExecutableSchema(SUBGRAPH_MODULES[name], { shield: false });
    expect(unguardedFields(schema, loadSubgraphTypeDefs(name))).toEqual([]);
  });

  test('the middleware is left off @authenticated-only value fields, never off a root, an entity or a policy field', () => {
    const schema = buildSubgraphExecutableSchema(SUBGRAPH_MODULES.residents, { shield: false });
    const skipped = identityOnlyFields(schema, loadSubgraphTypeDefs('residents'));
    expect(skipped).toEqual(expect.arrayContaining(['Address.full', 'LegacyDate.iso', 'PersonName.kanji', 'Movement.addressBefore']));
    expect(skipped.filter((coordinate) => /^(Query|Resident|Household)\./.test(coordinate))).toEqual([]);
    for (const name of SUBGRAPH_NAMES) {
      const typeDefs = loadSubgraphTypeDefs(name);
      const entityTypes = /type (\w+) @key/g;
      const entities = [...typeDefs.loc!.source.body.matchAll(entityTypes)].map((match) => match[1]);
      const fields = identityOnlyFields(buildSubgraphExecutableSchema(SUBGRAPH_MODULES[name], { shield: false }), typeDefs);
      expect(fields.filter((coordinate) => ['Query', ...entities].includes(coordinate.split('.')[0]))).toEqual([]);
    }
  });

  test('an unclassified field falls back to deny, and a rule that throws fails closed (FORBIDDEN, not an internal error)', async () => {
    const typeDefs = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@policy", "@authenticated"])
      type Query { classified: String @policy(policies: [["person_basic"]]) open: String @authenticated unclassified: String }
    `);
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: { Query: { classified: () => 'c', open: () => 'o', unclassified: () => 'u' } } }]);
    const shielded = applySubgraphShield(schema, typeDefs);
    const rules = loadPolicy();
    const resolved = resolveProfile(rules, principalOf({ ...personaClaims('registry-clerk'), tokenId: 't', issuedAt: new Date(), expiresAt: new Date() }));
    if (!resolved.ok) throw new Error('registry-clerk has no profile');
    const auth = { profile: resolved.profile } as SubgraphAuth;

    const allowed = await graphql({ schema: shielded, source: '{ classified open unclassified }', contextValue: { auth } });
    expect(allowed.data).toEqual({ classified: 'c', open: 'o', unclassified: null });
    expect(allowed.errors?.map((error) => [error.path, error.extensions.code, error.message])).toEqual([
      [['unclassified'], 'FORBIDDEN', 'Forbidden: Query.unclassified: no rule allows it'],
    ]);

    // A profile object that makes the rule itself throw: the field is refused, nothing leaks.
    const broken = { profile: { get granted() { throw new Error('boom'); } } } as unknown as SubgraphAuth;
    const failed = await graphql({ schema: shielded, source: '{ classified }', contextValue: { auth: broken } });
    expect(failed.data).toEqual({ classified: null });
    expect(failed.errors?.map((error) => [error.extensions.code, error.message])).toEqual([['FORBIDDEN', 'Forbidden: Query.classified: no rule allows it']]);

    const anonymous = await graphql({ schema: shielded, source: '{ open }', contextValue: {} });
    expect(anonymous.errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
  });
});
