import type { PermissionProfile } from '../../../lib/authorization/types';
import { WORLD_NUMBERS, harness, profile, type Harness } from './fixtures';

/**
 * The first line on its own: the planner (a fake inner gateway here, standing for subgraphs that
 * do NOT mask) answers every number in full, and the completion still hands the client only
 * `********5148` for a profile granted individual_number masked — under aliases, fragments,
 * lists and an interface, with nothing about the value in an error or an extension.
 */

const LAST_FOUR = { name: 'last-four', keepLast: 4 };
const COUNTER: PermissionProfile = { ...profile(['person_basic', 'individual_number', 'cs_identity'], { key: 'counter' }), masked: new Map([['individual_number', LAST_FOUR]]) };

let h: Harness;
beforeEach(async () => {
  h = await harness();
});

const masked = (number: string): string => `********${number.slice(-4)}`;
const noFullNumber = (result: unknown) => {
  const json = JSON.stringify(result);
  for (const number of WORLD_NUMBERS) expect(json).not.toContain(number.slice(0, 8));
};

test('masked under aliases, fragments, lists and both coordinates that hold the number', async () => {
  const result = await h.run(
    `{ residents { a: individualNumber ...F identityInfo { individualNumber } } resident(id: "R1") { ... on Resident { individualNumber } } } fragment F on Resident { individualNumber }`,
    COUNTER,
  );
  expect(result.errors).toBeUndefined();
  const [first] = (result.data as any).residents;
  expect(first).toEqual({ a: masked(WORLD_NUMBERS[0]!), individualNumber: masked(WORLD_NUMBERS[0]!), identityInfo: { individualNumber: masked(WORLD_NUMBERS[0]!) } });
  expect((result.data as any).resident.individualNumber).toBe(masked(WORLD_NUMBERS[0]!));
  // The planner did fetch the full value: the first line masked it.
  expect(h.inner.resolved).toContain('Resident.individualNumber');
  noFullNumber(result);
});

test('an object under a masked-only grant is refused: a lookup BY the number never runs', async () => {
  const result = await h.run(`{ identityByIndividualNumber(individualNumber: "${WORLD_NUMBERS[0]}") { residentCode } }`, COUNTER);
  expect(result.data).toEqual({ identityByIndividualNumber: null });
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', policy: 'individual_number' });
  expect(result.errors?.[0]?.message).toMatch(/granted masked only \(mask "last-four"\)/);
  expect(h.inner.resolved).not.toContain('Query.identityByIndividualNumber');
  noFullNumber(result);
});

test('a profile granted in full reads all twelve digits; the two profiles never share a decision', async () => {
  const full = profile(['person_basic', 'individual_number', 'cs_identity'], { key: 'full' });
  const query = `{ resident(id: "R1") { individualNumber } }`;
  expect(((await h.run(query, full)).data as any).resident.individualNumber).toBe(WORLD_NUMBERS[0]);
  expect(((await h.run(query, COUNTER)).data as any).resident.individualNumber).toBe(masked(WORLD_NUMBERS[0]!));
});
