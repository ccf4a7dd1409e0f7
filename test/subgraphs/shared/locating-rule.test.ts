import { graphql, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Knex } from 'knex';
import { locatingFields, typesNeedingPerson } from '../../../lib/authorization/locating';
import { SUPPORT_MEASURE_RESTRICTED_CODE } from '../../../lib/authorization/types';
import { LEGACY_SUBGRAPH_NAMES } from '../../../lib/subgraphs';
import { applyLocatingRule, guardedLocatingFields } from '../../../subgraphs/shared/locating-rule';
import { loadSubgraphTypeDefs } from '../../../subgraphs/shared/server';
import type { SubgraphAuth } from '../../../subgraphs/shared/identity';
import { SUBGRAPH_MODULES } from '../../support/federation';

/**
 * The 支援措置 row rule on locating fields (issue 10, item 1) is driven by the SDL's marks:
 * every subgraph can find the person for each type that holds a guarded locating field, and the
 * rule refuses, fails closed, or lets through as it should. (Through the gateway and straight to
 * the subgraphs: test/e2e/protection.test.ts, test/subgraphs/support-measure.test.ts.)
 */

const auth = (supportMeasureRecords: boolean) => ({ profile: { supportMeasureRecords } }) as unknown as SubgraphAuth;

describe.each(LEGACY_SUBGRAPH_NAMES)('the %s subgraph', (name) => {
  const typeDefs = loadSubgraphTypeDefs(name);

  test('its context has a person check for exactly the types its SDL holds guarded locating fields on', () => {
    const context = SUBGRAPH_MODULES[name].createContext({} as Knex, auth(false)) as { locating?: Record<string, unknown> };
    expect(Object.keys(context.locating ?? {}).sort()).toEqual(typesNeedingPerson(typeDefs));
    expect(typesNeedingPerson(typeDefs).length).toBeGreaterThan(0);
  });
});

test('the fields the review used to locate a protected person are marked locating', () => {
  const locating = new Set(LEGACY_SUBGRAPH_NAMES.flatMap((name) => locatingFields(loadSubgraphTypeDefs(name))));
  for (const coordinate of [
    'Resident.address',
    'Resident.previousAddress',
    'Resident.familyRegister',
    'FamilyRegister.domicile',
    'Resident.certificateIssuances',
    'CertificateIssuance.office',
    'Removal.destination',
    'Movement.addressBefore',
    'Movement.addressAfter',
    'Resident.household',
    'IdentityInfo.address',
    'IdentityInfo.terminalId',
    'MyNumberCard.issuingOffice',
    'CardEvent.office',
    'CardReservation.office',
    'ProvisionRecord.requester',
  ]) {
    expect([coordinate, locating.has(coordinate)]).toEqual([coordinate, true]);
  }
  for (const coordinate of ['Resident.name', 'Resident.id', 'MyNumberCard.status', 'IdentityInfo.changeReason']) expect([coordinate, locating.has(coordinate)]).toEqual([coordinate, false]);
});

describe('applyLocatingRule on a small schema', () => {
  const SDL = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@tag"])
    type Query { person: Resident }
    type Resident {
      id: ID! @tag(name: "non-locating")
      office: String @tag(name: "locating")
      address: Place @tag(name: "locating")
    }
    type Place { town: String @tag(name: "locating") }
  `;
  const typeDefs = parse(SDL);
  const schema = applyLocatingRule(
    buildSubgraphSchema([{ typeDefs, resolvers: { Query: { person: () => ({ id: '1', office: '世田谷区役所', address: { town: '三軒茶屋' } }) } } }]),
    typeDefs,
  );
  const run = (contextValue: object) => graphql({ schema, source: '{ person { id office address { town } } }', contextValue });

  test('only the non-enclosed locating fields are wrapped (Place is reached only through a locating field)', () => {
    expect(guardedLocatingFields(typeDefs)).toEqual(['Resident.address', 'Resident.office']);
  });

  test('a protected person: each locating field null + SUPPORT_MEASURE_RESTRICTED, the rest shown', async () => {
    const result = await run({ auth: auth(false), locating: { Resident: () => true } });
    expect(result.data).toEqual({ person: { id: '1', office: null, address: null } });
    expect(result.errors!.map((error) => [error.extensions.code, error.path!.join('.')]).sort()).toEqual([
      [SUPPORT_MEASURE_RESTRICTED_CODE, 'person.address'],
      [SUPPORT_MEASURE_RESTRICTED_CODE, 'person.office'],
    ]);
    expect(JSON.stringify(result)).not.toContain('三軒茶屋');
  });

  test('an unprotected person, or a caller named in the rule: everything shown', async () => {
    for (const context of [{ auth: auth(false), locating: { Resident: () => false } }, { auth: auth(true) }]) {
      const result = await run(context);
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ person: { id: '1', office: '世田谷区役所', address: { town: '三軒茶屋' } } });
    }
  });

  test('a subgraph without a check for the type fails closed: the value is never shown', async () => {
    const result = await run({ auth: auth(false), locating: {} });
    expect(result.data).toEqual({ person: { id: '1', office: null, address: null } });
    expect(JSON.stringify(result)).not.toContain('三軒茶屋');
    expect(JSON.stringify(result)).not.toContain('世田谷区役所');
  });
});
