import fs from 'node:fs';
import path from 'node:path';
import {
  buildASTSchema,
  getNamedType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { prepareSupergraphForGateway } from '../../gateway/supergraph-security';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_FOREIGN_RESIDENT, FIXTURE_MOVED_OUT, FIXTURE_SPECIAL_PERMANENT } from '../../generator/fixtures';
import { PERSONA_IDS } from '../../gateway/auth/personas';
import { UNAUTHORIZED_FIELD_CODE } from '../../lib/authorization/types';
import { EXPECTED_GRANTS } from '../support/expected-grants';
import { startFederation, type Federation } from '../support/federation';

/**
 * The whole matrix: every classified field of the supergraph × every persona, through the real
 * gateway and subgraphs. The expected grants (test/support/expected-grants.ts) are written out
 * independently of policy/*.yaml, so a wrong rule fails this test; the field → policy mapping is read from the
 * supergraph (the classification itself is pinned separately, field by field, for the fields
 * that matter most, at the bottom).
 */


const SUPERGRAPH = fs.readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const prepared = prepareSupergraphForGateway(SUPERGRAPH);
const classifications = prepared.classifications;

/** An API schema good enough to walk fields and types (the planner's SDL without join internals is not needed). */
function apiSchema(): GraphQLSchema {
  return buildASTSchema(parse(prepared.plannerSdl), { assumeValidSDL: true });
}

/** `persona` null: a caller allowed everything (to check that the roots reach every field). */
function allowedFor(persona: string | null, coordinate: string): boolean {
  if (persona === null) return true;
  const classification = classifications.get(coordinate);
  if (!classification) return false;
  const grants = new Set(EXPECTED_GRANTS[persona as keyof typeof EXPECTED_GRANTS]);
  if (!classification.policies) return true; // @authenticated only
  return classification.policies.some((all) => all.every((policy) => grants.has(policy)));
}

const NO_PROPOSAL = '00000000-0000-0000-0000-000000000000';

/** The root entries that reach every type, with arguments that hit real synthetic persons. */
const ROOTS: { field: string; args: string }[] = [
  { field: 'resident', args: `(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}")` },
  { field: 'resident', args: `(id: "${FIXTURE_FOREIGN_RESIDENT.addressNumber}")` },
  { field: 'resident', args: `(id: "${FIXTURE_SPECIAL_PERMANENT.addressNumber}")` },
  { field: 'resident', args: `(id: "${FIXTURE_MOVED_OUT.addressNumber}")` },
  { field: 'residentByCode', args: `(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}")` },
  { field: 'residents', args: '(first: 2)' },
  { field: 'household', args: `(id: "${FIXTURE_FIRST_RESIDENT.householdNumber}")` },
  { field: 'populationStatistics', args: '' },
  { field: 'identityByResidentCode', args: `(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}")` },
  { field: 'identityByIndividualNumber', args: `(individualNumber: "${FIXTURE_FIRST_RESIDENT.individualNumber}")` },
  { field: 'searchIdentity', args: `(criteria: { nameKana: "ﾔﾏﾀﾞ", sex: MALE }, first: 2)` },
  { field: 'linkageByIntegratedAddressNumber', args: '(integratedAddressNumber: "131121000000001")' },
  { field: 'cardIssuanceStatistics', args: '' },
  { field: 'auditRecords', args: '(first: 5)' },
  { field: 'personAccessHistory', args: `(personId: "${FIXTURE_FIRST_RESIDENT.addressNumber}", first: 5)` },
  { field: 'auditAnomalyReport', args: '(from: "2026-11-01", to: "2026-11-30")' },
  { field: 'auditChainStatus', args: '' },
  { field: 'bulkApprovals', args: '(first: 5)' },
  // Rule versions (issue 12). This suite runs the folder mode: the store's lists are empty, a
  // proposal is unknown, and the dry runs answer POLICY_STORE_DISABLED (see below).
  { field: 'rulesInForce', args: '' },
  { field: 'ruleVersions', args: '(first: 5)' },
  { field: 'ruleVersion', args: `(id: "${'0'.repeat(64)}")` },
  { field: 'ruleProposals', args: '(first: 5)' },
  { field: 'ruleProposal', args: `(id: "${NO_PROPOSAL}")` },
  { field: 'unconfirmedRevocations', args: '' },
  { field: 'validateRuleFiles', args: '(files: [{ name: "roles.yaml", content: "version: [" }])' },
  { field: 'ruleProposalDryRun', args: `(id: "${NO_PROPOSAL}")` },
  { field: 'ruleProposalReplay', args: `(id: "${NO_PROPOSAL}", from: "2026-11-01", to: "2026-11-30")` },
  { field: 'ruleShadowReport', args: `(id: "${NO_PROPOSAL}")` },
  { field: 'trustedDocuments', args: '(first: 5)' },
];

interface Selection {
  query: string;
  /** Normalised response paths (no list indices) of the fields the gateway must refuse. */
  expectedDenied: Set<string>;
  /** Every coordinate this selection asks for. */
  coordinates: Set<string>;
}

/**
 * Selects every field under a root field, recursing into object types not already on the path,
 * and records which paths the persona must be refused (the first denied field on each path:
 * what lies under a removed field is never asked for).
 */
function selectEverything(schema: GraphQLSchema, persona: string | null, root: { field: string; args: string }): Selection {
  const expectedDenied = new Set<string>();
  const coordinates = new Set<string>();
  const queryType = schema.getQueryType()!;
  const visit = (type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, responsePath: string[], seen: Set<string>): string => {
    const coordinate = `${type.name}.${field.name}`;
    coordinates.add(coordinate);
    const pathHere = [...responsePath, field.name];
    const named = getNamedType(field.type);
    if (!allowedFor(persona, coordinate)) {
      expectedDenied.add(pathHere.join('.'));
      // Asked for and refused: what lies below it is never asked.
      return isObjectType(named) ? `${field.name} { __typename }` : field.name;
    }
    if (!isObjectType(named)) return field.name;
    if (seen.has(named.name)) return `${field.name} { __typename }`;
    const inner = Object.values(named.getFields())
      .filter((child) => child.args.every((arg) => arg.defaultValue !== undefined || !String(arg.type).endsWith('!')))
      .map((child) => visit(named, child, pathHere, new Set([...seen, named.name])))
      .join(' ');
    return `${field.name} { ${inner} }`;
  };
  const rootField = queryType.getFields()[root.field];
  const selection = visit(queryType, rootField, [], new Set(['Query']));
  return { query: `{ ${selection.replace(root.field, `${root.field}${root.args}`)} }`, expectedDenied, coordinates };
}

/**
 * Whether the response holds at least one object at a (list-index-free) path: a refusal is
 * reported where the refused field occurs, so a field under a null parent (a Japanese
 * resident's foreignResident) or an empty list occurs nowhere and is not reported.
 */
function occurs(data: unknown, segments: readonly string[]): boolean {
  if (Array.isArray(data)) return data.some((item) => occurs(item, segments));
  if (data === null || data === undefined || typeof data !== 'object') return false;
  if (segments.length === 0) return true;
  return occurs((data as Record<string, unknown>)[segments[0]], segments.slice(1));
}

function normalise(pathSegments: readonly (string | number)[]): string {
  return pathSegments.filter((segment) => typeof segment === 'string' && segment !== '@').join('.');
}

describe('every classified field × every persona', () => {
  let federation: Federation;
  const schema = apiSchema();
  beforeAll(async () => {
    federation = await startFederation();
  });
  afterAll(async () => {
    await federation?.stop();
  });

  test('the roots reach every classified field of the supergraph', () => {
    const reached = new Set<string>();
    for (const root of ROOTS) for (const coordinate of selectEverything(schema, null, root).coordinates) reached.add(coordinate);
    // Mutations (issuing and withdrawing bulk-output approvals) are called, per persona, in
    // test/e2e/bulk-output.test.ts; their classification is pinned below.
    const unreached = [...classifications.keys()].filter((c) => !reached.has(c) && !c.startsWith('Query.__') && !c.startsWith('Mutation.'));
    expect(unreached).toEqual([]);
  });

  describe.each(Object.keys(EXPECTED_GRANTS))('%s', (persona) => {
    test.each(ROOTS.map((root) => [`${root.field}${root.args}`, root] as const))('%s: refused exactly where expected', async (_label, root) => {
      const { query, expectedDenied } = selectEverything(schema, persona, root);
      const { status, body } = await federation.query(persona, query);
      expect(status).toBe(200);
      const refused = new Set(
        (body.errors ?? []).filter((e) => e.extensions?.code === UNAUTHORIZED_FIELD_CODE).map((e) => normalise(e.path ?? [])),
      );
      // Every refusal was expected …
      expect([...refused].filter((path) => !expectedDenied.has(path))).toEqual([]);
      // … and every expected refusal that occurs in the answer was made (a refused non-null field
      // nulls its parent, so a refusal at the root is always made).
      const occurring = [...expectedDenied].filter((denied) => {
        const parent = denied.split('.').slice(0, -1);
        return parent.length === 0 || occurs(body.data, parent);
      });
      expect(occurring.filter((path) => !refused.has(path))).toEqual([]);
      // Nothing else went wrong (row-level refusals have their own code and are tested elsewhere).
      // POLICY_STORE_DISABLED: the dry runs need the version store, which this suite does not run
      // (they are answered on it in test/rule-versions/two-officers.test.ts); a persona without
      // audit_trail is refused before that, which the lines above check.
      const otherErrors = (body.errors ?? []).filter((e) => ![UNAUTHORIZED_FIELD_CODE, 'SUPPORT_MEASURE_RESTRICTED', 'POLICY_STORE_DISABLED'].includes(String(e.extensions?.code)));
      expect(otherErrors).toEqual([]);
    });
  });

  test('every persona of ARCHITECTURE.md is in the matrix (revoked-clerk: 401, tested with revocation)', () => {
    expect([...Object.keys(EXPECTED_GRANTS), 'revoked-clerk'].sort()).toEqual([...PERSONA_IDS].sort());
  });
});

/** The classifications that carry the assessment's promises, pinned field by field. */
describe('the sensitive fields are classified as the assessment requires', () => {
  test.each([
    ['Resident.individualNumber', [['individual_number']]],
    ['IdentityInfo.individualNumber', [['cs_identity', 'individual_number']]],
    ['Query.identityByIndividualNumber', [['individual_number', 'cs_identity']]],
    ['ForeignResident.residenceCardNumber', [['foreign_resident_card']]],
    ['ForeignResident.specialPermanentResidentCertificateNumber', [['foreign_resident_card']]],
    ['Resident.identityInfo', [['cs_identity']]],
    ['Resident.supportMeasure', [['support_measure']]],
    ['Resident.informationLinkage', [['information_linkage']]],
    ['Resident.myNumberCard', [['card_progress']]],
    ['Query.populationStatistics', [['statistics']]],
    ['Query.cardIssuanceStatistics', [['statistics']]],
    ['Resident.name', [['person_basic']]],
    // 住民票コード is 本人確認情報 (issue 10): refused to departments without CS identity.
    ['Resident.residentCode', [['cs_identity']]],
    ['Query.residentByCode', [['cs_identity']]],
    ['Query.residents', [['person_basic']]],
    ['Query.auditRecords', [['audit_trail']]],
    ['Query.personAccessHistory', [['audit_trail']]],
    ['Query.auditAnomalyReport', [['audit_trail']]],
    ['Query.auditChainStatus', [['audit_trail']]],
    ['AuditRecord.personIds', [['audit_trail']]],
    ['Mutation.issueBulkApproval', [['bulk_approval']]],
    ['Mutation.withdrawBulkApproval', [['bulk_approval']]],
    ['Query.bulkApprovals', [['audit_trail'], ['bulk_approval']]],
    ['Query.trustedDocuments', [['audit_trail']]],
    ['Mutation.approveTrustedDocument', [['audit_trail']]],
    ['Mutation.rejectTrustedDocument', [['audit_trail']]],
  ])('%s', (coordinate, policies) => {
    const sortInner = (p: string[][]) => p.map((all) => [...all].sort());
    expect(sortInner(classifications.get(coordinate)?.policies ?? [])).toEqual(sortInner(policies as string[][]));
  });
});
