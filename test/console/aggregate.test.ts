import { accessesPerDayByDepartment, denialsPerDay, hourWeekdayHeatmap, inBusinessHours, topUsersByDistinctPersons, type ChartRecord } from '../../console/src/aggregate';
import { formatWareki, formatWarekiDay, formatWestern, jstDate } from '../../console/src/dates';
import { toCsv } from '../../console/src/csv';
import { hunks, lineDiff } from '../../console/src/diff';

/** The console's arithmetic, on Japan's clock whatever the machine's time zone. */

const record = (occurredAt: string, subject: string, department: string, decision: string, personIds: string[] = []): ChartRecord => ({ occurredAt, subject, department, decision, personIds });

const RECORDS: ChartRecord[] = [
  // 2026-12-01 (Tue) 23:30 UTC is 2026-12-02 (Wed) 08:30 JST
  record('2026-12-01T23:30:00Z', 'a', 'registry-division', 'GRANTED', ['1', '2']),
  record('2026-12-02T10:00:00+09:00', 'a', 'registry-division', 'PARTIAL', ['2', '3']),
  record('2026-12-02T22:00:00+09:00', 'b', 'taxation-division', 'DENIED'),
  record('2026-12-05T10:00:00+09:00', 'b', 'taxation-division', 'GRANTED', ['9']),
  record('2026-12-05T10:00:00+09:00', 'c', 'taxation-division', 'REFUSED'),
];

test('dates are read on the ward’s clock: 和暦 and western with the offset', () => {
  expect(jstDate('2026-12-01T23:30:00Z')).toBe('2026-12-02');
  expect(formatWestern('2026-12-01T23:30:00Z')).toBe('2026-12-02 08:30:00 +09:00');
  expect(formatWareki('2026-12-01T23:30:00Z')).toBe('令和8年12月2日(水) 08:30:00');
  expect(formatWarekiDay('2019-05-01')).toMatch(/^令和(元|1)年5月1日\(水\)$/);
});

test('accesses per day by department, and refusals per day', () => {
  expect(accessesPerDayByDepartment(RECORDS, '2026-12-01', '2026-12-05')).toEqual({
    days: ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'],
    series: [
      { department: 'registry-division', counts: [0, 2, 0, 0, 0] },
      { department: 'taxation-division', counts: [0, 1, 0, 0, 2] },
    ],
  });
  expect(denialsPerDay(RECORDS, '2026-12-02', '2026-12-05')).toEqual({
    days: ['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'],
    denied: [1, 0, 0, 0],
    partial: [1, 0, 0, 0],
    refused: [0, 0, 0, 1],
  });
});

test('hour × weekday (Monday first) and business hours 8:30–17:15 on weekdays', () => {
  const cells = hourWeekdayHeatmap(RECORDS);
  expect(cells).toHaveLength(24 * 7);
  const at = (hour: number, row: number) => cells.find(([h, r]) => h === hour && r === row)![2];
  expect([at(8, 2), at(10, 2), at(22, 2), at(10, 5)]).toEqual([1, 1, 1, 2]); // Wed 8, 10, 22; Sat 10
  expect(cells.reduce((sum, cell) => sum + cell[2], 0)).toBe(RECORDS.length);
  expect([inBusinessHours(7, 0), inBusinessHours(8, 0), inBusinessHours(17, 0), inBusinessHours(18, 0), inBusinessHours(10, 5)]).toEqual([false, true, true, false, false]);
});

test('top users by distinct persons', () => {
  expect(topUsersByDistinctPersons(RECORDS)).toEqual([
    { subject: 'a', department: 'registry-division', persons: 3, operations: 2 },
    { subject: 'b', department: 'taxation-division', persons: 1, operations: 2 },
  ]);
});

test('CSV: BOM, CRLF, quoting, and no spreadsheet formulas', () => {
  expect(toCsv(['a', 'b'], [['x,y', '=1+1'], ['"q"', null]])).toBe('\ufeffa,b\r\n"x,y",\'=1+1\r\n"""q""",\r\n');
});

test('the reviewer’s line diff: removed and added lines, with context and gaps', () => {
  const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
  const after = ['a', 'b', 'c', 'd', 'e', 'X', 'g', 'h', 'i', 'j'].join('\n');
  const lines = lineDiff(before, after);
  expect(lines.filter((l) => l.kind !== 'same')).toEqual([
    { kind: 'removed', text: 'f', oldLine: 6 },
    { kind: 'added', text: 'X', newLine: 6 },
  ]);
  const shown = hunks(lines, 1);
  expect(shown.map((l) => (l === null ? '…' : l.text))).toEqual(['e', 'f', 'X', 'g']);
  expect(hunks(lineDiff('a\nb', 'a\nb'))).toEqual([]);
});
