import { SeededRandom } from '../lib/random';
import type { Household } from '../lib/synthetic/model';
import { IdentifierSequences } from './identifiers';
import { buildFixtureHouseholds, FIXTURE_HOUSEHOLD_COUNT, FIXTURE_PERSON_COUNT } from './fixtures';
import { buildHousehold, type BuildContext } from './household';
import { makeStaffIds } from './records';

/**
 * The synthetic world as a stream of household batches. Nothing accumulates: each batch is
 * handed out and forgotten, so a million residents cost the memory of one batch. The fixed
 * households of fixtures.ts come first, then random ones until exactly `residents` persons
 * (living and removed) exist.
 *
 * Determinism: every household draws from its own stream, `<seed>/household/<n>`, and the
 * sequential identifiers depend only on the order of households. Same seed and count, same world.
 */

export const DEFAULT_SEED = 'setagaya-synthetic-v1';
export const DEFAULT_BATCH_HOUSEHOLDS = 1000;

export interface WorldOptions {
  /** Persons on the register file, 除票 included (the rows of the person table). */
  residents: number;
  seed?: string;
  /** Households per batch. */
  batchSize?: number;
}

export function* generateWorld(options: WorldOptions): Generator<Household[], void, undefined> {
  const { residents } = options;
  const seed = options.seed ?? DEFAULT_SEED;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_HOUSEHOLDS;
  if (!Number.isSafeInteger(residents) || residents < FIXTURE_PERSON_COUNT) {
    throw new RangeError(`residents must be an integer of at least ${FIXTURE_PERSON_COUNT} (the fixed persons); got ${residents}`);
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);

  const root = new SeededRandom(seed);
  const reserved = { residentCodes: new Set<string>(), individualNumbers: new Set<string>() };
  const seq = new IdentifierSequences(root.fork('identifiers'), reserved, {
    addressNumber: FIXTURE_PERSON_COUNT + 1,
    householdNumber: FIXTURE_HOUSEHOLD_COUNT + 1,
  });
  const fixtures = buildFixtureHouseholds(seq);
  for (const household of fixtures) {
    for (const person of household.members) {
      reserved.residentCodes.add(person.residentCode);
      if (person.individualNumber) reserved.individualNumbers.add(person.individualNumber.value);
    }
  }
  const ctx: BuildContext = { seq, staff: makeStaffIds(root.fork('staff')) };

  let batch: Household[] = fixtures;
  let remaining = residents - FIXTURE_PERSON_COUNT;
  for (let n = 0; remaining > 0; n++) {
    const household = buildHousehold(ctx, root.fork(`household/${n}`), remaining);
    remaining -= household.members.length;
    batch.push(household);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
