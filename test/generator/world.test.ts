import crypto from 'node:crypto';
import { generateWorld } from '../../generator/world';
import { FIXTURE_HOUSEHOLD_COUNT, FIXTURE_PERSON_COUNT, FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import type { Household } from '../../lib/synthetic/model';
import { hasValidModulus11 } from '../../lib/identifiers/modulus11';
import { validateIndividualNumber } from '../../lib/identifiers/individual-number';

/** The world model on its own, before any legacy system: counts, stream shape, determinism. */

function collect(residents: number, seed?: string, batchSize?: number): Household[][] {
  return [...generateWorld({ residents, seed, batchSize })];
}

function digest(batches: Household[][]): string {
  return crypto.createHash('sha256').update(JSON.stringify(batches)).digest('hex');
}

describe('generateWorld', () => {
  it('produces exactly the requested number of persons, fixtures first', () => {
    for (const residents of [FIXTURE_PERSON_COUNT, FIXTURE_PERSON_COUNT + 1, 300, 1234]) {
      const households = collect(residents).flat();
      expect(households.reduce((n, h) => n + h.members.length, 0)).toBe(residents);
      expect(households[0].members[0].addressNumber).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    }
  });

  it('streams batches of at most batchSize households', () => {
    const batches = collect(2000, undefined, 100);
    expect(batches.length).toBeGreaterThan(5);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(100);
    // The fixed households ride in the first batch.
    expect(batches[0].length).toBeGreaterThanOrEqual(FIXTURE_HOUSEHOLD_COUNT);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = digest(collect(500, 'alpha'));
    expect(digest(collect(500, 'alpha'))).toBe(a);
    expect(digest(collect(500, 'beta'))).not.toBe(a);
  });

  it('does not depend on the batch size', () => {
    expect(digest([collect(800, 'batch', 7).flat()])).toBe(digest([collect(800, 'batch', 1000).flat()]));
  });

  it('rejects fewer persons than the fixtures hold', () => {
    expect(() => collect(FIXTURE_PERSON_COUNT - 1)).toThrow(RangeError);
    expect(() => collect(Number.NaN)).toThrow(RangeError);
  });

  it('keeps the household invariants', () => {
    const households = collect(3000, 'invariants').flat();
    const addressNumbers = new Set<string>();
    const residentCodes = new Set<string>();
    const individualNumbers = new Set<string>();
    for (const h of households) {
      expect(h.members.length).toBeGreaterThanOrEqual(1);
      expect(h.members.length).toBeLessThanOrEqual(6);
      expect(h.members.filter((m) => m.relationship === 'HEAD')).toHaveLength(1);
      expect(h.members[0].relationship).toBe('HEAD');
      expect(h.headAddressNumber).toBe(h.members[0].addressNumber);
      expect(hasValidModulus11(h.householdNumber, 10)).toBe(true);
      h.members.forEach((m, i) => {
        expect(m.memberOrder).toBe(i + 1);
        expect(m.householdNumber).toBe(h.householdNumber);
        expect(hasValidModulus11(m.addressNumber, 10)).toBe(true);
        expect(m.residentCode).toMatch(/^\d{11}$/);
        addressNumbers.add(m.addressNumber);
        residentCodes.add(m.residentCode);
        if (m.individualNumber) {
          expect(validateIndividualNumber(m.individualNumber.value).ok).toBe(true);
          individualNumbers.add(m.individualNumber.value);
        }
        // Movement history is in date order and ends as the status says.
        const dates = m.movements.map((x) => x.occurredOn);
        expect([...dates].sort()).toEqual(dates);
        expect(['MOVE_IN', 'BIRTH', 'EX_OFFICIO_ENTRY']).toContain(m.movements[0].reason);
        const last = m.movements[m.movements.length - 1].reason;
        const expectedLast = { RESIDENT: null, MOVED_OUT: 'MOVE_OUT', DECEASED: 'DEATH', ERASED: 'EX_OFFICIO_ERASURE' }[m.status];
        if (expectedLast) expect(last).toBe(expectedLast);
        else expect(['MOVE_OUT', 'DEATH', 'EX_OFFICIO_ERASURE']).not.toContain(last);
        expect(m.becameResidentOn).toBe(m.movements[0].occurredOn);
        // Nothing happens to a removed person after the removal.
        if (m.removal) {
          for (const c of m.certificates) if (c.kind !== 'REMOVED_RECORD_COPY') expect(c.issuedOn <= m.removal.occurredOn).toBe(true);
          expect(m.onElectoralRoll).toBe(false);
        }
        if (m.foreign) expect(m.familyRegister).toBeNull();
        else expect(m.familyRegister).not.toBeNull();
      });
    }
    const persons = households.reduce((n, h) => n + h.members.length, 0);
    expect(addressNumbers.size).toBe(persons);
    expect(residentCodes.size).toBe(persons);
  });
});
