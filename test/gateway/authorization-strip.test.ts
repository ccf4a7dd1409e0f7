import { stripInjectedKeys } from '../../gateway/authorization/strip-injected';
import { RESIDENT_PERSON_KEYS } from '../../gateway/authorization';

/**
 * The completion's fast path (nothing refused): the keys the rewrite injected leave the answer,
 * every other key stays in its place, and the persons they named are collected.
 */
const decision = {
  typenameKey: '_authzTypename',
  personKeyKeys: { keys: RESIDENT_PERSON_KEYS, id: '_auditId', via: '_auditPerson' },
};

describe('stripInjectedKeys', () => {
  test('removes injected keys at every depth and in every list element; collects the persons', () => {
    const data = {
      residents: {
        edges: [
          { node: { name: { kanji: '甲' }, _auditId: '100001', household: { members: [{ id: '100001', _auditId: '100001' }, { id: '100002', _auditId: '100002' }] } } },
          { node: { name: { kanji: '乙' }, _auditId: '100003', identityInfo: { name: '乙', individualNumber: '123456789012' } } },
        ],
      },
      searchIdentity: { matches: [{ residentCode: '12345678901', _auditPerson: { _auditId: '100004' } }], truncated: false },
      node: { _authzTypename: 'Resident', id: '100005', _auditId: '100005' },
      nothing: null,
    };
    const { data: stripped, personIds } = stripInjectedKeys(data, decision);
    expect(stripped).toEqual({
      residents: {
        edges: [
          { node: { name: { kanji: '甲' }, household: { members: [{ id: '100001' }, { id: '100002' }] } } },
          { node: { name: { kanji: '乙' }, identityInfo: { name: '乙', individualNumber: '123456789012' } } },
        ],
      },
      searchIdentity: { matches: [{ residentCode: '12345678901' }], truncated: false },
      node: { id: '100005' },
      nothing: null,
    });
    expect(JSON.stringify(stripped)).not.toMatch(/_audit|_authz/);
    expect([...personIds].sort()).toEqual(['100001', '100002', '100003', '100004', '100005']);
  });

  test('a person key the planner could not fetch (null under a nulled object) names nobody', () => {
    const { data, personIds } = stripInjectedKeys({ match: { residentCode: '1', _auditPerson: null }, resident: null }, decision);
    expect(data).toEqual({ match: { residentCode: '1' }, resident: null });
    expect(personIds).toEqual([]);
  });

  test('no data: null, nobody', () => {
    expect(stripInjectedKeys(null, decision)).toEqual({ data: null, personIds: [] });
    expect(stripInjectedKeys(undefined, decision)).toEqual({ data: null, personIds: [] });
  });
});
