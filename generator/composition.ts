import type { SeededRandom } from '../lib/random';
import type { Relationship, Sex } from '../lib/synthetic/model';
import { WeightedPool } from './sampling';

/**
 * Who lives together: household types in roughly the shares of a large Tokyo ward (about half
 * the households are one person), with ages that fit the relationships (a mother is 18–45
 * years older than her child, a couple is a few years apart).
 */

export type HouseholdType =
  | 'SINGLE'
  | 'COUPLE'
  | 'COUPLE_WITH_CHILDREN'
  | 'SINGLE_PARENT'
  | 'THREE_GENERATION'
  | 'COUPLE_WITH_PARENT'
  | 'SHARED';

export interface MemberSpec {
  relationship: Relationship;
  sex: Sex;
  /** Completed years at the reference date. */
  age: number;
  /** Which surname the member carries. */
  surname: 'HOUSEHOLD' | 'OWN';
  /** The generation's parent in the household, for birth-order checks (index into the list). */
  parentIndex: number | null;
}

const TYPES = new WeightedPool<HouseholdType>([
  ['SINGLE', 48],
  ['COUPLE', 20],
  ['COUPLE_WITH_CHILDREN', 20],
  ['SINGLE_PARENT', 5],
  ['THREE_GENERATION', 3],
  ['COUPLE_WITH_PARENT', 2],
  ['SHARED', 2],
]);

const MAX_MEMBERS = 6;

function opposite(sex: Sex): Sex {
  return sex === 'MALE' ? 'FEMALE' : 'MALE';
}

function spouseRelationship(headSex: Sex, rng: SeededRandom): Relationship {
  if (headSex === 'FEMALE') return 'HUSBAND';
  return rng.chance(0.015) ? 'COMMON_LAW_WIFE' : 'WIFE';
}

const SINGLE_AGE_BANDS = new WeightedPool<readonly [number, number]>([
  [[20, 29], 30],
  [[30, 39], 24],
  [[40, 64], 26],
  [[65, 99], 20],
]);

function singleAge(rng: SeededRandom): number {
  const [lo, hi] = SINGLE_AGE_BANDS.pick(rng);
  return rng.int(lo, hi);
}

/** Children of a mother of `motherAge`: born when she was 20–44, at least a year apart. */
function childAges(rng: SeededRandom, motherAge: number, count: number, maxAge: number): number[] {
  const oldest = Math.min(maxAge, motherAge - 20);
  const youngest = Math.max(0, motherAge - 44);
  const ages: number[] = [];
  if (oldest < youngest) return ages;
  let next = rng.int(youngest, oldest);
  for (let i = 0; i < count && next >= youngest; i++) {
    ages.push(next);
    next -= rng.int(1, 4);
  }
  return ages;
}

/**
 * The members of one household, head first, in the register's member order. `maxMembers`
 * caps the size so the world hits the requested number of persons exactly.
 */
export function composeHousehold(rng: SeededRandom, maxMembers: number): { type: HouseholdType; members: MemberSpec[] } {
  const cap = Math.min(MAX_MEMBERS, maxMembers);
  const type: HouseholdType = cap <= 1 ? 'SINGLE' : TYPES.pick(rng);
  const members: MemberSpec[] = [];
  const add = (relationship: Relationship, sex: Sex, age: number, surname: MemberSpec['surname'], parentIndex: number | null = null): number => {
    members.push({ relationship, sex, age: Math.max(0, Math.min(104, age)), surname, parentIndex });
    return members.length - 1;
  };

  switch (type) {
    case 'SINGLE': {
      const age = singleAge(rng);
      // Among the very old, women outlive men.
      add('HEAD', rng.chance(age >= 75 ? 0.68 : 0.5) ? 'FEMALE' : 'MALE', age, 'HOUSEHOLD');
      break;
    }
    case 'COUPLE': {
      const headSex: Sex = rng.chance(0.85) ? 'MALE' : 'FEMALE';
      const age = rng.int(24, 92);
      add('HEAD', headSex, age, 'HOUSEHOLD');
      add(spouseRelationship(headSex, rng), opposite(headSex), age + (headSex === 'MALE' ? -rng.int(-2, 6) : rng.int(-2, 6)), 'HOUSEHOLD');
      break;
    }
    case 'COUPLE_WITH_CHILDREN': {
      const headSex: Sex = rng.chance(0.9) ? 'MALE' : 'FEMALE';
      const age = rng.int(28, 62);
      add('HEAD', headSex, age, 'HOUSEHOLD');
      const spouseAge = age + (headSex === 'MALE' ? -rng.int(-2, 6) : rng.int(-2, 6));
      const spouse = add(spouseRelationship(headSex, rng), opposite(headSex), spouseAge, 'HOUSEHOLD');
      const motherAge = headSex === 'FEMALE' ? age : spouseAge;
      const count = rng.weighted<number>([[1, 45], [2, 40], [3, 13], [4, 2]]);
      for (const childAge of childAges(rng, motherAge, count, 32)) {
        add('CHILD', rng.chance(0.51) ? 'MALE' : 'FEMALE', childAge, 'HOUSEHOLD', headSex === 'FEMALE' ? 0 : spouse);
      }
      break;
    }
    case 'SINGLE_PARENT': {
      const headSex: Sex = rng.chance(0.85) ? 'FEMALE' : 'MALE';
      const age = rng.int(26, 58);
      add('HEAD', headSex, age, 'HOUSEHOLD');
      const count = rng.weighted<number>([[1, 60], [2, 32], [3, 8]]);
      for (const childAge of childAges(rng, age, count, 25)) add('CHILD', rng.chance(0.51) ? 'MALE' : 'FEMALE', childAge, 'HOUSEHOLD', 0);
      break;
    }
    case 'THREE_GENERATION': {
      if (rng.chance(0.5)) {
        // Younger couple with children and one of the head's parents.
        const age = rng.int(34, 56);
        add('HEAD', 'MALE', age, 'HOUSEHOLD');
        const spouseAge = age - rng.int(-2, 5);
        const spouse = add('WIFE', 'FEMALE', spouseAge, 'HOUSEHOLD');
        const parentSex: Sex = rng.chance(0.65) ? 'FEMALE' : 'MALE';
        add(parentSex === 'FEMALE' ? 'MOTHER' : 'FATHER', parentSex, age + rng.int(24, 36), 'HOUSEHOLD');
        for (const childAge of childAges(rng, spouseAge, rng.int(1, 3), 20)) add('CHILD', rng.chance(0.51) ? 'MALE' : 'FEMALE', childAge, 'HOUSEHOLD', spouse);
      } else {
        // Older couple, a married son with his wife and their children.
        const age = rng.int(58, 84);
        add('HEAD', 'MALE', age, 'HOUSEHOLD');
        const wifeAge = age - rng.int(-2, 5);
        const wife = add('WIFE', 'FEMALE', wifeAge, 'HOUSEHOLD');
        const sonAge = Math.max(24, Math.min(wifeAge - 22, rng.int(26, 52)));
        add('CHILD', 'MALE', sonAge, 'HOUSEHOLD', wife);
        const daughterInLawAge = sonAge - rng.int(-2, 5);
        const daughterInLaw = add('CHILDS_WIFE', 'FEMALE', daughterInLawAge, 'HOUSEHOLD');
        for (const childAge of childAges(rng, daughterInLawAge, rng.int(1, 3), 18)) {
          add('GRANDCHILD', rng.chance(0.51) ? 'MALE' : 'FEMALE', childAge, 'HOUSEHOLD', daughterInLaw);
        }
      }
      break;
    }
    case 'COUPLE_WITH_PARENT': {
      const age = rng.int(42, 68);
      add('HEAD', 'MALE', age, 'HOUSEHOLD');
      add('WIFE', 'FEMALE', age - rng.int(-2, 5), 'HOUSEHOLD');
      if (rng.chance(0.7)) add('MOTHER', 'FEMALE', age + rng.int(24, 36), 'HOUSEHOLD');
      else add('WIFES_MOTHER', 'FEMALE', age + rng.int(22, 34), 'OWN');
      break;
    }
    case 'SHARED': {
      const age = rng.int(20, 45);
      const headSex: Sex = rng.chance(0.5) ? 'MALE' : 'FEMALE';
      add('HEAD', headSex, age, 'HOUSEHOLD');
      if (rng.chance(0.3)) {
        // Siblings sharing a flat.
        const sex: Sex = rng.chance(0.5) ? 'MALE' : 'FEMALE';
        add(sex === 'MALE' ? 'YOUNGER_BROTHER' : 'YOUNGER_SISTER', sex, Math.max(18, age - rng.int(1, 8)), 'HOUSEHOLD');
      } else {
        const lodgers = rng.int(1, 2);
        for (let i = 0; i < lodgers; i++) add('LODGER', rng.chance(0.5) ? 'MALE' : 'FEMALE', age + rng.int(-5, 5), 'OWN');
      }
      break;
    }
  }
  // Cut from the end: the head always stays, the youngest generation goes first.
  members.length = Math.min(members.length, cap);
  return { type, members };
}
