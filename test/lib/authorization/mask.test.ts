import fs from 'node:fs';
import { maskValue } from '../../../lib/authorization/mask';
import { fieldMask, resolveProfile } from '../../../lib/authorization/profile';
import type { Principal } from '../../../lib/authorization/types';
import { loadPolicy } from '../../../lib/policy/load';
import { policyCopy } from '../../support/policy-copy';

/** Masks (policies.yaml `masks`, a grant's `mask:`): the value, the profile, the file's checks. */

describe('maskValue', () => {
  test.each([
    ['123456785148', 4, '********5148'],
    ['30000010312', 4, '*******0312'],
    ['AB12345678CD', 4, '********78CD'],
    ['********5148', 4, '********5148'], // masking twice changes nothing
    ['1234567', 4, '*******'], // shorter than twice what it keeps: hidden whole
    ['山田太郎', 1, '***郎'],
    ['', 4, ''],
    ['123456785148', 0, '************'],
  ])('%s keeping %i → %s', (value, keepLast, expected) => {
    expect(maskValue(value, { keepLast })).toBe(expected);
  });
});

const TAX = { subject: 't', departmentId: 'taxation-division', roles: ['clerk'], mfa: true, scopes: [] } satisfies Omit<Principal, 'purpose'>;

describe('profiles with masked grants (the shipped rules)', () => {
  const rules = loadPolicy();

  test('the tax counter holds individual_number masked, the assessment in full; the profiles differ', () => {
    const counter = resolveProfile(rules, { ...TAX, purpose: 'local-tax-counter' });
    const assessment = resolveProfile(rules, { ...TAX, purpose: 'local-tax' });
    if (!counter.ok || !assessment.ok) throw new Error('profiles refused');
    expect(counter.profile.granted.has('individual_number')).toBe(true);
    expect([...counter.profile.masked]).toEqual([['individual_number', { name: 'last-four', keepLast: 4 }]]);
    expect(assessment.profile.masked.size).toBe(0);
    expect(counter.profile.key).not.toBe(assessment.profile.key);
    expect(fieldMask(counter.profile, [['individual_number']])).toEqual({ name: 'last-four', keepLast: 4 });
    expect(fieldMask(counter.profile, [['person_basic']])).toBeNull();
    // An alternative without a masked policy reads in full.
    expect(fieldMask(counter.profile, [['individual_number'], ['person_basic']])).toBeNull();
    expect(fieldMask(assessment.profile, [['individual_number']])).toBeNull();
  });
});

describe('the file refuses a mask it cannot apply', () => {
  const cases: [string, (text: string) => string, RegExp][] = [
    ['an unknown mask', (text) => text.replace('        mask: last-four', '        mask: last-for'), /names unknown mask "last-for"/],
    ['a mask keeping more than four', (text) => text.replace('    keepLast: 4', '    keepLast: 8'), /"keepLast"/],
    ['a mask on the row rule', (text) => text.replace(/(\nrowRules:\n[\s\S]*?mfa: optional)/, '$1\n        mask: last-four'), /has no fields to mask/],
  ];
  test.each(cases)('%s', (_name, edit, message) => {
    const dir = policyCopy((name, text) => (name === 'policies.yaml' ? edit(text) : text));
    try {
      expect(() => loadPolicy(dir)).toThrow(message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
