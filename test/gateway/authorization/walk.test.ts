import { print } from 'graphql';
import { CLERK, NO_MFA_CLERK, SCHOOL_CLERK, VENDOR, classifications, decide, profile } from './fixtures';

/**
 * The walk (rules over a TypeInfo, one decision per coordinate) and the rewrite (what the
 * planner receives), on a small schema of our own.
 */

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const printed = (query: string, who = SCHOOL_CLERK, operationName?: string) => squash(print(decide(query, who, operationName).document));

describe('the authorization walk decides every field by its coordinate', () => {
  test('a profile granted everything the operation asks: nothing denied, nothing rewritten', () => {
    const decision = decide(`query Q($id: ID!) { resident(id: $id) { id name individualNumber household { id members { id } } } }`, CLERK);
    expect(decision.denied.size).toBe(0);
    expect(decision.rewritten).toBe(false);
    expect([...decision.granted].sort()).toEqual(
      ['Household.id', 'Household.members', 'Query.resident', 'Resident.household', 'Resident.id', 'Resident.individualNumber', 'Resident.name'].sort(),
    );
  });

  test('direct, aliased, named-fragment, inline-fragment and nested-list occurrences are one coordinate, one decision', () => {
    const decision = decide(
      /* GraphQL */ `
        query Q {
          resident(id: "R1") {
            individualNumber
            number: individualNumber
            ...Numbers
            ... on Resident { individualNumber }
            household { members { individualNumber name } }
          }
          residents { ... { individualNumber } }
        }
        fragment Numbers on Resident { n2: individualNumber id }
      `,
      NO_MFA_CLERK,
    );
    expect([...decision.denied.values()]).toEqual([
      { coordinate: 'Resident.individualNumber', policy: 'individual_number', reason: 'individual_number requires MFA' },
    ]);
    expect(decision.source).not.toContain('individualNumber');
    expect(squash(decision.source)).toBe(
      squash(`query Q {
        resident(id: "R1") { ...Numbers household { members { name } } }
        residents { _authzTypename: __typename }
      }
      fragment Numbers on Resident { id }`),
    );
  });

  test('a selection set emptied by the removal answers an injected, aliased __typename', () => {
    expect(printed(`{ resident(id: "R1") { individualNumber } }`)).toBe('{ resident(id: "R1") { _authzTypename: __typename } }');
  });

  test('a fragment emptied by the removal goes, with its spreads; then its parent gets __typename', () => {
    expect(printed(`{ resident(id: "R1") { ...N } } fragment N on Resident { individualNumber ...M } fragment M on Resident { movements }`)).toBe(
      '{ resident(id: "R1") { _authzTypename: __typename } }',
    );
  });

  test('an inline fragment emptied by the removal goes', () => {
    expect(printed(`{ resident(id: "R1") { id ... on Resident { individualNumber } ... @include(if: true) { movements } } }`)).toBe(
      '{ resident(id: "R1") { id } }',
    );
  });

  test('a fragment used only under a removed field is dropped; so is a variable used only by a removed field', () => {
    expect(
      printed(
        `query Q($number: String!, $id: ID!) { resident(id: $id) { id identityInfo { ...I } } identityByIndividualNumber(individualNumber: $number) { residentCode } }
         fragment I on Identity { residentCode }`,
      ),
    ).toBe('query Q($id: ID!) { resident(id: $id) { id } }');
  });

  test('every root field refused: the planner gets only __typename (no subgraph is asked anything)', () => {
    expect(printed(`query Oracle($n: String!) { identityByIndividualNumber(individualNumber: $n) { residentCode individualNumber } }`)).toBe(
      'query Oracle { _authzTypename: __typename }',
    );
  });

  test('the injected key never collides with a response key of the document', () => {
    expect(printed(`{ resident(id: "R1") { _authzTypename: id individualNumber } household(id: "H1") { members { individualNumber } } }`)).toBe(
      '{ resident(id: "R1") { _authzTypename: id } household(id: "H1") { members { _authzTypename1: __typename } } }',
    );
  });

  test('an operation needing two policies is refused when either is missing, naming the missing one', () => {
    const decision = decide(`{ identityByIndividualNumber(individualNumber: "123456789018") { residentCode } }`, profile(['person_basic', 'cs_identity']));
    expect(decision.denied.get('Query.identityByIndividualNumber')).toEqual({
      coordinate: 'Query.identityByIndividualNumber',
      policy: 'individual_number',
      reason: 'individual_number requires MFA',
    });
    expect(decide(`{ identityByIndividualNumber(individualNumber: "123456789018") { residentCode } }`, CLERK).denied.size).toBe(0);
  });

  test('deny by default: a field without a classification is refused', () => {
    const decision = decide(`{ unclassified statistics { total } }`, CLERK);
    expect(decision.denied.get('Query.unclassified')).toMatchObject({ policy: 'unclassified', reason: expect.stringMatching(/no classification/) });
    // statistics is not granted to the clerk; Statistics.total (@authenticated) is never reached
    expect(decision.denied.get('Query.statistics')?.policy).toBe('statistics');
    expect(decision.source).toBe('{\n  _authzTypename: __typename\n}');
  });

  test('@requiresScopes: the token must carry the scope', () => {
    expect(decide(`{ scoped }`, CLERK).denied.get('Query.scoped')).toMatchObject({ policy: 'scope:registry:read', reason: expect.stringMatching(/registry:read/) });
    expect(decide(`{ scoped }`, profile([], { scopes: ['registry:read'] })).denied.size).toBe(0);
  });

  test('an @authenticated-only field is allowed to every authenticated profile', () => {
    expect(decide(`{ statistics { total } }`, profile(['statistics'])).denied.size).toBe(0);
  });

  test('@include / @skip do not change the decision (it is cached per operation, not per variables)', () => {
    const decision = decide(`query Q($show: Boolean!) { resident(id: "R1") { id individualNumber @include(if: $show) } }`, SCHOOL_CLERK);
    expect(decision.denied.has('Resident.individualNumber')).toBe(true);
    expect(squash(decision.source)).toBe('query Q { resident(id: "R1") { id } }');
  });

  test('only the selected operation (and the fragments it uses) goes to the planner', () => {
    const query = `query A { resident(id: "R1") { ...F } } query B { statistics { total } resident(id: "R2") { ...G } } fragment F on Resident { id } fragment G on Resident { name }`;
    expect(printed(query, CLERK, 'A')).toBe('query A { resident(id: "R1") { ...F } } fragment F on Resident { id }');
  });
});

describe('introspection', () => {
  test('refused to a profile without the introspection right: __schema and __type are removed', () => {
    const decision = decide(`{ __schema { queryType { name } } __type(name: "Resident") { name fields { name } } resident(id: "R1") { __typename } }`, VENDOR);
    expect([...decision.denied.keys()].sort()).toEqual(['Query.__schema', 'Query.__type', 'Query.resident']);
    expect(decision.denied.get('Query.__type')).toMatchObject({ policy: 'introspection' });
    expect(decision.source).toBe('{\n  _authzTypename: __typename\n}');
  });

  test('allowed: the whole introspection subtree passes untouched (its types carry no classification)', () => {
    const query = `{ __type(name: "Resident") { name fields { name type { name } } } }`;
    const decision = decide(query, SCHOOL_CLERK);
    expect(decision.denied.size).toBe(0);
    expect(decision.rewritten).toBe(false);
  });

  test('__typename is never refused', () => {
    expect(decide(`{ __typename }`, VENDOR).denied.size).toBe(0);
  });
});

describe('abstract types', () => {
  test('a field of an interface is allowed only when every implementation allows it', () => {
    const strictHousehold = new Map(classifications);
    strictHousehold.set('Household.id', { coordinate: 'Household.id', authenticated: false, scopes: null, policies: [['support_measure']] });
    const denied = decide(`{ node(id: "R1") { id } }`, SCHOOL_CLERK, undefined, strictHousehold);
    expect(denied.denied.get('Node.id')).toMatchObject({ coordinate: 'Node.id', policy: 'support_measure' });
    expect(decide(`{ node(id: "R1") { id } }`, SCHOOL_CLERK).denied.size).toBe(0);
  });

  test('under a field of abstract type the rewrite asks each object its runtime type', () => {
    expect(printed(`{ node(id: "R1") { ... on Resident { individualNumber name } } }`)).toBe(
      '{ node(id: "R1") { ... on Resident { name } _authzTypename: __typename } }',
    );
    expect(printed(`{ search(text: "x") { ... on Household { secretNote } } }`)).toBe('{ search(text: "x") { _authzTypename: __typename } }');
  });
});
