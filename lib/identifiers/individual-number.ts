/**
 * 個人番号 (My Number): 12 ASCII digits, the 12th a check digit over the first 11
 * (総務省令 平成26年第85号 第5条). Always a string: leading zeros are real.
 *
 * Everything here treats the number as personal data: no message, error or mask ever contains
 * more than its last four digits, because messages end up in logs and API error payloads.
 * A passing check digit proves only the format (about 1 in 11 random strings pass), never that
 * the number belongs to anyone.
 */

/** Left-to-right weights of the 11-digit body: Q(n) = n+1 (n ≤ 6) or n−5, n counted from the right. */
const WEIGHTS = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;
const LENGTH = 12;
const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
const ASCII_DIGITS = /^[0-9]*$/;

export type IndividualNumberFailureReason = 'LENGTH' | 'NOT_DIGITS' | 'CHECK_DIGIT';

export type IndividualNumberValidation =
  | { ok: true; value: string }
  | { ok: false; reason: IndividualNumberFailureReason; message: string };

/**
 * Trims surrounding whitespace (ASCII or full-width) and turns full-width digits into ASCII.
 * Staff type numbers with an IME that is often in full-width mode; that is not an error in the
 * number. Nothing else is normalised: a hyphen or a letter may mean the value is something
 * other than a My Number, so it must be rejected rather than silently repaired.
 * Shared with 住民票コード, which is typed in the same screens.
 */
export function normalizeDigitInput(input: string): string {
  return input.trim().replace(FULL_WIDTH_DIGIT, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30));
}

/** Check digit (0–9) for the 11-digit body. Throws RangeError for anything but 11 ASCII digits. */
export function individualNumberCheckDigit(body11: string): number {
  if (typeof body11 !== 'string' || body11.length !== 11 || !ASCII_DIGITS.test(body11)) {
    const length = typeof body11 === 'string' ? body11.length : 0;
    throw new RangeError(`individual number body must be 11 ASCII digits (got ${length} characters)`);
  }
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += (body11.charCodeAt(i) - 48) * WEIGHTS[i];
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

/**
 * Validates anything that claims to be a My Number. On success `value` is the normalised
 * 12-digit string to store or compare; on failure `message` describes the problem without
 * the number itself.
 */
export function validateIndividualNumber(input: string): IndividualNumberValidation {
  if (typeof input !== 'string') {
    return { ok: false, reason: 'NOT_DIGITS', message: 'individual number must be a string of 12 digits' };
  }
  const value = normalizeDigitInput(input);
  if (!ASCII_DIGITS.test(value)) {
    // Count rather than show: quoting the characters would mean quoting the value around them.
    const nonDigits = value.replace(/[0-9]/g, '').length;
    return {
      ok: false,
      reason: 'NOT_DIGITS',
      message: `individual number must contain digits only (found ${nonDigits} other character${nonDigits === 1 ? '' : 's'})`,
    };
  }
  if (value.length !== LENGTH) {
    return { ok: false, reason: 'LENGTH', message: `individual number must be ${LENGTH} digits (got ${value.length})` };
  }
  if (individualNumberCheckDigit(value.slice(0, 11)) !== value.charCodeAt(11) - 48) {
    return {
      ok: false,
      reason: 'CHECK_DIGIT',
      message: 'individual number check digit does not match (a mistyped or transposed digit is likely)',
    };
  }
  return { ok: true, value };
}

export class InvalidIndividualNumberError extends Error {
  override readonly name = 'InvalidIndividualNumberError';
  readonly code = 'INVALID_INDIVIDUAL_NUMBER' as const;
  readonly reason: IndividualNumberFailureReason;

  constructor(reason: IndividualNumberFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The normalised number, or throws InvalidIndividualNumberError (for write paths). */
export function assertIndividualNumber(input: string): string {
  const result = validateIndividualNumber(input);
  if (!result.ok) throw new InvalidIndividualNumberError(result.reason, result.message);
  return result.value;
}

/**
 * `********9018` for logs and audit views. A value that is not a well-formed 12-digit number is
 * masked completely: we cannot tell what it is, so we do not reveal any part of it.
 */
export function maskIndividualNumber(n: string): string {
  const value = typeof n === 'string' ? normalizeDigitInput(n) : '';
  if (value.length === LENGTH && ASCII_DIGITS.test(value)) return '*'.repeat(8) + value.slice(8);
  return '*'.repeat(LENGTH);
}

/** Body + check digit; the synthetic-data generator's way to produce valid (fake) numbers. */
export function makeIndividualNumber(body11: string): string {
  return body11 + String(individualNumberCheckDigit(body11));
}
