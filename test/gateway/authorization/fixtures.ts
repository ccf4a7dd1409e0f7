import type { GatewayGraphQLRequestContext, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import {
  buildSchema,
  defaultFieldResolver,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import pino from 'pino';
import { AuthorizingGateway, decideOperation, type OperationDecision } from '../../../gateway/authorization';
import type { FieldClassification, PermissionProfile } from '../../../lib/authorization/types';

/**
 * A small schema of our own for the authorization walk's unit tests: the shapes that matter
 * (an entity with a person-level and an individual-number field, lists, non-null lists,
 * nesting, an interface and a union, a root field that needs two policies), independent of
 * the real supergraph.
 */
export const SDL = /* GraphQL */ `
  type Query {
    resident(id: ID!): Resident
    residents: [Resident!]!
    household(id: ID!): Household
    identityByIndividualNumber(individualNumber: String!): Identity
    node(id: ID!): Node
    search(text: String!): [SearchResult!]!
    statistics: Statistics!
    unclassified: String
    scoped: String
  }
  interface Node { id: ID! }
  type Resident implements Node {
    id: ID!
    name: String!
    individualNumber: String
    household: Household
    movements: [String!]!
    identityInfo: Identity
  }
  type Household implements Node {
    id: ID!
    members: [Resident!]!
    secretNote: String
  }
  type Identity {
    residentCode: String!
    individualNumber: String
  }
  union SearchResult = Resident | Household
  type Statistics { total: Int! }
`;

export const schema: GraphQLSchema = buildSchema(SDL);

const POLICIES: Record<string, string[][] | 'authenticated' | { scopes: string[][] }> = {
  'Query.resident': [['person_basic']],
  'Query.residents': [['person_basic']],
  'Query.household': [['person_basic']],
  'Query.identityByIndividualNumber': [['individual_number', 'cs_identity']],
  'Query.node': [['person_basic']],
  'Query.search': [['person_basic']],
  'Query.statistics': [['statistics']],
  'Query.scoped': { scopes: [['registry:read']] },
  'Node.id': [['person_basic']],
  'Resident.id': [['person_basic']],
  'Resident.name': [['person_basic']],
  'Resident.individualNumber': [['individual_number']],
  'Resident.household': [['person_basic']],
  'Resident.movements': [['person_register']],
  'Resident.identityInfo': [['cs_identity']],
  'Household.id': [['person_basic']],
  'Household.members': [['person_basic']],
  'Household.secretNote': [['support_measure']],
  'Identity.residentCode': [['cs_identity']],
  'Identity.individualNumber': [['cs_identity', 'individual_number']],
  'Statistics.total': 'authenticated',
};

export const classifications: ReadonlyMap<string, FieldClassification> = new Map(
  Object.entries(POLICIES).map(([coordinate, policy]) => [
    coordinate,
    policy === 'authenticated'
      ? { coordinate, authenticated: true, scopes: null, policies: null }
      : Array.isArray(policy)
        ? { coordinate, authenticated: false, scopes: null, policies: policy }
        : { coordinate, authenticated: false, scopes: policy.scopes, policies: null },
  ]),
);

const ALL_POLICIES = ['person_basic', 'person_register', 'individual_number', 'cs_identity', 'support_measure', 'statistics'];

/** A hand-built profile: `granted` policies, the rest denied with a reason naming them. */
export function profile(granted: readonly string[], options: { introspection?: boolean; scopes?: readonly string[]; key?: string } = {}): PermissionProfile {
  const denials = new Map<string, string>();
  for (const policy of ALL_POLICIES) {
    if (!granted.includes(policy)) denials.set(policy, policy === 'individual_number' ? 'individual_number requires MFA' : `${policy} is not granted`);
  }
  return {
    key: options.key ?? `profile:${[...granted].sort().join(',')}:${options.introspection ? 'i' : ''}:${(options.scopes ?? []).join(',')}`,
    ruleVersion: 'test',
    granted: new Set(granted),
    masked: new Map(),
    denials,
    scopes: new Set(options.scopes ?? []),
    introspection: options.introspection ?? false,
    supportMeasureRecords: false,
  };
}

export const CLERK = profile(['person_basic', 'person_register', 'individual_number', 'cs_identity', 'support_measure'], { introspection: true });
export const NO_MFA_CLERK = profile(['person_basic', 'person_register', 'cs_identity', 'support_measure'], { introspection: true });
export const SCHOOL_CLERK = profile(['person_basic'], { introspection: true });
export const VENDOR = profile([]);

/** Parses and validates (a test query that does not validate is a bug in the test). */
export function operation(query: string, operationName?: string): { document: DocumentNode; operation: OperationDefinitionNode } {
  const document = parse(query);
  const errors = validate(schema, document);
  if (errors.length > 0) throw new Error(`test query does not validate: ${errors.map((error) => error.message).join('; ')}`);
  const selected = getOperationAST(document, operationName);
  if (!selected) throw new Error('no operation');
  return { document, operation: selected };
}

export function decide(query: string, who: PermissionProfile, operationName?: string, classificationMap = classifications): OperationDecision {
  return decideOperation({ schema, ...operation(query, operationName), profile: who, classifications: classificationMap });
}

// ── An in-memory "planner + subgraphs" that executes what it is handed ───────────────────────

export const WORLD = (() => {
  const household: Record<string, unknown> = { __typename: 'Household', id: 'H1', secretNote: 'note' };
  const residents = [
    { __typename: 'Resident', id: 'R1', name: '山田　太郎', individualNumber: '123456789018', household, movements: ['MOVE_IN'], identityInfo: { residentCode: '12345678901', individualNumber: '123456789018' } },
    { __typename: 'Resident', id: 'R2', name: '山田　花子', individualNumber: '314159265352', household, movements: ['BIRTH'], identityInfo: { residentCode: '12345678902', individualNumber: '314159265352' } },
    { __typename: 'Resident', id: 'R3', name: '鈴木　一郎', individualNumber: '123456789050', household: null, movements: [], identityInfo: null },
  ];
  household['members'] = residents.slice(0, 2);
  return { residents, household };
})();

/** Every individual number the world holds: no denied response may contain one. */
export const WORLD_NUMBERS = WORLD.residents.map((resident) => resident.individualNumber);

const rootValue = {
  resident: ({ id }: { id: string }) => WORLD.residents.find((resident) => resident.id === id) ?? null,
  residents: () => WORLD.residents,
  household: ({ id }: { id: string }) => (id === 'H1' ? WORLD.household : null),
  identityByIndividualNumber: ({ individualNumber }: { individualNumber: string }) =>
    WORLD.residents.find((resident) => resident.individualNumber === individualNumber)?.identityInfo ?? null,
  node: ({ id }: { id: string }) => (id === 'H1' ? WORLD.household : (WORLD.residents.find((resident) => resident.id === id) ?? null)),
  search: () => [WORLD.residents[0], WORLD.household],
  statistics: () => ({ total: 3 }),
  unclassified: () => 'x',
  scoped: () => 'scoped value',
};

/** Stands in for ApolloGateway: executes the handed document, records what it resolved and which plans it "built". */
export class FakeInnerGateway implements GatewayInterface {
  readonly resolved: string[] = [];
  readonly handed: GatewayGraphQLRequestContext[] = [];
  readonly plans = new Map<string, object>();
  private listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  onPlan: ((plan: object, requestContext: GatewayGraphQLRequestContext) => void) | undefined;

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback) {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** Simulates a new supergraph. */
  updateSchema(): void {
    for (const listener of this.listeners) listener({ apiSchema: schema, coreSupergraphSdl: SDL });
  }

  async load() {
    return {
      executor: async (requestContext: GatewayGraphQLRequestContext): Promise<ExecutionResult> => {
        this.handed.push(requestContext);
        // A plan per queryHash, reused like ApolloGateway's plan store.
        let plan = this.plans.get(requestContext.queryHash);
        if (!plan) {
          plan = { queryHash: requestContext.queryHash };
          this.plans.set(requestContext.queryHash, plan);
        }
        this.onPlan?.(plan, requestContext);
        return execute({
          schema,
          document: requestContext.document,
          rootValue,
          variableValues: requestContext.request.variables ?? {},
          ...(requestContext.operationName ? { operationName: requestContext.operationName } : {}),
          fieldResolver: (source, args, context, info) => {
            this.resolved.push(`${info.parentType.name}.${info.fieldName}`);
            return defaultFieldResolver(source, args, context, info);
          },
        }) as ExecutionResult;
      },
    };
  }

  async stop() {}
}

export interface Harness {
  readonly inner: FakeInnerGateway;
  readonly gateway: AuthorizingGateway;
  /** Runs an operation as Apollo Server would hand it to the gateway; the JSON the client would get. */
  run(query: string, who: PermissionProfile, variables?: Record<string, unknown>, operationName?: string): Promise<{ data?: unknown; errors?: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] }>;
}

export async function harness(options: { decisionCacheSize?: number; classifications?: () => ReadonlyMap<string, FieldClassification> } = {}): Promise<Harness> {
  const inner = new FakeInnerGateway();
  const gateway = new AuthorizingGateway({
    inner,
    classifications: options.classifications ?? (() => classifications),
    logger: pino({ level: 'silent' }),
    ...(options.decisionCacheSize !== undefined ? { decisionCacheSize: options.decisionCacheSize } : {}),
  });
  inner.onPlan = (queryPlan, requestContext) => gateway.didResolveQueryPlan({ queryPlan, requestContext });
  const { executor } = await gateway.load({ apollo: {} });
  return {
    inner,
    gateway,
    async run(query, who, variables = {}, operationName) {
      const parsed = operation(query, operationName);
      const requestContext = {
        request: { query, variables, ...(operationName ? { operationName } : {}) },
        logger: pino({ level: 'silent' }),
        schema,
        schemaHash: 'test',
        context: { profile: who },
        cache: undefined,
        queryHash: `hash:${query}`,
        document: parsed.document,
        source: query,
        operationName: parsed.operation.name?.value ?? null,
        operation: parsed.operation,
        metrics: {},
        overallCachePolicy: undefined,
      } as unknown as GatewayGraphQLRequestContext;
      const result = await executor!(requestContext);
      // What the client receives: errors formatted to JSON.
      return JSON.parse(JSON.stringify(result));
    },
  };
}
