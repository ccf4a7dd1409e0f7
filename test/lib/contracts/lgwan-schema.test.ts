import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, getNamedType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, parse, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import { readClassifications } from '../../../lib/authorization/classification';
import { parseContracts, ContractFileError } from '../../../lib/contracts/definitions';
import { cutContract } from '../../../lib/contracts/filter';
import { contractOfSupergraph } from '../../../lib/contracts/files';
import { apiSchemaSize } from '../../../lib/contracts/size';

/**
 * The LGWAN side's schema has no path to an individual number, a 住民票コード (CS identity), a
 * 支援措置 record or the 中間サーバ's data (符号): every field reachable from its roots is checked
 * against the classification the FULL supergraph gives it, not against the contract's own file.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const FULL_CLASSIFICATIONS = readClassifications(parse(read('schema/supergraph.graphql')));
/** The policies whose data must not exist on the LGWAN side. */
const ABSENT_POLICIES = ['individual_number', 'cs_identity', 'support_measure', 'information_linkage'];
/** Argument and input-field names that would let a caller look a person up by such a number. */
const ABSENT_INPUTS = ['individualNumber', 'residentCode', 'integratedAddressNumber'];

interface Finding {
  readonly coordinate: string;
  readonly problem: string;
}

/** Walks every type reachable from Query and Mutation (arguments and input types included). */
function walk(schema: GraphQLSchema): { findings: Finding[]; fields: number } {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const queue: GraphQLNamedType[] = [schema.getQueryType(), schema.getMutationType()].filter((type): type is NonNullable<typeof type> => Boolean(type));
  let fields = 0;
  const enqueue = (type: GraphQLNamedType): void => {
    if (!seen.has(type.name)) {
      seen.add(type.name);
      queue.push(type);
    }
  };
  queue.forEach((type) => seen.add(type.name));
  while (queue.length > 0) {
    const type = queue.shift()!;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        fields += 1;
        const coordinate = `${type.name}.${field.name}`;
        const classification = FULL_CLASSIFICATIONS.get(coordinate);
        if (!classification) findings.push({ coordinate, problem: 'not classified in the full supergraph' });
        const policies = (classification?.policies ?? []).flat();
        for (const policy of policies.filter((name) => ABSENT_POLICIES.includes(name))) findings.push({ coordinate, problem: `classified ${policy}` });
        for (const argument of field.args) {
          if (ABSENT_INPUTS.includes(argument.name)) findings.push({ coordinate: `${coordinate}(${argument.name})`, problem: 'looks a person up by a removed number' });
          enqueue(getNamedType(argument.type));
        }
        enqueue(getNamedType(field.type));
      }
      if (isObjectType(type)) type.getInterfaces().forEach(enqueue);
      if (isInterfaceType(type)) schema.getPossibleTypes(type).forEach(enqueue);
    } else if (isUnionType(type)) type.getTypes().forEach(enqueue);
    else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (ABSENT_INPUTS.includes(field.name)) findings.push({ coordinate: `${type.name}.${field.name}`, problem: 'an input naming a removed number' });
        enqueue(getNamedType(field.type));
      }
    }
  }
  return { findings, fields };
}

describe('the lgwan contract (LGWAN接続系)', () => {
  const lgwan = buildSchema(read('schema/api/lgwan.graphql'));
  const full = buildSchema(read('schema/api/full.graphql'));

  test('no type reachable from its roots has an individual number, a 住民票コード, a support measure or 中間サーバ data', () => {
    const { findings, fields } = walk(lgwan);
    expect(findings).toEqual([]);
    // Every field of the file was walked: nothing unreachable hides in it.
    expect(fields).toBe(apiSchemaSize(read('schema/api/lgwan.graphql')).fields);
  });

  test('the same walk over the full API schema finds them (the check can fail)', () => {
    const problems = new Set(walk(full).findings.map((finding) => finding.coordinate));
    for (const coordinate of ['Resident.individualNumber', 'Resident.residentCode', 'Resident.supportMeasure', 'IdentityInfo.individualNumber', 'Query.identityByIndividualNumber', 'Resident.informationLinkage', 'Query.residentByCode(residentCode)']) {
      expect(problems).toContain(coordinate);
    }
  });

  test('the dashboards, the person basics and the audit trail stay', () => {
    const query = lgwan.getQueryType()!.getFields();
    for (const root of ['populationStatistics', 'cardIssuanceStatistics', 'resident', 'residents', 'household', 'auditRecords', 'personAccessHistory']) expect(query).toHaveProperty(root);
    expect(Object.keys(lgwan.getMutationType()!.getFields())).toEqual(expect.arrayContaining(['issueBulkApproval', 'withdrawBulkApproval']));
    const size = { full: apiSchemaSize(read('schema/api/full.graphql')), lgwan: apiSchemaSize(read('schema/api/lgwan.graphql')) };
    expect(size.lgwan.types).toBeLessThan(size.full.types);
    expect(size.lgwan.fields).toBeLessThan(size.full.fields);
  });

  test('the contract supergraph has no subgraph that holds only removed data, and no removed field for the planner', () => {
    const sdl = read('schema/contracts/lgwan.supergraph.graphql');
    expect(contractOfSupergraph(sdl)).toBe('lgwan');
    expect(contractOfSupergraph(read('schema/supergraph.graphql'))).toBe('full');
    const graphs = /enum join__Graph \{([^}]*)\}/.exec(sdl)![1]!;
    expect(graphs).not.toMatch(/JUKI_CS|INTERMEDIATE/);
    expect(graphs).toMatch(/RESIDENTS/);
    for (const policy of ABSENT_POLICIES) expect(sdl).not.toContain(`"${policy}"`);
    // Not even as an entity key: the CS join by 住民票コード is gone with the CS.
    expect(sdl).not.toMatch(/residentCode/);
  });
});

describe('contract definitions (policy/contracts.yaml)', () => {
  const header = 'version: "1"\nauthor: A\napprovedBy: B\n';

  test("the repository's file is valid", () => {
    expect(parseContracts(read('policy/contracts.yaml')).contracts.map((contract) => contract.name)).toEqual(['lgwan']);
  });

  test.each([
    ['an unknown policy', `${header}contracts:\n  x:\n    description: d\n    segment: s\n    remove:\n      policies: [individual_numbr]\n`, /:9:18: unknown policy "individual_numbr"/],
    ['an unknown classification', `${header}contracts:\n  x:\n    description: d\n    segment: s\n    remove:\n      classifications: [secret]\n`, /:9:25: unknown classification "secret"/],
    ['a contract that removes nothing', `${header}contracts:\n  x:\n    description: d\n    segment: s\n    remove: {}\n`, /removes nothing/],
    ['"full" defined', `${header}contracts:\n  full:\n    description: d\n    segment: s\n    remove:\n      tags: [a]\n`, /"full" is the uncut graph/],
    ['an unknown key', `${header}contracts:\n  x:\n    description: d\n    segment: s\n    remvoe:\n      tags: [a]\n`, /unknown key "remvoe"/],
    ['no second officer', 'version: "1"\nauthor: A\napprovedBy: A\ncontracts: {}\n', /approvedBy must be a second officer/],
  ])('refuses %s, naming file:line:column', (_name, text, message) => {
    let error: unknown;
    try {
      parseContracts(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ContractFileError);
    expect((error as ContractFileError).problems.join('\n')).toMatch(message);
  });

});

describe('cutting a contract out of subgraph SDLs', () => {
  const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@policy", "@tag", "@external", "@requires"])\n';
  const accounts = parse(`${link}
    type Query { person(id: ID!): Person @policy(policies: [["basic"]]) byNumber(number: String!): Person @policy(policies: [["number"]]) find(filter: Filter): [Person!]! @policy(policies: [["basic"]]) }
    type Person @key(fields: "id") @key(fields: "code") { id: ID! @policy(policies: [["basic"]]) code: String! @policy(policies: [["number"]]) number: String @policy(policies: [["number"]]) secret: Secret @policy(policies: [["basic"]]) name: String @tag(name: "public") @policy(policies: [["basic"]]) }
    type Secret { level: Int @policy(policies: [["number"]]) }
    input Filter { name: String secret: SecretInput }
    input SecretInput { level: Int }
    enum Unused { A }`);
  const cards = parse(`${link}
    type Person @key(fields: "code") { code: String! @policy(policies: [["number"]]) card: String @policy(policies: [["number"]]) }`);
  const billing = parse(`${link}
    type Person @key(fields: "id") { id: ID! number: String @external balance: Int @requires(fields: "number") @policy(policies: [["basic"]]) }`);

  test('removes the named fields, then keys, types and subgraphs left dangling', () => {
    const cut = cutContract(
      [
        { name: 'accounts', url: 'http://a', document: accounts },
        { name: 'cards', url: 'http://c', document: cards },
        { name: 'billing', url: 'http://b', document: billing },
      ],
      { policies: ['number'], classifications: [], tags: [] },
      () => undefined,
    );
    expect(cut.removedByRule).toEqual(['Person.card', 'Person.code', 'Person.number', 'Query.byNumber', 'Secret.level']);
    expect(cut.droppedSubgraphs).toEqual(['cards', 'billing']);
    const printed = cut.subgraphs.map((subgraph) => `${subgraph.name}: ${JSON.stringify(subgraph.document.definitions.map((definition) => ('name' in definition ? definition.name?.value : definition.kind)))}`);
    // Secret lost its only field, so Person.secret went too; Unused and SecretInput reach nothing
    // that a client can reach (Filter.secret stays: inputs are not classified, and it is optional).
    expect(printed[0]).toBe('accounts: ["SchemaExtension","Query","Person","Filter","SecretInput"]');
    // billing's balance @requires a removed field: it goes, and billing with it (only its key is left).
    expect(printed).toHaveLength(1);
    const { print } = require('graphql') as typeof import('graphql');
    const text = print(cut.subgraphs[0]!.document);
    expect(text).toContain('@key(fields: "id")');
    expect(text).not.toContain('@key(fields: "code")');
    expect(text).not.toMatch(/byNumber|secret: Secret\s|number: String|code: String/);
  });

  test('by tag', () => {
    const cut = cutContract([{ name: 'accounts', url: 'http://a', document: accounts }], { policies: [], classifications: [], tags: ['public'] }, () => undefined);
    expect(cut.removedByRule).toEqual(['Person.name']);
  });
});
