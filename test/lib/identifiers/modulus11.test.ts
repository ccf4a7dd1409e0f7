import { hasValidModulus11, modulus11CheckDigit, withModulus11 } from '../../../lib/identifiers/modulus11';

describe('modulus11CheckDigit (weights 2..7 from the right)', () => {
  it('computes the worked example', () => {
    // 9·2 + 8·3 + 7·4 + 6·5 + 5·6 + 4·7 + 3·2 + 2·3 + 1·4 = 174; 174 % 11 = 9; 11 − 9 = 2
    expect(modulus11CheckDigit('123456789')).toBe(2);
  });

  it('starts with weight 2 at the rightmost digit and moves left', () => {
    expect(modulus11CheckDigit('000000001')).toBe(9); // 1·2 = 2 → 9
    expect(modulus11CheckDigit('000000010')).toBe(8); // 1·3 = 3 → 8
    expect(modulus11CheckDigit('000100000')).toBe(4); // 6th from the right: 1·7 = 7 → 4
  });

  it('repeats the weights after 7', () => {
    expect(modulus11CheckDigit('001000000')).toBe(9); // 7th from the right: weight 2 again
    expect(modulus11CheckDigit('010000000')).toBe(8); // 8th: weight 3
  });

  it('gives 0 for remainder 0, and 0 (not 10) for remainder 1', () => {
    expect(modulus11CheckDigit('000000000')).toBe(0);
    expect(modulus11CheckDigit('000000006')).toBe(0); // 6·2 = 12, 12 % 11 = 1 → 10 → 0
    expect(modulus11CheckDigit('000000005')).toBe(1); // 5·2 = 10 → 1
  });

  it('rejects bodies that are not digits', () => {
    expect(() => modulus11CheckDigit('')).toThrow(RangeError);
    expect(() => modulus11CheckDigit('12345678a')).toThrow(RangeError);
    expect(() => modulus11CheckDigit('１２３')).toThrow(RangeError);
  });
});

describe('withModulus11 / hasValidModulus11 (宛名番号, 世帯番号: 9 + 1 digits)', () => {
  it('appends the check digit', () => {
    expect(withModulus11('123456789')).toBe('1234567892');
    expect(withModulus11('000000006')).toBe('0000000060');
  });

  it('validates the check digit', () => {
    expect(hasValidModulus11('1234567892')).toBe(true);
    expect(hasValidModulus11('1234567893')).toBe(false);
    expect(hasValidModulus11('2134567892')).toBe(false); // transposition
  });

  it('pins the width when asked', () => {
    expect(hasValidModulus11('1234567892', 10)).toBe(true);
    expect(hasValidModulus11(withModulus11('23456789'), 10)).toBe(false); // lost a leading zero
    expect(hasValidModulus11(withModulus11('23456789'))).toBe(true);
  });

  it('answers false, never throws, for malformed input', () => {
    expect(hasValidModulus11('')).toBe(false);
    expect(hasValidModulus11('7')).toBe(false);
    expect(hasValidModulus11('12345-6789')).toBe(false);
  });
});
