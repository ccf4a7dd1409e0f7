import { buildSchema, parse, validate } from 'graphql';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { operationLimitsRule } from '../../gateway/operation-limits';
import { startFederation, type Federation } from '../support/federation';

const schema = buildSchema(`type Query { node: Node } type Node { id: ID child: Node }`);
const limits = { maxDepth: 5, maxFieldSelections: 20 };
const errorsOf = (query: string) => validate(schema, parse(query), [operationLimitsRule(limits)]).map((e) => e.message);

describe('operation limits (validation rule)', () => {
  test('an operation within both limits passes', () => {
    expect(errorsOf('{ node { id child { id child { id } } } }')).toEqual([]);
  });

  test('depth is counted through fragments and inline fragments', () => {
    expect(errorsOf('{ node { child { child { child { child { child { id } } } } } } }')[0]).toMatch(/nested deeper than 5 levels/);
    expect(errorsOf('query Deep { node { ...F } } fragment F on Node { child { ... on Node { child { child { child { child { id } } } } } } }')[0]).toMatch(
      /Operation "Deep" is nested deeper than 5 levels/,
    );
  });

  test('aliases and fragment spreads count where they are spread', () => {
    const aliases = Array.from({ length: 21 }, (_, i) => `a${i}: id`).join(' ');
    expect(errorsOf(`{ node { ${aliases} } }`)[0]).toMatch(/more than 20 fields/);
    const spreads = Array.from({ length: 6 }, (_, i) => `n${i}: node { ...F }`).join(' ');
    expect(errorsOf(`{ ${spreads} } fragment F on Node { id child { id } }`)[0]).toMatch(/more than 20 fields/);
  });

  test('a fragment cycle does not hang the walk (graphql-js reports the cycle itself)', () => {
    expect(() => errorsOf('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }')).not.toThrow();
  });
});

describe('operation limits at the gateway', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation();
  });
  afterAll(async () => {
    await federation?.stop();
  });

  test('an abusive operation is a 400 with a clear message, and no subgraph is asked', async () => {
    federation.resetStatements();
    const aliases = Array.from({ length: 2500 }, (_, i) => `n${i}: individualNumber`).join(' ');
    const { status, body, raw } = await federation.query('registry-clerk', `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { ${aliases} } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0].message).toMatch(/selects more than 2000 fields/);
    expect(raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    for (const statements of Object.values(federation.statements)) expect(statements).toEqual([]);
  });
});
