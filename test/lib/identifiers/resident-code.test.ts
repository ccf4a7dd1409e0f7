import { checkResidentCode, makeResidentCode, residentCodeCheckDigitGuess } from '../../../lib/identifiers/resident-code';

describe('residentCodeCheckDigitGuess / makeResidentCode', () => {
  it('uses modulus 11 with weights 2..7 from the right', () => {
    // 0·2 + 9·3 + 8·4 + 7·5 + 6·6 + 5·7 + 4·2 + 3·3 + 2·4 + 1·5 = 195; 195 % 11 = 8 → 3
    expect(residentCodeCheckDigitGuess('1234567890')).toBe(3);
    expect(makeResidentCode('1234567890')).toBe('12345678903');
    expect(makeResidentCode('0000000006')).toBe('00000000060');
  });

  it('refuses a malformed body', () => {
    expect(() => makeResidentCode('123456789')).toThrow(RangeError);
    expect(() => residentCodeCheckDigitGuess('123456789a')).toThrow(RangeError);
  });
});

describe('checkResidentCode', () => {
  it('accepts a code whose check digit matches the guess, without warnings', () => {
    expect(checkResidentCode('12345678903')).toEqual({ ok: true, warnings: [], value: '12345678903' });
  });

  it('accepts a code whose check digit disagrees, with a warning (never a rejection)', () => {
    const result = checkResidentCode('12345678901');
    expect(result.ok).toBe(true);
    expect(result.value).toBe('12345678901');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/check digit/);
    expect(result.warnings[0]).not.toContain('12345678901');
  });

  it('normalises surrounding whitespace and full-width digits', () => {
    expect(checkResidentCode('\u3000１２３４５６７８９０３ ')).toEqual({ ok: true, warnings: [], value: '12345678903' });
  });

  it('rejects a wrong length', () => {
    expect(checkResidentCode('1234567890')).toEqual({
      ok: false,
      warnings: [],
      reason: 'LENGTH',
      message: 'resident code must be 11 digits (got 10)',
    });
    expect(checkResidentCode('123456789031')).toMatchObject({ ok: false, reason: 'LENGTH' });
  });

  it('rejects non-digits without echoing the input', () => {
    const result = checkResidentCode('1234-567890');
    expect(result).toMatchObject({ ok: false, reason: 'NOT_DIGITS', warnings: [] });
    expect(result.value).toBeUndefined();
    expect(result.message).not.toMatch(/\d{4}/);
  });
});
