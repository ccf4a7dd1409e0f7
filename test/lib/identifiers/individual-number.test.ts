import {
  InvalidIndividualNumberError,
  assertIndividualNumber,
  individualNumberCheckDigit,
  makeIndividualNumber,
  maskIndividualNumber,
  validateIndividualNumber,
} from '../../../lib/identifiers/individual-number';

// The three published examples (docs/domain.md); never a real person's number.
const VALID = ['123456789018', '314159265352', '123456789050'];

describe('individualNumberCheckDigit', () => {
  it.each([
    ['12345678901', 8],
    ['31415926535', 2],
    ['12345678905', 0], // r = 0
  ])('%s → %i', (body, digit) => {
    expect(individualNumberCheckDigit(body)).toBe(digit);
  });

  it('gives 0 when r = 1 as well as r = 0', () => {
    // 00000000006: 6·2 = 12, r = 1 → 0 (not 10)
    expect(individualNumberCheckDigit('00000000006')).toBe(0);
    // 00000000100: 1·4 = 4, r = 4 → 7
    expect(individualNumberCheckDigit('00000000100')).toBe(7);
    // the weight 7 sits sixth from the left: 00000100000 → 1·7 = 7 → 4
    expect(individualNumberCheckDigit('00000100000')).toBe(4);
  });

  it('rejects a body that is not 11 ASCII digits', () => {
    expect(() => individualNumberCheckDigit('1234567890')).toThrow(RangeError);
    expect(() => individualNumberCheckDigit('1234567890a')).toThrow(RangeError);
  });
});

describe('validateIndividualNumber', () => {
  it.each(VALID)('accepts %s', (n) => {
    expect(validateIndividualNumber(n)).toEqual({ ok: true, value: n });
  });

  it('accepts exactly one check digit per body', () => {
    const passing = Array.from({ length: 10 }, (_, d) => `12345678901${d}`).filter(
      (n) => validateIndividualNumber(n).ok,
    );
    expect(passing).toEqual(['123456789018']);
  });

  it('trims surrounding whitespace and folds full-width digits', () => {
    expect(validateIndividualNumber(' 123456789018\t')).toEqual({ ok: true, value: '123456789018' });
    expect(validateIndividualNumber('\u3000１２３４５６７８９０１８\u3000')).toEqual({ ok: true, value: '123456789018' });
  });

  it('keeps leading zeros', () => {
    const n = makeIndividualNumber('00000000100');
    expect(n).toBe('000000001007');
    expect(validateIndividualNumber(n)).toEqual({ ok: true, value: '000000001007' });
  });

  it('reports the length without echoing the number', () => {
    const result = validateIndividualNumber('12345678901');
    expect(result).toEqual({ ok: false, reason: 'LENGTH', message: 'individual number must be 12 digits (got 11)' });
    expect(validateIndividualNumber('')).toMatchObject({ ok: false, reason: 'LENGTH' });
    expect(validateIndividualNumber('1234567890180')).toMatchObject({ ok: false, reason: 'LENGTH' });
  });

  it('treats hyphens, inner spaces and letters as NOT_DIGITS', () => {
    for (const n of ['1234-5678-9018', '1234 5678 9018', '12345678901X', '123456789018-']) {
      expect(validateIndividualNumber(n)).toMatchObject({ ok: false, reason: 'NOT_DIGITS' });
    }
    expect(validateIndividualNumber('1234-5678-9018')).toEqual({
      ok: false,
      reason: 'NOT_DIGITS',
      message: 'individual number must contain digits only (found 2 other characters)',
    });
  });

  it('reports a wrong check digit', () => {
    expect(validateIndividualNumber('123456789019')).toMatchObject({ ok: false, reason: 'CHECK_DIGIT' });
    // adjacent transposition 12 → 21
    expect(validateIndividualNumber('213456789018')).toMatchObject({ ok: false, reason: 'CHECK_DIGIT' });
  });

  it('never puts any run of 4+ input digits in a message', () => {
    for (const n of ['123456789019', '1234-5678-9018', '12345678901', '１２３４５６７８９０１９']) {
      const result = validateIndividualNumber(n);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).not.toMatch(/\d{4}|[０-９]{4}/);
    }
  });
});

describe('assertIndividualNumber', () => {
  it('returns the normalised number', () => {
    expect(assertIndividualNumber(' ３１４１５９２６５３５２ ')).toBe('314159265352');
  });

  it('throws InvalidIndividualNumberError with code and reason', () => {
    let caught: unknown;
    try {
      assertIndividualNumber('314159265353');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidIndividualNumberError);
    expect(caught).toBeInstanceOf(Error);
    const error = caught as InvalidIndividualNumberError;
    expect(error.code).toBe('INVALID_INDIVIDUAL_NUMBER');
    expect(error.reason).toBe('CHECK_DIGIT');
    expect(error.name).toBe('InvalidIndividualNumberError');
    expect(error.message).not.toContain('314159265353');
    expect(error.stack).not.toContain('314159265353');
  });
});

describe('maskIndividualNumber', () => {
  it('shows only the last four digits', () => {
    expect(maskIndividualNumber('123456789018')).toBe('********9018');
    expect(maskIndividualNumber('１２３４５６７８９０５０')).toBe('********9050');
  });

  it('masks anything that is not a 12-digit number completely', () => {
    expect(maskIndividualNumber('12345678901')).toBe('************');
    expect(maskIndividualNumber('1234-5678-9018')).toBe('************');
    expect(maskIndividualNumber('')).toBe('************');
  });
});

describe('makeIndividualNumber', () => {
  it('appends the check digit', () => {
    expect(makeIndividualNumber('12345678901')).toBe('123456789018');
    expect(makeIndividualNumber('31415926535')).toBe('314159265352');
    expect(makeIndividualNumber('12345678905')).toBe('123456789050');
  });

  it('refuses a malformed body', () => {
    expect(() => makeIndividualNumber('123')).toThrow(/11 ASCII digits/);
  });
});
