/**
 * 住民票コード (resident-record code, 住基ネット): 11 digits, the last one a check digit
 * defined by a 総務省告示 whose formula we could not confirm from public text.
 *
 * So the policy is deliberately asymmetric: the format (length, digits) is certain and is
 * enforced; the check digit is only compared with our best guess (modulus 11, weights 2–7 from
 * the right, see modulus11.ts) and a disagreement is a warning. Rejecting on a guessed formula
 * would block real residents' records; ignoring it would throw away a useful typo hint.
 * Like the 個人番号, the code is personal data: messages never contain it.
 */
import { modulus11CheckDigit } from './modulus11';
import { normalizeDigitInput } from './individual-number';

const LENGTH = 11;
const ASCII_DIGITS = /^[0-9]*$/;

export type ResidentCodeFailureReason = 'LENGTH' | 'NOT_DIGITS';

export interface ResidentCodeCheck {
  /** false only for a wrong length or non-digits; a check-digit mismatch keeps ok true. */
  ok: boolean;
  /** Human-readable doubts that do not block the value (e.g. the check-digit guess disagrees). */
  warnings: string[];
  /** Normalised 11-digit code (full-width digits → ASCII, surrounding whitespace trimmed) when ok. */
  value?: string;
  /** Why it was rejected, when ok is false. */
  reason?: ResidentCodeFailureReason;
  /** Clear English message for the rejection, without the code itself. */
  message?: string;
}

/** Our unconfirmed guess at the check digit of a 10-digit body (see the file comment). */
export function residentCodeCheckDigitGuess(body10: string): number {
  if (typeof body10 !== 'string' || body10.length !== LENGTH - 1 || !ASCII_DIGITS.test(body10)) {
    const length = typeof body10 === 'string' ? body10.length : 0;
    throw new RangeError(`resident code body must be ${LENGTH - 1} ASCII digits (got ${length} characters)`);
  }
  return modulus11CheckDigit(body10);
}

export function checkResidentCode(input: string): ResidentCodeCheck {
  if (typeof input !== 'string') {
    return { ok: false, warnings: [], reason: 'NOT_DIGITS', message: `resident code must be a string of ${LENGTH} digits` };
  }
  const value = normalizeDigitInput(input);
  if (!ASCII_DIGITS.test(value)) {
    const nonDigits = value.replace(/[0-9]/g, '').length;
    return {
      ok: false,
      warnings: [],
      reason: 'NOT_DIGITS',
      message: `resident code must contain digits only (found ${nonDigits} other character${nonDigits === 1 ? '' : 's'})`,
    };
  }
  if (value.length !== LENGTH) {
    return { ok: false, warnings: [], reason: 'LENGTH', message: `resident code must be ${LENGTH} digits (got ${value.length})` };
  }
  const warnings: string[] = [];
  if (residentCodeCheckDigitGuess(value.slice(0, -1)) !== value.charCodeAt(LENGTH - 1) - 48) {
    warnings.push(
      'resident code check digit differs from the expected modulus-11 value; the formula is unconfirmed, so the code is kept — verify it against the source document',
    );
  }
  return { ok: true, warnings, value };
}

/** Body + guessed check digit, for the synthetic-data generator (fake codes only). */
export function makeResidentCode(body10: string): string {
  return body10 + String(residentCodeCheckDigitGuess(body10));
}
