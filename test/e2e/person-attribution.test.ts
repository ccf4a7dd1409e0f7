import fs from 'node:fs';
import path from 'node:path';
import {
  buildASTSchema,
  getNamedType,
  isCompositeType,
  isLeafType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_SUPPORT_MEASURE } from '../../generator/fixtures';
import { prepareSupergraphForGateway } from '../../gateway/supergraph-security';
import { RESIDENT_PERSON_KEYS } from '../../gateway/authorization';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditRecord } from '../../lib/audit/types';
import { startFederation, type Federation } from '../support/federation';

/**
 * Every person returned is in the trail (issue 10, item 4). Read from the composed API schema
 * (schema/supergraph.graphql): every root Query field whose type reaches the person type
 * (`Resident`) is run through the federation, by a persona allowed to read it, selecting only
 * what is NOT the person object itself (`residents { edges { cursor } }`, a linkage's codes, an
 * identity's items, a household's 世帯番号: the shapes the review found recorded with
 * `personIds: []`); its audit record must name a person. A root field added to the schema and
 * missing from ARGUMENTS (and from NOT_PERSON_DATA) fails the suite.
 */

const SUPERGRAPH = fs.readFileSync(path.join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const PERSON_TYPE = RESIDENT_PERSON_KEYS.type;
const FIRST = FIXTURE_FIRST_RESIDENT;

/** Arguments of each root field that reaches person data: a fixture person it returns. */
const ARGUMENTS: Record<string, string> = {
  resident: `(id: "${FIRST.addressNumber}")`,
  residentByCode: `(residentCode: "${FIRST.residentCode}")`,
  residents: '(first: 3)',
  household: `(id: "${FIRST.householdNumber}")`,
  identityByResidentCode: `(residentCode: "${FIRST.residentCode}")`,
  identityByIndividualNumber: `(individualNumber: "${FIRST.individualNumber}")`,
  searchIdentity: `(criteria: { name: "${FIRST.name}", birthDate: "${FIRST.birthIso}" })`,
  // The review's case: a protected person's linkage was recorded with personIds: [].
  linkageByIntegratedAddressNumber: `(integratedAddressNumber: "${FIXTURE_SUPPORT_MEASURE.integratedAddressNumber}")`,
};

/**
 * Root fields whose type does not reach the person type, with why they need no person in the
 * record (the test checks that these are exactly the fields that do not reach it).
 */
const NOT_PERSON_DATA: Record<string, string> = {
  populationStatistics: 'aggregates only, small cells suppressed (統計分析): no person is returned',
  cardIssuanceStatistics: 'counts of applications, small cells suppressed: no person is returned',
  auditRecords: "the trail itself (security officers): its records name persons as the trail's own data; the reading is recorded",
  personAccessHistory: "the trail itself, for a disclosure request: the person is the filter argument, recorded with the reading",
  auditAnomalyReport: 'findings over the trail (security officers); the reading is recorded',
  auditChainStatus: "the chain's head: counts and a hash",
  bulkApprovals: 'approvals name staff (grantee, approver) and counts, never a resident',
  rulesInForce: 'the access rules (policy files, per field and per profile): no person',
  ruleVersions: 'versions of the access rules: no person',
  ruleVersion: 'a version of the access rules: no person',
  ruleProposals: 'rule proposals name officers and the staff a revocation is for, never a resident',
  ruleProposal: 'a rule proposal: officers and rules, never a resident',
  unconfirmedRevocations: 'revocations name staff, never a resident',
  validateRuleFiles: 'problems of rule files (file:line:column): no person',
  ruleProposalDryRun: 'profiles and field coordinates: no person',
  ruleProposalReplay: 'counts over the trail by user, department and field: persons only counted',
  ruleShadowReport: 'counts of live decisions by user, department and field: persons only counted',
  trustedDocuments: "apps' registered operation texts and what they read (coordinates, policies, profiles), never a resident",
};

/** Who may read what: each field is run by the first of these that gets it answered without errors. */
const PERSONAS = ['registry-clerk', 'mynumber-officer', 'branch-clerk', 'tax-clerk', 'school-clerk'];

function apiSchema(): GraphQLSchema {
  return buildASTSchema(parse(prepareSupergraphForGateway(SUPERGRAPH).plannerSdl), { assumeValidSDL: true });
}

/** Whether a value of `type` can carry a person object (at any depth). */
function reachesPerson(type: GraphQLNamedType, seen = new Set<string>()): boolean {
  if (type.name === PERSON_TYPE) return true;
  if (!isObjectType(type) || seen.has(type.name)) return false;
  seen.add(type.name);
  return Object.values(type.getFields()).some((field) => reachesPerson(getNamedType(field.type), seen));
}

/**
 * Everything of `type` except the person objects themselves: leaves without required arguments,
 * and object fields (not of the person type) two levels down. `__typename` when nothing is left.
 */
function selectionWithoutPerson(type: GraphQLObjectType, depth = 0): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((argument) => isNonNullType(argument.type) && argument.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && named.name !== PERSON_TYPE && depth < 2) {
      const inner = selectionWithoutPerson(named, depth + 1);
      if (inner !== '__typename') parts.push(`${field.name} { ${inner} }`);
    }
  }
  return parts.length > 0 ? parts.join(' ') : '__typename';
}

const schema = apiSchema();
const queryType = schema.getQueryType()!;
const rootFields = Object.values(queryType.getFields()).filter((field) => !field.name.startsWith('_'));
const personFields = rootFields.filter((field) => reachesPerson(getNamedType(field.type)));

test('the API schema: every root field either reaches person data and has a case below, or is listed, with a reason, as not person data', () => {
  expect(personFields.length).toBeGreaterThanOrEqual(8);
  expect(personFields.map((field) => field.name).sort()).toEqual(Object.keys(ARGUMENTS).sort());
  expect(rootFields.filter((field) => !reachesPerson(getNamedType(field.type))).map((field) => field.name).sort()).toEqual(Object.keys(NOT_PERSON_DATA).sort());
});

describe('every root field that returns person data names its persons in the audit record', () => {
  let federation: Federation;
  let store: AuditStore;

  beforeAll(async () => {
    federation = await startFederation();
    store = await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await federation?.stop();
  });

  async function recordOf(requestId: string): Promise<AuditRecord | undefined> {
    for (let after: string | null = null; ; ) {
      const page = await store.query({}, { first: 1000, after });
      const found = page.records.find((record) => record.requestId === requestId);
      if (found || !page.hasNextPage) return found;
      after = page.endCursor;
    }
  }

  test.each(personFields.map((field) => [field.name]))('%s', async (name) => {
    const field = queryType.getFields()[name];
    const named = getNamedType(field.type);
    expect(isCompositeType(named)).toBe(true);
    const query = `{ ${name}${ARGUMENTS[name] ?? ''} { ${selectionWithoutPerson(named as GraphQLObjectType)} } }`;
    for (const persona of PERSONAS) {
      const result = await federation.query(persona, query);
      if (result.status !== 200 || result.body.errors || !result.body.data?.[name]) continue;
      const record = await recordOf(result.response.headers.get('x-request-id')!);
      expect(record).toBeDefined();
      // The person(s) the answer carries, never none.
      expect(record!.personIds.length).toBeGreaterThan(0);
      return;
    }
    throw new Error(`no persona got ${name} answered: ${query}`);
  }, 60_000);
});
