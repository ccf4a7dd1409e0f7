import { jstTimestampToIso } from '../../../lib/legacy/timestamp';

describe('jstTimestampToIso', () => {
  it('writes YYYYMMDDHHMMSS (Japan time) as ISO 8601 with +09:00', () => {
    expect(jstTimestampToIso('20240401093005')).toBe('2024-04-01T09:30:05+09:00');
    expect(new Date(jstTimestampToIso('20240401093005')!).toISOString()).toBe('2024-04-01T00:30:05.000Z');
    expect(jstTimestampToIso('20240229235959')).toBe('2024-02-29T23:59:59+09:00');
  });

  it('takes YYYYMMDDHHMM only when asked, writing :00 seconds', () => {
    expect(jstTimestampToIso('202404101030')).toBeNull();
    expect(jstTimestampToIso('202404101030', { allowMinutes: true })).toBe('2024-04-10T10:30:00+09:00');
    expect(jstTimestampToIso('20240410103015', { allowMinutes: true })).toBe('2024-04-10T10:30:15+09:00');
  });

  it.each([
    ['2月30日', '20240230120000'],
    ['29 Feb of a common year', '20230229120000'],
    ['month 13', '20241301000000'],
    ['day 0', '20240100000000'],
    ['25時', '20240101250000'],
    ['minute 60', '20240101126000'],
    ['second 60', '20240101120060'],
    ['year 0', '00000101000000'],
    ['all zeros', '00000000000000'],
    ['blank', ''],
    ['padding (the caller trims)', '20240401093005  '],
    ['full-width digits (the caller folds)', '２０２４０４０１０９３００５'],
    ['10 digits', '2024010112'],
    ['letters', 'abcdefghijklmn'],
  ])('is null for %s, never a rolled-over time', (_what, value) => {
    expect(jstTimestampToIso(value, { allowMinutes: true })).toBeNull();
  });
});
