import fs from 'node:fs';
import path from 'node:path';
import { buildASTSchema, getNamedType, parse } from 'graphql';
import { REFERENCE_DATE } from '../../generator/dates';
import { prepareSupergraphForGateway } from '../../gateway/supergraph-security';
import { startFederation, type Federation } from '../support/federation';

/**
 * Statistics windows that cannot be differenced (issue 10). The attack: dx-analyst asks
 * `populationStatistics(movementsFrom:, movementsTo:)` for windows one day apart and subtracts
 * the month's cells, recovering daily counts (7, 9, 6 …) that a single-day query suppresses.
 * Periods are whole complete calendar months now; anything else is refused with a code, and a
 * month's cell is the same in every window that holds it. Checked on every statistic and every
 * dimension, and against the schema, so a new statistic with a period argument is not missed.
 */

const CODE = 'STATISTICS_PERIOD_NOT_WHOLE_MONTHS';
const MONTHS = `query Months($from: String, $to: String) { populationStatistics(movementsFrom: $from, movementsTo: $to) { movementsByMonth { key count } } }`;
const EVERY_DIMENSION = `query All($from: String, $to: String) {
  populationStatistics(movementsFrom: $from, movementsTo: $to) {
    asOf minimumCellSize residentTotal
    byDistrict { key label count } byAgeBand { key label count } bySex { key label count }
    byResidentType { key label count } byStatus { key label count } movementsByMonth { key label count }
  }
  cardIssuanceStatistics { asOf minimumCellSize byStatus { key label count } byOffice { key label count } }
}`;

/** The arguments of each statistic that choose a period; any other argument fails the schema check below. */
const PERIOD_ARGUMENTS: Record<string, readonly string[]> = {
  populationStatistics: ['movementsFrom', 'movementsTo'],
  cardIssuanceStatistics: [],
};

// The synthetic world's as-of date (WARD_AS_OF_DATE in the test setup): the last complete month is the one before.
const [refYear, refMonth] = REFERENCE_DATE.split('-').map(Number);
const lastComplete = new Date(Date.UTC(refYear, refMonth - 2, 1)).toISOString().slice(0, 7);
const day = (month: string, d: number) => `${month}-${String(d).padStart(2, '0')}`;
const monthEnd = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);

type Cell = { key: string; count: number | null };

let federation: Federation;
beforeAll(async () => {
  federation = await startFederation();
});
afterAll(async () => {
  await federation?.stop();
});

async function months(from?: string, to?: string) {
  const { status, body } = await federation.query<{ populationStatistics: { movementsByMonth: Cell[] } }>('dx-analyst', MONTHS, { from, to });
  return { status, body, cells: body.data?.populationStatistics?.movementsByMonth ?? null };
}

test('windows one day apart give no daily count: the attack of issue 10, replayed', async () => {
  const month = lastComplete;
  const end = monthEnd(month);
  const recovered: number[] = [];
  let refused = 0;
  let previous: number | null | undefined;
  for (let d = 1; d <= 5; d += 1) {
    const answer = await months(day(month, d), end);
    const cell = answer.cells?.find((c) => c.key === month);
    if (answer.cells === null) {
      expect(answer.body.errors?.[0]?.extensions?.code).toBe(CODE);
      refused += 1;
      previous = undefined;
      continue;
    }
    const count = cell?.count ?? null;
    if (previous != null && count != null) recovered.push(previous - count);
    previous = count;
    // The single day itself: refused (or, before the fix, suppressed or absent).
    const single = await months(day(month, d), day(month, d));
    expect(single.cells?.find((c) => c.key === month)?.count ?? null).toBeNull();
  }
  // Before the fix: recovered held the daily counts of the month's first days.
  expect(recovered).toEqual([]);
  expect(refused).toBe(4);
});

test('a period that is not whole complete months is refused with a clear message and its code', async () => {
  const cases: [string | undefined, string | undefined, RegExp][] = [
    [day(lastComplete, 2), undefined, /movementsFrom must start a calendar month/],
    [undefined, day(lastComplete, 30).replace(/-3\d$/, '-15'), /movementsTo must end a calendar month/],
    [undefined, '2024-02-28', /movementsTo must end a calendar month \(2024-02-29 or 2024-02\)/],
    [undefined, REFERENCE_DATE.slice(0, 7), /movementsTo must not be later than .* the last complete month/],
    [undefined, '2024-02-30', /movementsTo must end a calendar month/],
    ['2025-06', '2025-05', /movementsFrom must not be later than movementsTo/],
    ['June', undefined, /movementsFrom must be a month YYYY-MM or a date YYYY-MM-DD/],
  ];
  for (const [from, to, message] of cases) {
    const answer = await months(from, to);
    expect(answer.cells).toBeNull();
    expect(answer.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: CODE }) })]);
  }
  // The accepted spellings of one period are one answer.
  const spelled = await Promise.all([months('2025-01', '2025-06'), months('2025-01-01', '2025-06-30'), months('2025-01-01', '2025-06')]);
  for (const answer of spelled) expect(answer.cells).toEqual(spelled[0].cells);
  expect(spelled[0].cells?.map((c) => c.key)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06']);
});

test('every dimension: whole-month windows differ only by whole months, each shown as in every other window', async () => {
  const windows: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['2025-01', lastComplete],
    ['2025-02', lastComplete],
    ['2025-01', '2025-12'],
    ['2025-01', '2025-11'],
    ['2024-06-01', '2025-03-31'],
  ];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const answers: Record<string, any>[] = [];
  for (const [from, to] of windows) {
    const { body } = await federation.query('dx-analyst', EVERY_DIMENSION, { from, to });
    expect(body.errors).toBeUndefined();
    answers.push(body.data!);
  }
  const monthCell = new Map<string, number | null>();
  for (const [index, answer] of answers.entries()) {
    const { movementsByMonth, ...population } = answer.populationStatistics;
    const { movementsByMonth: _first, ...firstPopulation } = answers[0].populationStatistics;
    // The dimensions without a period: the same in every window, so subtracting them gives nothing.
    expect(population).toEqual(firstPopulation);
    expect(answer.cardIssuanceStatistics).toEqual(answers[0].cardIssuanceStatistics);
    // By month: only months of the window, and each month's cell the same in every window.
    const [from, to] = windows[index];
    for (const cell of movementsByMonth as Cell[]) {
      if (from) expect(cell.key >= from.slice(0, 7)).toBe(true);
      expect(cell.key <= (to ?? lastComplete).slice(0, 7)).toBe(true);
      if (monthCell.has(cell.key)) expect(cell.count).toBe(monthCell.get(cell.key));
      monthCell.set(cell.key, cell.count);
    }
  }
  // The default window: the twelve complete months before the as-of month.
  expect((answers[0].populationStatistics.movementsByMonth as Cell[]).every((c) => c.key <= lastComplete)).toBe(true);
  expect(monthCell.size).toBeGreaterThan(12);
});

test('every statistic in the schema is covered: its only arguments are the period arguments tested here', () => {
  const sdl = fs.readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
  const schema = buildASTSchema(parse(prepareSupergraphForGateway(sdl).plannerSdl), { assumeValidSDL: true });
  const statistics = Object.values(schema.getQueryType()!.getFields()).filter((field) => /Statistics$/.test(getNamedType(field.type).name));
  expect(Object.fromEntries(statistics.map((field) => [field.name, field.args.map((arg) => arg.name)]))).toEqual(PERIOD_ARGUMENTS);
});
