import { SeededRandom } from '../lib/random';
import { makeIndividualNumber } from '../lib/identifiers/individual-number';
import { makeResidentCode } from '../lib/identifiers/resident-code';
import { withModulus11 } from '../lib/identifiers/modulus11';

/**
 * Issues every identifier of the world. Internal numbers (宛名番号, 世帯番号, issuance numbers)
 * are sequential, as the legacy systems issue them; 住民票コード and 個人番号 are random-looking,
 * as the national systems issue them, yet collision-free: they are a keyed bijection of a
 * counter, so uniqueness needs no set of a million used values.
 */

/** A bijection on [0, 10^digits): affine map, digit reversal, affine map. */
class DigitScrambler {
  private readonly modulus: bigint;
  private readonly a1: bigint;
  private readonly b1: bigint;
  private readonly a2: bigint;
  private readonly b2: bigint;

  constructor(
    private readonly digits: number,
    rng: SeededRandom,
  ) {
    this.modulus = 10n ** BigInt(digits);
    this.a1 = this.unit(rng);
    this.b1 = BigInt(rng.digits(digits));
    this.a2 = this.unit(rng);
    this.b2 = BigInt(rng.digits(digits));
  }

  /** A multiplier coprime to 10 (last digit 1, 3, 7 or 9), so the affine map is a bijection mod 10^n. */
  private unit(rng: SeededRandom): bigint {
    const body = rng.digits(this.digits - 1);
    return BigInt(body + rng.pick(['1', '3', '7', '9']));
  }

  map(index: number): string {
    const x = (this.a1 * BigInt(index) + this.b1) % this.modulus;
    const reversed = BigInt([...x.toString().padStart(this.digits, '0')].reverse().join(''));
    return ((this.a2 * reversed + this.b2) % this.modulus).toString().padStart(this.digits, '0');
  }
}

export interface ReservedIdentifiers {
  residentCodes: ReadonlySet<string>;
  individualNumbers: ReadonlySet<string>;
}

/** Where the sequential numbers begin (after those the fixtures hold). */
export interface SequenceStarts {
  addressNumber: number;
  householdNumber: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** 宛名番号 body: 9 digits before the check digit; issued from 001000001 upwards. */
export const ADDRESS_NUMBER_BASE = 1_000_000;
/** 世帯番号 body, from 005000001 upwards, so the two kinds of number never look alike. */
export const HOUSEHOLD_NUMBER_BASE = 5_000_000;

export function addressNumberOf(sequence: number): string {
  return withModulus11(pad(ADDRESS_NUMBER_BASE + sequence, 9));
}

export function householdNumberOf(sequence: number): string {
  return withModulus11(pad(HOUSEHOLD_NUMBER_BASE + sequence, 9));
}

export class IdentifierSequences {
  private addressNumbers: number;
  private householdNumbers: number;
  private residentCodeIndex = 0;
  private individualNumberIndex = 0;
  private integratedAddressNumbers = 0;
  private certificateNumbers = 0;
  private sealNumbers = 0;
  private provisionIds = 0;
  private cardApplications = 0;
  private readonly residentCodes: DigitScrambler;
  private readonly individualNumbers: DigitScrambler;

  constructor(
    rng: SeededRandom,
    private readonly reserved: ReservedIdentifiers,
    starts: SequenceStarts,
  ) {
    this.residentCodes = new DigitScrambler(10, rng.fork('resident-code'));
    this.individualNumbers = new DigitScrambler(11, rng.fork('individual-number'));
    this.addressNumbers = starts.addressNumber;
    this.householdNumbers = starts.householdNumber;
  }

  /** 宛名番号: 10 digits with the modulus-11 check digit of the resident-record standard. */
  addressNumber(): string {
    return addressNumberOf(this.addressNumbers++);
  }

  /** 世帯番号. */
  householdNumber(): string {
    return householdNumberOf(this.householdNumbers++);
  }

  /** 住民票コード: 11 digits. Values the fixtures hold are skipped. */
  residentCode(): string {
    for (;;) {
      const code = makeResidentCode(this.residentCodes.map(this.residentCodeIndex++));
      if (!this.reserved.residentCodes.has(code)) return code;
    }
  }

  /** 個人番号: 12 digits with a valid check digit. Values the fixtures hold are skipped. */
  individualNumber(): string {
    for (;;) {
      const value = makeIndividualNumber(this.individualNumbers.map(this.individualNumberIndex++));
      if (!this.reserved.individualNumbers.has(value)) return value;
    }
  }

  /** 団体内統合宛名番号: the ward's municipality code and a 9-digit sequence (15 digits). */
  integratedAddressNumber(): string {
    return `131121${pad(++this.integratedAddressNumbers, 9)}`;
  }

  /** 証明書の発行番号 (12 digits). */
  certificateNumber(): string {
    return pad(++this.certificateNumbers, 12);
  }

  /** 印鑑登録番号 (10 digits). */
  sealNumber(): string {
    return pad(++this.sealNumbers, 10);
  }

  /** 情報提供等記録の番号 (20 digits). */
  provisionId(): string {
    return pad(++this.provisionIds, 20);
  }

  /** 申請書ID (16 digits). */
  cardApplicationId(): string {
    return `9${pad(++this.cardApplications, 15)}`;
  }
}

/** 在留カード / 特別永住者証明書 number: 2 letters, 8 digits, 2 letters (e.g. AB12345678CD). */
export function residenceCardNumber(rng: SeededRandom): string {
  const letter = (): string => String.fromCharCode(65 + rng.int(0, 25));
  return letter() + letter() + rng.digits(8) + letter() + letter();
}
