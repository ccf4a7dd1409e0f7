import fs from 'node:fs';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from '@apollo/federation-internals';
import { isObjectType, parse } from 'graphql';
import { readClassifications } from '../../lib/authorization/classification';
import { createGateway, type Gateway } from '../../gateway/server';
import { createSupergraphSource, type SupergraphSdlHookOptions } from '../../gateway/supergraph-source';
import {
  ENFORCED_SECURITY_FEATURES,
  PLANNER_SUPPORTED_FEATURES,
  prepareSupergraphForGateway,
  UnsupportedSupergraphFeatureError,
} from '../../gateway/supergraph-security';
import { composeSupergraph, writeSupergraphFile } from '../../scripts/compose';
import { silentLogger, tempDir, testConfig, waitFor } from './helpers';

const composed = composeSupergraph();
if (!composed.ok) throw new Error(composed.errors.map((error) => error.message).join('\n'));
const SUPERGRAPH = composed.supergraphSdl;

/** A supergraph with one more `@link` on its schema definition. */
const withLink = (link: string): string => SUPERGRAPH.replace('  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)\n', (join) => `${join}  ${link}\n`);

async function loadInApolloGateway(sdl: string) {
  const gateway = new ApolloGateway({ supergraphSdl: sdl, logger: silentLogger() });
  try {
    return await gateway.load();
  } finally {
    await gateway.stop().catch(() => undefined);
  }
}

describe('prepareSupergraphForGateway', () => {
  it('reads the classifications and strips the security features of the real supergraph', () => {
    const prepared = prepareSupergraphForGateway(SUPERGRAPH);
    expect(prepared.features).toEqual(['https://specs.apollo.dev/authenticated/v0.1', 'https://specs.apollo.dev/policy/v0.1']);
    expect(prepared.classifications).toEqual(readClassifications(parse(SUPERGRAPH)));
    expect(prepared.classifications.get('Resident.individualNumber')?.policies).toEqual([['individual_number']]);

    expect(prepared.plannerSdl).not.toMatch(/@policy|@authenticated|@requiresScopes|policy__|requiresScopes__|for: SECURITY/);
    expect(prepared.plannerSdl).toContain('@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)');
    // Nothing but the security features went: same types, fields and join metadata.
    const strip = (sdl: string) => sdl.replace(/ @(policy|authenticated)(\([^)]*\))?/g, '');
    const kept = parse(prepared.plannerSdl).definitions.length;
    const before = parse(SUPERGRAPH).definitions.length;
    expect(before - kept).toBe(3); // directive @authenticated, directive @policy, scalar policy__Policy
    expect(strip(prepared.plannerSdl)).toContain('individualNumber: String @join__field(graph: RESIDENTS)');
  });

  it('gives @apollo/gateway a supergraph it accepts, where the raw one is refused', async () => {
    await expect(loadInApolloGateway(SUPERGRAPH)).rejects.toThrow(/feature https:\/\/specs.apollo.dev\/(authenticated|policy)\/v0.1 is for: SECURITY but is unsupported/);

    const { plannerSdl, classifications } = prepareSupergraphForGateway(SUPERGRAPH);
    const { schema } = await loadInApolloGateway(plannerSdl);
    // Every field of the API schema the gateway serves has a classification, and vice versa.
    const apiFields: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || type.name.startsWith('_')) continue;
      for (const field of Object.keys(type.getFields())) if (!field.startsWith('_')) apiFields.push(`${type.name}.${field}`);
    }
    expect(apiFields.sort()).toEqual([...classifications.keys()].sort());
  });

  it('passes a supergraph without security features through unchanged', () => {
    const plain = 'schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) { query: Query }\ntype Query { a: Int }\n';
    expect(prepareSupergraphForGateway(plain)).toEqual({ plannerSdl: plain, classifications: new Map(), features: [] });
  });

  it('refuses a security feature it does not enforce', () => {
    const sdl = withLink('@link(url: "https://specs.apollo.dev/dataResidency/v0.1", for: SECURITY)');
    expect(() => prepareSupergraphForGateway(sdl)).toThrow(UnsupportedSupergraphFeatureError);
    expect(() => prepareSupergraphForGateway(sdl)).toThrow(
      'The supergraph uses security features this gateway does not enforce, so it refuses it:\n  - https://specs.apollo.dev/dataResidency/v0.1 (for: SECURITY) is not enforced by this gateway',
    );
  });

  it('refuses an execution feature neither it nor the planner supports, and another version of a security feature', () => {
    expect(() => prepareSupergraphForGateway(withLink('@link(url: "https://example.org/rateLimit/v1.0", for: EXECUTION)'))).toThrow(
      /https:\/\/example.org\/rateLimit\/v1.0 \(for: EXECUTION\) is not enforced/,
    );
    expect(() => prepareSupergraphForGateway(withLink('@link(url: "https://specs.apollo.dev/policy/v0.2", for: SECURITY)'))).toThrow(
      /policy\/v0.2: unknown version of a security feature/,
    );
    // A feature with no purpose is not the gateway's business (the planner ignores it).
    expect(() => prepareSupergraphForGateway(withLink('@link(url: "https://example.org/docs/v1.0")'))).not.toThrow();
  });

  it('refuses a security directive on a type, which the field walk would not enforce', () => {
    const sdl = SUPERGRAPH.replace(/type PageInfo\n/, 'type PageInfo @policy(policies: [["statistics"]])\n');
    expect(sdl).not.toBe(SUPERGRAPH);
    expect(() => prepareSupergraphForGateway(sdl)).toThrow(/@policy on type PageInfo: the gateway enforces field classifications only/);
  });

  it('strips directives renamed by the link (as:) and requiresScopes with its scalar', async () => {
    const sdl = `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/policy/v0.1", as: "rule", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
{ query: Query }
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @rule(policies: [[rule__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
input join__ContextArgument { name: String! type: String! context: String! selection: join__FieldValue! }
scalar join__FieldSet
scalar join__FieldValue
scalar link__Import
scalar rule__Policy
scalar requiresScopes__Scope
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph { A @join__graph(name: "a", url: "http://127.0.0.1:4999/graphql") }
type Query @join__type(graph: A) {
  a: String @rule(policies: [["person_basic"]])
  b: String @requiresScopes(scopes: [["read:b"]])
}
`;
    const prepared = prepareSupergraphForGateway(sdl);
    expect(prepared.features).toEqual(['https://specs.apollo.dev/policy/v0.1', 'https://specs.apollo.dev/requiresScopes/v0.1']);
    expect(prepared.classifications.get('Query.a')?.policies).toEqual([['person_basic']]);
    expect(prepared.classifications.get('Query.b')?.scopes).toEqual([['read:b']]);
    expect(prepared.plannerSdl).not.toMatch(/@rule|rule__|@requiresScopes|requiresScopes__|SECURITY\)/);
    const { schema } = await loadInApolloGateway(prepared.plannerSdl);
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {})).toEqual(['a', 'b']);
  });

  it('lists what it enforces, and agrees with @apollo/gateway about what the planner supports', () => {
    expect(ENFORCED_SECURITY_FEATURES).toEqual([
      'https://specs.apollo.dev/authenticated/v0.1',
      'https://specs.apollo.dev/requiresScopes/v0.1',
      'https://specs.apollo.dev/policy/v0.1',
    ]);
    expect([...PLANNER_SUPPORTED_FEATURES].sort()).toEqual([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES].sort());
  });
});

describe('the gateway on the prepared supergraph', () => {
  let dir: string;
  let file: string;
  let gateway: Gateway | undefined;

  const create = () =>
    createGateway({
      config: testConfig({ SUPERGRAPH_PATH: file, AUTH_DEV_KEYS_PATH: path.join(dir, 'dev-keys.json') }),
      logger: silentLogger(),
      supergraphDebounceMs: 20,
    });

  beforeEach(() => {
    dir = tempDir('supergraph-security');
    file = path.join(dir, 'supergraph.graphql');
  });

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('starts on the real supergraph and exposes the classifications in force, switching them on reload', async () => {
    writeSupergraphFile(file, SUPERGRAPH);
    gateway = await create();
    const first = gateway.supergraph.classifications();
    expect(first.get('Resident.individualNumber')?.policies).toEqual([['individual_number']]);
    expect(first.get('Query.identityByIndividualNumber')?.policies).toEqual([['individual_number', 'cs_identity']]);

    // A rule-only change: the planner's SDL is the same, the classifications are not.
    const reclassified = SUPERGRAPH.replace(
      'previousAddress: String @join__field(graph: RESIDENTS) @policy(policies: [["person_register"]])',
      'previousAddress: String @join__field(graph: RESIDENTS) @policy(policies: [["person_register", "support_measure"]])',
    );
    expect(reclassified).not.toBe(SUPERGRAPH);
    writeSupergraphFile(file, reclassified);
    await waitFor(() => gateway?.supergraph.classifications() !== first, 5000, 'reload');
    expect(gateway.supergraph.classifications().get('Resident.previousAddress')?.policies).toEqual([['person_register', 'support_measure']]);

    // A supergraph with a security feature nobody enforces is refused; the classifications stay.
    const current = gateway.supergraph.classifications();
    writeSupergraphFile(file, withLink('@link(url: "https://specs.apollo.dev/dataResidency/v0.1", for: SECURITY)'));
    await waitFor(() => gateway?.supergraph.status().lastRejected !== undefined, 5000, 'rejection');
    expect(gateway.supergraph.status().lastRejected?.reason).toMatch(/dataResidency\/v0.1 \(for: SECURITY\) is not enforced/);
    expect(gateway.supergraph.classifications()).toBe(current);
  });

  it('refuses to start on a security feature it does not enforce', async () => {
    writeSupergraphFile(file, withLink('@link(url: "https://specs.apollo.dev/dataResidency/v0.1", for: SECURITY)'));
    await expect(create()).rejects.toThrow(/does not enforce, so it refuses it:\n {2}- https:\/\/specs.apollo.dev\/dataResidency\/v0.1 \(for: SECURITY\)/);
  });
});

describe('supergraph source classifications', () => {
  it('restores the previous classifications when the gateway refuses the new supergraph', async () => {
    const dir = tempDir('supergraph-classifications');
    const file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, 'type Query { a: Int }\n');
    const source = createSupergraphSource({
      path: file,
      logger: silentLogger(),
      debounceMs: 20,
      prepare: (sdl) => ({ plannerSdl: sdl, classifications: new Map([[sdl, { coordinate: 'Query.a', authenticated: true, scopes: null, policies: null }]]) }),
    });
    const seenDuringUpdate: string[][] = [];
    const options: SupergraphSdlHookOptions = {
      update: jest.fn((sdl: string) => {
        seenDuringUpdate.push([...source.classifications().keys()]);
        if (sdl.includes('REFUSE')) throw new Error('not a supergraph');
      }),
      healthCheck: jest.fn(async () => undefined),
      getDataSource: jest.fn(),
    };
    try {
      expect(source.classifications().size).toBe(0);
      await source.initialize(options);
      expect([...source.classifications().keys()]).toEqual(['type Query { a: Int }\n']);

      writeSupergraphFile(file, 'type Query { REFUSE: Int }\n');
      await waitFor(() => source.status().lastRejected !== undefined, 5000, 'rejection');
      // The gateway saw the new classifications while it built the schema, then they were restored.
      expect(seenDuringUpdate).toEqual([['type Query { REFUSE: Int }\n']]);
      expect([...source.classifications().keys()]).toEqual(['type Query { a: Int }\n']);
    } finally {
      await source.stop();
    }
  });
});
