/**
 * Modulus-11 check digit of the resident-record standard (住民記録システム標準仕様書), used for
 * the legacy system's internal numbers when new ones are issued:
 *   - 宛名番号 (address number, the internal person ID)
 *   - 世帯番号 (household number)
 * Both are 10 characters there: a 9-digit body followed by one check digit.
 *
 * Weights 2,3,4,5,6,7 repeat, starting with 2 on the rightmost body digit and moving left,
 * because that is how the standard counts them; counting from the left would give a different
 * digit for every body whose length is not a multiple of 6.
 *
 * check = (11 - sum % 11) % 11, and the value 10 (sum % 11 === 1) is written as 0.
 * Why 0: the columns are fixed-width numeric, so an 'X' (ISBN style) would not fit, and
 * refusing to issue such bodies would leave gaps in sequentially issued numbers that the
 * legacy data does not have. The cost is that sums ≡ 0 and ≡ 1 (mod 11) share the digit 0, so
 * an error that moves the sum between exactly those two residues goes unnoticed; every other
 * single-digit error and adjacent transposition is still caught.
 *
 * These numbers are not secret, but we still never echo them in error messages: callers put
 * error messages in logs, and a log line is the wrong place to learn which people exist.
 */

const DIGITS_ONLY = /^[0-9]+$/;

function assertDigits(value: string, what: string): void {
  if (typeof value !== 'string' || !DIGITS_ONLY.test(value)) {
    const length = typeof value === 'string' ? value.length : 0;
    throw new RangeError(`${what} must be a non-empty string of ASCII digits (length ${length})`);
  }
}

/** The check digit (0–9) for a body of one or more ASCII digits. */
export function modulus11CheckDigit(body: string): number {
  assertDigits(body, 'modulus-11 body');
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    const weight = (i % 6) + 2; // 2..7, then again 2..7
    sum += digit * weight;
  }
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? 0 : check;
}

/** The body with its check digit appended, e.g. for a newly issued 宛名番号. */
export function withModulus11(body: string): string {
  return body + String(modulus11CheckDigit(body));
}

/**
 * Whether the last digit of `full` is the modulus-11 check digit of the rest.
 * `expectedLength` (10 for 宛名番号 / 世帯番号) additionally pins the fixed width, so a number
 * that lost a leading zero somewhere on the way is not accepted by accident.
 * Never throws: it answers questions about untrusted input.
 */
export function hasValidModulus11(full: string, expectedLength?: number): boolean {
  if (typeof full !== 'string' || full.length < 2 || !DIGITS_ONLY.test(full)) return false;
  if (expectedLength !== undefined && full.length !== expectedLength) return false;
  const body = full.slice(0, -1);
  return modulus11CheckDigit(body) === full.charCodeAt(full.length - 1) - 48;
}
