import { execute } from 'graphql';
import { decideOperation, type PersonKeys } from '../../../gateway/authorization';
import { stripInjectedKeys } from '../../../gateway/authorization/strip-injected';
import { CLERK, WORLD, classifications, operation, schema } from './fixtures';

/**
 * The completion's fast path (nothing refused): the keys the rewrite injected leave the answer,
 * every key the client asked for stays in its place (also `id`, which the person key now shares
 * with the client), and the persons they named are collected. Each case is decided for real
 * (rewrite + strip plan) and its rewritten operation executed over the fixtures' world.
 */
const KEYS: PersonKeys = { type: 'Resident', field: 'id', via: {}, ownedByParent: new Set(), references: {} };

function run(query: string, variables: Record<string, unknown> = {}) {
  const decision = decideOperation({ schema, ...operation(query), profile: CLERK, classifications, personKeys: KEYS });
  const rootValue = { resident: ({ id }: { id: string }) => WORLD.residents.find((r) => r.id === id) ?? null, residents: () => WORLD.residents };
  const planned = execute({ schema, document: decision.document, rootValue, variableValues: variables }) as { data: Record<string, unknown> };
  return { decision, planned: JSON.parse(JSON.stringify(planned.data)) as Record<string, unknown> };
}

describe('stripInjectedKeys over a decided operation', () => {
  test('the person key goes in under its own name; removed where only the rewrite asked for it, kept where the client did', () => {
    const { decision, planned } = run(`{ residents { name household { members { id } } } one: resident(id: "R3") { name } }`);
    // The planner is asked for `id` itself, never for an alias of it (rewrite.ts: aliased key fields explode the plan).
    expect(decision.source).not.toMatch(/_auditId/);
    expect(decision.personKeyKeys?.id).toBe('id');
    expect(decision.strip).toBeDefined();
    const { data, personIds } = stripInjectedKeys(planned, decision.strip!);
    expect(data).toEqual({
      residents: [
        { name: '山田　太郎', household: { members: [{ id: 'R1' }, { id: 'R2' }] } },
        { name: '山田　花子', household: { members: [{ id: 'R1' }, { id: 'R2' }] } },
        { name: '鈴木　一郎', household: null },
      ],
      one: { name: '鈴木　一郎' },
    });
    expect([...personIds].sort()).toEqual(['R1', 'R2', 'R3']);
  });

  test('the client\'s own `id` is merged with the key: nothing injected, nothing removed', () => {
    const { decision, planned } = run(`{ resident(id: "R1") { id name } }`);
    expect(decision.source).toBe(`{\n  resident(id: "R1") {\n    id\n    name\n  }\n}`);
    expect(decision.rewritten).toBe(false);
    const { data, personIds } = stripInjectedKeys(planned, decision.strip!);
    expect(data).toEqual({ resident: { id: 'R1', name: '山田　太郎' } });
    expect(personIds).toEqual(['R1']);
  });

  test('when the client uses `id` for another field of Resident, the key falls back to an alias (and is removed)', () => {
    const { decision, planned } = run(`{ resident(id: "R1") { id: name } }`);
    expect(decision.personKeyKeys?.id).toBe('_auditId');
    const { data, personIds } = stripInjectedKeys(planned, decision.strip!);
    expect(data).toEqual({ resident: { id: '山田　太郎' } });
    expect(personIds).toEqual(['R1']);
  });

  test('an injected `id` beside a client `id` under @include: the variables decide, so the full completion runs (no strip plan)', () => {
    const { decision } = run(`query ($with: Boolean!) { resident(id: "R1") { name ... @include(if: $with) { id } } }`, { with: false });
    expect(decision.strip).toBeUndefined();
  });

  test('no data: null, nobody', () => {
    const plan = { remove: ['id'], personKey: 'id', children: new Map() };
    expect(stripInjectedKeys(null, plan)).toEqual({ data: null, personIds: [] });
    expect(stripInjectedKeys(undefined, plan)).toEqual({ data: null, personIds: [] });
  });
});
