import { UNAUTHORIZED_FIELD_CODE } from '../../../lib/authorization/types';
import { CLERK, NO_MFA_CLERK, SCHOOL_CLERK, VENDOR, WORLD_NUMBERS, harness, profile, type Harness } from './fixtures';

/**
 * The answer to the client's ORIGINAL operation, completed from what the planner answered for
 * the rewritten one: null + one error per refused field, GraphQL's null propagation, nothing
 * the client did not ask for, never the value.
 */

let h: Harness;
beforeEach(async () => {
  h = await harness();
});

const expectNoNumbers = (result: unknown) => {
  const json = JSON.stringify(result);
  for (const number of WORLD_NUMBERS) expect(json).not.toContain(number);
};

describe('a refused field is null with an error; the rest of the operation answers', () => {
  test('the error names the coordinate, the policy and the reason, with the response path and the UNAUTHORIZED_FIELD_OR_TYPE code', async () => {
    const result = await h.run(`{ resident(id: "R1") { id name individualNumber } }`, NO_MFA_CLERK);
    expect(result.data).toEqual({ resident: { id: 'R1', name: '山田　太郎', individualNumber: null } });
    expect(result.errors).toEqual([
      {
        message: 'Unauthorized field Resident.individualNumber: individual_number requires MFA',
        locations: [{ line: 1, column: 32 }],
        path: ['resident', 'individualNumber'],
        extensions: { code: UNAUTHORIZED_FIELD_CODE, coordinate: 'Resident.individualNumber', policy: 'individual_number', reason: 'individual_number requires MFA' },
      },
    ]);
    expectNoNumbers(result);
    // The planner was never handed the field, so nothing resolved it.
    expect(h.inner.resolved).not.toContain('Resident.individualNumber');
  });

  test('aliases are the response keys, in the order the client wrote them', async () => {
    const result = await h.run(`{ resident(id: "R1") { a: individualNumber id b: individualNumber n: name } }`, SCHOOL_CLERK);
    expect(result.data).toEqual({ resident: { a: null, id: 'R1', b: null, n: '山田　太郎' } });
    expect(Object.keys((result.data as any).resident)).toEqual(['a', 'id', 'b', 'n']);
    expect(result.errors!.map((error) => error.path)).toEqual([
      ['resident', 'a'],
      ['resident', 'b'],
    ]);
  });

  test('named and inline fragments: the field is null wherever the client asked for it', async () => {
    const result = await h.run(
      `{ resident(id: "R1") { ...F ... on Resident { id individualNumber } } } fragment F on Resident { individualNumber identityInfo { residentCode } }`,
      SCHOOL_CLERK,
    );
    expect(result.data).toEqual({ resident: { individualNumber: null, identityInfo: null, id: 'R1' } });
    expect(result.errors!.map((error) => [error.path, error.extensions!['policy']])).toEqual([
      [['resident', 'individualNumber'], 'individual_number'],
      [['resident', 'identityInfo'], 'cs_identity'],
    ]);
    expect(h.inner.resolved).not.toContain('Resident.identityInfo');
  });

  test('@include / @skip with the request variables: a skipped refused field is neither answered nor reported', async () => {
    const query = `query Q($show: Boolean!, $hide: Boolean!) { resident(id: "R1") { id n: individualNumber @include(if: $show) m: individualNumber @skip(if: $hide) } }`;
    const shown = await h.run(query, SCHOOL_CLERK, { show: true, hide: false });
    expect(shown.data).toEqual({ resident: { id: 'R1', n: null, m: null } });
    expect(shown.errors!.map((error) => error.path)).toEqual([
      ['resident', 'n'],
      ['resident', 'm'],
    ]);
    const hidden = await h.run(query, SCHOOL_CLERK, { show: false, hide: true });
    expect(hidden.data).toEqual({ resident: { id: 'R1' } });
    expect(hidden.errors).toBeUndefined();
    // Both asked the planner the same rewritten operation: one decision.
    expect(h.gateway.stats().decisions).toBe(1);
  });

  test('@include on a fragment spread and on an inline fragment', async () => {
    const query = `query Q($x: Boolean!) { resident(id: "R1") { id ...F @include(if: $x) ... @skip(if: $x) { name } } } fragment F on Resident { individualNumber }`;
    expect((await h.run(query, SCHOOL_CLERK, { x: true })).data).toEqual({ resident: { id: 'R1', individualNumber: null } });
    expect((await h.run(query, SCHOOL_CLERK, { x: false })).data).toEqual({ resident: { id: 'R1', name: '山田　太郎' } });
  });

  test('nested lists: every element has null; one error per field and path shape, with the first element and a count', async () => {
    const result = await h.run(`{ residents { id individualNumber household { members { individualNumber } } } }`, SCHOOL_CLERK);
    const residents = (result.data as any).residents;
    expect(residents.map((resident: any) => resident.individualNumber)).toEqual([null, null, null]);
    expect(residents[0].household.members).toEqual([{ individualNumber: null }, { individualNumber: null }]);
    expect(result.errors).toEqual([
      expect.objectContaining({ path: ['residents', 0, 'individualNumber'], extensions: expect.objectContaining({ occurrences: 3 }) }),
      expect.objectContaining({ path: ['residents', 0, 'household', 'members', 0, 'individualNumber'], extensions: expect.objectContaining({ occurrences: 4 }) }),
    ]);
    expectNoNumbers(result);
  });

  test('a selection set the removal emptied answers {} shaped as asked, without the injected key', async () => {
    const result = await h.run(`{ resident(id: "R1") { identityInfo { individualNumber } } }`, profile(['person_basic', 'cs_identity']));
    expect(result.data).toEqual({ resident: { identityInfo: { individualNumber: null } } });
    expect(JSON.stringify(result)).not.toContain('_authzTypename');
    // …and a missing person stays null without an error (the field was never reached).
    const missing = await h.run(`{ resident(id: "R9") { individualNumber } }`, SCHOOL_CLERK);
    expect(missing).toEqual({ data: { resident: null } });
  });

  test('the client’s own __typename is kept next to the injected one', async () => {
    const result = await h.run(`{ resident(id: "R1") { __typename individualNumber } r: resident(id: "R2") { individualNumber } }`, SCHOOL_CLERK);
    expect(result.data).toEqual({ resident: { __typename: 'Resident', individualNumber: null }, r: { individualNumber: null } });
  });
});

describe('null propagation', () => {
  test('a refused non-null field makes its nearest nullable ancestor null', async () => {
    const result = await h.run(`{ resident(id: "R1") { id movements } statistics { total } }`, profile(['person_basic', 'statistics']));
    expect(result.data).toEqual({ resident: null, statistics: { total: 3 } });
    expect(result.errors).toEqual([expect.objectContaining({ path: ['resident', 'movements'], extensions: expect.objectContaining({ policy: 'person_register' }) })]);
  });

  test('through non-null list elements up to a non-null root field: data is null', async () => {
    const result = await h.run(`{ residents { id movements } }`, SCHOOL_CLERK);
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['residents', 0, 'movements'], extensions: expect.objectContaining({ occurrences: 3 }) })]);
  });

  test('a refused non-null root field nulls data; a nullable one only itself', async () => {
    expect((await h.run(`{ statistics { total } resident(id: "R1") { id } }`, SCHOOL_CLERK)).data).toBeNull();
    expect((await h.run(`{ resident(id: "R1") { id } identityByIndividualNumber(individualNumber: "123456789018") { residentCode } }`, SCHOOL_CLERK)).data).toEqual({
      resident: { id: 'R1' },
      identityByIndividualNumber: null,
    });
  });
});

describe('no oracle', () => {
  test('a refused lookup by individual number never reaches the planner and answers the same for any number', async () => {
    const query = `query Oracle($n: String!) { identityByIndividualNumber(individualNumber: $n) { residentCode } }`;
    const existing = await h.run(query, SCHOOL_CLERK, { n: '123456789018' });
    const unknown = await h.run(query, SCHOOL_CLERK, { n: '123456789026' });
    const badCheckDigit = await h.run(query, SCHOOL_CLERK, { n: '123456789012' });
    expect(existing).toEqual(unknown);
    expect(existing).toEqual(badCheckDigit);
    expect(existing.data).toEqual({ identityByIndividualNumber: null });
    expect(h.inner.resolved.filter((coordinate) => !coordinate.endsWith('.__typename'))).toEqual([]);
    // The planner received no variables it could use.
    expect(h.inner.handed.every((handed) => handed.operation.variableDefinitions?.length === 0)).toBe(true);
  });
});

describe('abstract types', () => {
  test('fragments on an interface field resolve by the runtime type; the injected type key does not leak', async () => {
    const result = await h.run(`{ node(id: "R1") { id ... on Resident { individualNumber name } ... on Household { members { id } } } }`, SCHOOL_CLERK);
    expect(result.data).toEqual({ node: { id: 'R1', individualNumber: null, name: '山田　太郎' } });
    expect(result.errors!.map((error) => error.path)).toEqual([['node', 'individualNumber']]);
  });

  test('a union list: each element gets the fields of its own type', async () => {
    const result = await h.run(`{ search(text: "x") { ... on Resident { id individualNumber } ... on Household { id secretNote } } }`, SCHOOL_CLERK);
    expect(result.data).toEqual({ search: [{ id: 'R1', individualNumber: null }, { id: 'H1', secretNote: null }] });
    expect(result.errors!.map((error) => [error.path, error.extensions!['policy']])).toEqual([
      [['search', 0, 'individualNumber'], 'individual_number'],
      [['search', 1, 'secretNote'], 'support_measure'],
    ]);
    expect(JSON.stringify(result)).not.toContain('_authzTypename');
  });
});

describe('introspection', () => {
  test('refused: __type is null with an introspection error; allowed: answered in full', async () => {
    const refused = await h.run(`{ __type(name: "Resident") { name } }`, VENDOR);
    expect(refused.data).toEqual({ __type: null });
    expect(refused.errors).toEqual([expect.objectContaining({ path: ['__type'], extensions: expect.objectContaining({ policy: 'introspection' }) })]);
    const allowed = await h.run(`{ __type(name: "Resident") { name fields { name } } }`, CLERK);
    expect(allowed.errors).toBeUndefined();
    expect((allowed.data as any).__type.fields.map((field: any) => field.name)).toContain('individualNumber');
  });

  test('__schema is non-null: refused, data is null', async () => {
    const refused = await h.run(`{ __schema { queryType { name } } }`, VENDOR);
    expect(refused.data).toBeNull();
    expect(refused.errors![0].extensions).toMatchObject({ code: UNAUTHORIZED_FIELD_CODE, policy: 'introspection' });
  });
});

describe('an operation with nothing refused is passed through untouched', () => {
  test('same data as the planner answered, no errors', async () => {
    const result = await h.run(`{ resident(id: "R1") { id individualNumber } }`, CLERK);
    expect(result).toEqual({ data: { resident: { id: 'R1', individualNumber: '123456789018' } } });
  });
});
