import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import { migrateLegacyToLatest } from '../../../subgraphs/legacy-migrations';
import { startSubgraph, type RunningSubgraph } from '../../../subgraphs/shared/server';
import { todayInJapan } from '../../../subgraphs/shared/statistics';
import { cardProgressSubgraph } from '../../../subgraphs/card-progress';
import * as adapter from '../../../subgraphs/card-progress/legacy/adapter';
import { parseJstTimestamp } from '../../../subgraphs/card-progress/legacy/adapter';
import { captureMssqlStatements, recordStatements } from '../../support/sql-capture';
import { postToSubgraph } from '../../support/gateway-identity';
import { scratchDialects, type ScratchDatabase } from '../../support/postgres';
import { padFixedWidth } from '../../../lib/legacy/text';
import { seedAll } from '../../../scripts/seeding/seed-all';
import { FIXTURE_FEB29_COMMON_YEAR, FIXTURE_FIRST_RESIDENT } from '../../../generator/fixtures';

/**
 * The card-progress subgraph (個人番号カード交付進捗管理システム), started in-process and
 * queried over HTTP as the gateway would. The legacy rows are written by hand, padded as the
 * legacy CHAR/NCHAR columns are, so every expected value below is known exactly.
 *
 * Runs on SQLite always, and also on PostgreSQL when TEST_PG_URL is set (a scratch schema is
 * created and dropped), so the adapter's SQL is exercised on two real dialects. A last block
 * runs on the synthetic-data generator's output (seedAll, SQLite) and its fixed persons.
 */

const char = (value: string | null, width: number) => (value === null ? null : padFixedWidth(value, width));
const nchar = (value: string, width: number) => padFixedWidth(value, width, { fullWidth: true });

interface Application {
  id: string;
  atena: string;
  appliedOn: string;
  status: string;
  office: string | null;
}
interface Event {
  id: string;
  seq: number;
  status: string;
  at: string;
  office: string | null;
}
interface Reservation {
  id: string;
  at: string;
  office: string;
  state: string;
}
interface Dataset {
  offices: { code: string; name: string }[];
  applications: Application[];
  events: Event[];
  reservations: Reservation[];
}

async function insertDataset(db: Knex, data: Dataset): Promise<void> {
  const chunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / 100) }, (_, i) => rows.slice(i * 100, i * 100 + 100));
  if (data.offices.length) await db('KOFU_BASHO_MST').insert(data.offices.map((o) => ({ BASHO_CD: o.code, BASHO_MEI: nchar(o.name, 20) })));
  for (const rows of chunks(data.applications)) {
    await db('CARD_SHINSEI').insert(
      rows.map((a) => ({
        SHINSEI_ID: char(a.id, 16),
        ATENA_NO: char(a.atena, 10),
        SHINSEI_YMD: a.appliedOn,
        GENKO_JOTAI_CD: a.status,
        KOFU_BASHO_CD: char(a.office, 3),
        KOSHIN_NICHIJI: '20240401000000',
      })),
    );
  }
  for (const rows of chunks(data.events)) {
    await db('CARD_SHINCHOKU').insert(
      rows.map((e) => ({ SHINSEI_ID: char(e.id, 16), RIREKI_SEQ: e.seq, JOTAI_CD: e.status, JOTAI_NICHIJI: e.at, BASHO_CD: char(e.office, 3) })),
    );
  }
  for (const rows of chunks(data.reservations)) {
    await db('CARD_YOYAKU').insert(
      rows.map((r) => ({ SHINSEI_ID: char(r.id, 16), YOYAKU_NICHIJI: r.at, YOYAKU_BASHO_CD: r.office, YOYAKU_JOTAI: r.state })),
    );
  }
}

// Offices: full-width padding, half-width kana, a private-use 外字. 099 is missing from the master.
const OFFICES = [
  { code: '001', name: '世田谷総合支所' },
  { code: '002', name: 'ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ窓口' },
  { code: '003', name: '烏山\uE123出張所' },
];

// P1: two applications; the latest (2024-03-01) has five events inserted out of order and a booking.
const P1 = '0000000001';
// P2: three applications; two on the same day (the higher 申請書ID wins), one older with a higher ID.
const P2 = '0000000002';
// P3: no application at all.
const P3 = '0000000003';
// P4: a calendar-invalid 申請日 (2023-02-29), events through every state code, a cancelled booking.
const P4 = '0000000004';
// P5: 申請日 with an unknown day, an office missing from the master, and an older application
// whose state code and date are both broken (it must not hide the latest one).
const P5 = '0000000005';
// Data faults on the latest application: P8 an unknown state code, P9 an impossible timestamp.
const P8 = '0000000008';
const P9 = '0000000009';
// N001…N050: fifty persons with one application, two events and a booking each (for batching).
const BATCH = Array.from({ length: 50 }, (_, i) => `00000010${String(i + 1).padStart(2, '0')}`);

const MAIN: Dataset = {
  offices: OFFICES,
  applications: [
    { id: 'A000000000000102', atena: P1, appliedOn: '20240301', status: '50', office: '002' },
    { id: 'A000000000000101', atena: P1, appliedOn: '20230105', status: '60', office: '001' },
    { id: 'B000000000000009', atena: P2, appliedOn: '20231231', status: '91', office: '001' },
    { id: 'B000000000000002', atena: P2, appliedOn: '20240101', status: '10', office: null },
    { id: 'B000000000000001', atena: P2, appliedOn: '20240101', status: '20', office: '001' },
    { id: 'D000000000000001', atena: P4, appliedOn: '20230229', status: '91', office: null },
    { id: 'E000000000000001', atena: P5, appliedOn: '20240600', status: '60', office: '099' },
    { id: 'E000000000000000', atena: P5, appliedOn: '2023XX01', status: '77', office: '001' },
    { id: 'H000000000000001', atena: P8, appliedOn: '20240105', status: '77', office: '001' },
    { id: 'I000000000000001', atena: P9, appliedOn: '20240105', status: '20', office: '001' },
    ...BATCH.map((atena, i) => ({ id: `N0000000000000${String(i + 1).padStart(2, '0')}`, atena, appliedOn: '20240201', status: '50', office: '001' })),
  ],
  events: [
    { id: 'A000000000000102', seq: 3, status: '30', at: '20240401100000', office: '002' },
    { id: 'A000000000000102', seq: 1, status: '10', at: '20240301091530', office: null },
    { id: 'A000000000000102', seq: 5, status: '50', at: '20240405173000', office: '003' },
    { id: 'A000000000000102', seq: 2, status: '20', at: '20240315120000', office: null },
    { id: 'A000000000000102', seq: 4, status: '40', at: '20240402080000', office: '002' },
    { id: 'A000000000000101', seq: 1, status: '60', at: '20230301100000', office: '001' },
    ...['10', '20', '30', '40', '50', '60', '90', '91'].map((status, i) => ({
      id: 'D000000000000001',
      seq: i + 1,
      status,
      at: `2023030${i + 1}120000`,
      office: null,
    })),
    { id: 'I000000000000001', seq: 1, status: '10', at: '20240230250000', office: null },
    ...BATCH.flatMap((_, i) => [
      { id: `N0000000000000${String(i + 1).padStart(2, '0')}`, seq: 1, status: '10', at: '20240201090000', office: null },
      { id: `N0000000000000${String(i + 1).padStart(2, '0')}`, seq: 2, status: '50', at: '20240210090000', office: '001' },
    ]),
  ],
  reservations: [
    { id: 'A000000000000102', at: '202404101030', office: '003', state: '1' },
    { id: 'D000000000000001', at: '202303201400', office: '001', state: '2' },
    { id: 'E000000000000001', at: '202407011000', office: '099', state: '3' },
    ...BATCH.map((_, i) => ({ id: `N0000000000000${String(i + 1).padStart(2, '0')}`, at: '202403011000', office: '001', state: '1' })),
  ],
};

// A small dataset for the statistics, minimum cell size 3:
//   states  ISSUED 5, ARRIVED 4, APPLIED 1, CANCELLED 2, an unknown code 3 → APPLIED and CANCELLED suppressed.
//   offices 001 7, 002 6, 003 2 → 003 suppressed, and 002 with it (one suppressed cell could be
//   recovered from the total by subtraction).
const STATISTICS: Dataset = {
  offices: OFFICES,
  applications: [
    ...['60', '60', '60', '60', '60', '30', '30', '30', '30', '10', '91', '91', '77', '77', '77'].map((status, i) => ({
      id: `S0000000000000${String(i + 1).padStart(2, '0')}`,
      atena: `00000200${String(i + 1).padStart(2, '0')}`,
      appliedOn: '20240110',
      status,
      office: i < 7 ? '001' : i < 13 ? '002' : '003',
    })),
  ],
  events: [],
  reservations: [],
};

const DIALECTS = scratchDialects('card-progress');

const OFFICE = 'office { code name }';
const CARD_FIELDS = `applicationId status appliedOn { iso wareki precision approximate calendarValid raw }
  issuingOffice { code name } events { sequence status occurredAt ${OFFICE} } reservation { scheduledAt state ${OFFICE} }`;

// The operation the gateway sends to fetch this subgraph's fields of Resident entities.
const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Resident { id myNumberCard { ${CARD_FIELDS} } } }
}`;

const representations = (ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Resident', id })) });

const STATISTICS_QUERY = `{ cardIssuanceStatistics {
  asOf minimumCellSize byStatus { key label count suppressed } byOffice { key label count suppressed }
} }`;

describe('parseJstTimestamp', () => {
  it('writes a 14-digit JST timestamp as ISO 8601 with +09:00', () => {
    expect(parseJstTimestamp('20240301091530')).toBe('2024-03-01T09:15:30+09:00');
    expect(new Date(parseJstTimestamp('20240301091530')).toISOString()).toBe('2024-03-01T00:15:30.000Z');
  });

  it('writes a 12-digit one (minutes) with :00 seconds, trimming padding', () => {
    expect(parseJstTimestamp('202404101030  ')).toBe('2024-04-10T10:30:00+09:00');
  });

  it('rejects instants that do not exist, without quoting the value', () => {
    for (const raw of ['20240230120000', '20240101250000', '20241301000000', '2024010112', '', 'abcdefghijklmn']) {
      expect(() => parseJstTimestamp(raw)).toThrow(expect.objectContaining({ code: 'INVALID_LEGACY_DATE' }));
    }
    try {
      parseJstTimestamp('20240230120000');
    } catch (error) {
      expect((error as Error).message).not.toContain('20240230');
    }
  });
});

describe('the adapter on SQL Server (T-SQL captured, not run)', () => {
  it('sends one portable statement per batch: no LIMIT, no window function', async () => {
    const { db, statements } = captureMssqlStatements();
    const ids = ['0000000001', '0000000002'];
    await adapter.findLatestCards(db, ids);
    await adapter.findCardEvents(db, ids);
    await adapter.findReservations(db, ids);
    expect(statements).toHaveLength(3);
    expect(statements.map((s) => s.bindings)).toEqual([ids, ids, ids]);
    for (const { sql } of statements) {
      expect(sql).toMatch(/^select /);
      expect(sql).not.toMatch(/\blimit\b|\bover\s*\(|\btop\b/i);
      expect(sql).toContain('[KOFU_BASHO_MST]');
    }
    await adapter.countApplicationGroups(db);
    expect(statements).toHaveLength(5);
    expect(statements.slice(3).every(({ sql }) => /group by/.test(sql))).toBe(true);
  });
});

describe.each(DIALECTS)('card-progress subgraph on $name', (dialect) => {
  let opened: ScratchDatabase;
  let running: RunningSubgraph;
  const savedMinimum = process.env.STATISTICS_MIN_CELL_SIZE;

  beforeAll(async () => {
    opened = await dialect.open();
    await migrateLegacyToLatest('card-progress', opened.db);
    await insertDataset(opened.db, MAIN);
    running = await startSubgraph(cardProgressSubgraph, { port: 0, db: opened.db });
  });

  afterAll(async () => {
    await running?.stop();
    await opened?.cleanup();
    if (savedMinimum === undefined) delete process.env.STATISTICS_MIN_CELL_SIZE;
    else process.env.STATISTICS_MIN_CELL_SIZE = savedMinimum;
  });

  it('serves the Resident entity with the latest application, its events (oldest first) and booking', async () => {
    const { status, body } = await postToSubgraph(running, ENTITIES, representations([P1]));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([
      {
        id: P1,
        myNumberCard: {
          applicationId: 'A000000000000102',
          status: 'RESERVED',
          appliedOn: { iso: '2024-03-01', wareki: '令和6年3月1日', precision: 'DAY', approximate: false, calendarValid: true, raw: '20240301' },
          issuingOffice: { code: '002', name: 'マイナンバーカード窓口' },
          events: [
            { sequence: 1, status: 'APPLIED', occurredAt: '2024-03-01T09:15:30+09:00', office: null },
            { sequence: 2, status: 'IN_PRODUCTION', occurredAt: '2024-03-15T12:00:00+09:00', office: null },
            { sequence: 3, status: 'ARRIVED', occurredAt: '2024-04-01T10:00:00+09:00', office: { code: '002', name: 'マイナンバーカード窓口' } },
            { sequence: 4, status: 'NOTICE_SENT', occurredAt: '2024-04-02T08:00:00+09:00', office: { code: '002', name: 'マイナンバーカード窓口' } },
            { sequence: 5, status: 'RESERVED', occurredAt: '2024-04-05T17:30:00+09:00', office: { code: '003', name: '烏山\uE123出張所' } },
          ],
          reservation: { scheduledAt: '2024-04-10T10:30:00+09:00', state: 'BOOKED', office: { code: '003', name: '烏山\uE123出張所' } },
        },
      },
    ]);
  });

  it('picks the latest application by 申請日, then by 申請書ID, whatever the insertion order', async () => {
    const { body } = await postToSubgraph(running, `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Resident { id myNumberCard { applicationId status issuingOffice { code name } } } }
    }`, representations([P2, P3]));
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([
      { id: P2, myNumberCard: { applicationId: 'B000000000000002', status: 'APPLIED', issuingOffice: null } },
      { id: P3, myNumberCard: null },
    ]);
  });

  it('maps every state code, keeps an impossible 申請日 without inventing a date, and a cancelled booking', async () => {
    const { body } = await postToSubgraph(running, ENTITIES, representations([P4]));
    expect(body.errors).toBeUndefined();
    const card = body.data?._entities[0].myNumberCard;
    expect(card.status).toBe('CANCELLED');
    expect(card.appliedOn).toEqual({ iso: null, wareki: '令和5年2月29日', precision: 'DAY', approximate: false, calendarValid: false, raw: '20230229' });
    expect(card.events.map((e: { status: string }) => e.status)).toEqual([
      'APPLIED',
      'IN_PRODUCTION',
      'ARRIVED',
      'NOTICE_SENT',
      'RESERVED',
      'ISSUED',
      'REVOKED',
      'CANCELLED',
    ]);
    expect(card.reservation).toEqual({ scheduledAt: '2023-03-20T14:00:00+09:00', state: 'CANCELLED', office: { code: '001', name: '世田谷総合支所' } });
  });

  it('gives a partly unknown 申請日 at its precision, and the code for an office missing from the master', async () => {
    const { body } = await postToSubgraph(running, ENTITIES, representations([P5]));
    expect(body.errors).toBeUndefined();
    const card = body.data?._entities[0].myNumberCard;
    expect(card.applicationId).toBe('E000000000000001');
    expect(card.appliedOn).toMatchObject({ iso: '2024-06', precision: 'MONTH', raw: '20240600' });
    expect(card.issuingOffice).toEqual({ code: '099', name: '099' });
    expect(card.events).toEqual([]);
    expect(card.reservation).toEqual({ scheduledAt: '2024-07-01T10:00:00+09:00', state: 'ATTENDED', office: { code: '099', name: '099' } });
  });

  it('never guesses an unknown state code: a masked error that carries no person data', async () => {
    const { body, raw: text } = await postToSubgraph(running, ENTITIES, representations([P8]));
    expect(body.data?._entities).toEqual([{ id: P8, myNumberCard: null }]);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({ message: 'Internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const errors = JSON.stringify(body.errors);
    for (const secret of [P8, 'H000000000000001']) expect(errors).not.toContain(secret);
    expect(text).not.toContain('H000000000000001');
  });

  it('reports an impossible timestamp as INVALID_LEGACY_DATE without quoting it', async () => {
    const { body } = await postToSubgraph(running, ENTITIES, representations([P9]));
    expect(body.data?._entities).toEqual([{ id: P9, myNumberCard: null }]);
    expect(body.errors?.[0].extensions?.code).toBe('INVALID_LEGACY_DATE');
    expect(JSON.stringify(body.errors)).not.toContain('20240230');
  });

  it('fails only the persons with a malformed row, not the others in their batch, still one statement per loader', async () => {
    const { result, statements } = await recordStatements(opened.db, () => postToSubgraph(running, ENTITIES, representations([P1, P8, P9, P2])));
    const { body, raw: text } = result;
    const entities = body.data?._entities as { id: string; myNumberCard: any }[];
    expect(entities.map((e) => e.id)).toEqual([P1, P8, P9, P2]);
    expect(entities[0].myNumberCard.applicationId).toBe('A000000000000102');
    expect(entities[0].myNumberCard.events).toHaveLength(5);
    expect(entities[1].myNumberCard).toBeNull(); // an unknown state code on the latest application
    expect(entities[2].myNumberCard).toBeNull(); // an impossible timestamp in its events
    expect(entities[3].myNumberCard.applicationId).toBe('B000000000000002');
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual(
      expect.arrayContaining([
        [['_entities', 1, 'myNumberCard'], 'INTERNAL_SERVER_ERROR'],
        [['_entities', 2, 'myNumberCard', 'events'], 'INVALID_LEGACY_DATE'],
      ]),
    );
    expect(body.errors).toHaveLength(2);
    expect(text).not.toMatch(/H000000000000001|I000000000000001|20240230/);
    expect(statements).toHaveLength(3);
  });

  it('runs the same number of SQL statements for 1 and for 50 entities (one per loader batch)', async () => {
    const { result: one, statements: oneStatements } = await recordStatements(opened.db, () => postToSubgraph(running, ENTITIES, representations(BATCH.slice(0, 1))));
    const { result: fifty, statements: fiftyStatements } = await recordStatements(opened.db, () => postToSubgraph(running, ENTITIES, representations(BATCH)));
    const [forOne, forFifty] = [oneStatements.length, fiftyStatements.length];

    expect(one.body.errors).toBeUndefined();
    expect(fifty.body.errors).toBeUndefined();
    expect(fifty.body.data?._entities).toHaveLength(50);
    for (const [i, entity] of (fifty.body.data?._entities as { id: string; myNumberCard: any }[]).entries()) {
      expect(entity.id).toBe(BATCH[i]);
      expect(entity.myNumberCard.applicationId).toBe(`N0000000000000${String(i + 1).padStart(2, '0')}`);
      expect(entity.myNumberCard.events).toHaveLength(2);
      expect(entity.myNumberCard.reservation.state).toBe('BOOKED');
    }
    // Applications (offices joined), events, reservations: three statements, whatever the count.
    expect(forOne).toBe(3);
    expect(forFifty).toBe(forOne);
  });

  describe('cardIssuanceStatistics', () => {
    let stats: ScratchDatabase;
    let statsServer: RunningSubgraph;

    beforeAll(async () => {
      stats = await dialect.open();
      await migrateLegacyToLatest('card-progress', stats.db);
      await insertDataset(stats.db, STATISTICS);
      statsServer = await startSubgraph(cardProgressSubgraph, { port: 0, db: stats.db });
    });

    afterAll(async () => {
      await statsServer?.stop();
      await stats?.cleanup();
    });

    it('suppresses cells under STATISTICS_MIN_CELL_SIZE, with secondary suppression', async () => {
      process.env.STATISTICS_MIN_CELL_SIZE = '3';
      const { body, raw: text } = await postToSubgraph(statsServer, STATISTICS_QUERY, undefined, 'dx-analyst');
      expect(body.errors).toBeUndefined();
      expect(body.data?.cardIssuanceStatistics).toEqual({
        asOf: todayInJapan(),
        minimumCellSize: 3,
        byStatus: [
          { key: 'APPLIED', label: '申請受付', count: null, suppressed: true },
          { key: 'ARRIVED', label: '区に到着', count: 4, suppressed: false },
          { key: 'ISSUED', label: '交付済', count: 5, suppressed: false },
          { key: 'CANCELLED', label: '取消 (交付前に転出・死亡)', count: null, suppressed: true },
          { key: 'UNKNOWN', label: '不明な状態コード', count: 3, suppressed: false },
        ],
        byOffice: [
          { key: '001', label: '世田谷総合支所', count: 7, suppressed: false },
          { key: '002', label: 'マイナンバーカード窓口', count: null, suppressed: true },
          { key: '003', label: '烏山\uE123出張所', count: null, suppressed: true },
        ],
      });
      // Aggregates only: no 宛名番号 or 申請書ID anywhere in the answer.
      expect(text).not.toMatch(/000002\d{4}|S0000000000000\d\d/);
    });

    it('publishes every count when the minimum is 1 (the counts are of applications)', async () => {
      process.env.STATISTICS_MIN_CELL_SIZE = '1';
      const { body } = await postToSubgraph(statsServer, STATISTICS_QUERY, undefined, 'dx-analyst');
      expect(body.errors).toBeUndefined();
      const { byStatus, byOffice } = body.data?.cardIssuanceStatistics;
      expect(byStatus.map((c: { key: string; count: number }) => [c.key, c.count])).toEqual([
        ['APPLIED', 1],
        ['ARRIVED', 4],
        ['ISSUED', 5],
        ['CANCELLED', 2],
        ['UNKNOWN', 3],
      ]);
      expect(byOffice.map((c: { key: string; count: number }) => [c.key, c.count])).toEqual([
        ['001', 7],
        ['002', 6],
        ['003', 2],
      ]);
    });

    it('counts every application, not the latest per person, on the main dataset too', async () => {
      process.env.STATISTICS_MIN_CELL_SIZE = '1';
      const { body } = await postToSubgraph(running, STATISTICS_QUERY, undefined, 'dx-analyst');
      expect(body.errors).toBeUndefined();
      const { byStatus, byOffice } = body.data?.cardIssuanceStatistics;
      const total = (cells: { count: number }[]) => cells.reduce((sum, c) => sum + c.count, 0);
      expect(total(byStatus)).toBe(MAIN.applications.length);
      expect(total(byOffice)).toBe(MAIN.applications.length);
      expect(byOffice).toContainEqual({ key: 'UNASSIGNED', label: '交付場所未定', count: 2, suppressed: false });
      expect(byOffice).toContainEqual({ key: '099', label: '099', count: 1, suppressed: false });
    });
  });
});

describe('card-progress subgraph on seeded synthetic data', () => {
  let dir: string;
  let db: Knex;
  let running: RunningSubgraph;
  const savedMinimum = process.env.STATISTICS_MIN_CELL_SIZE;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'card-progress-seed-'));
    // env {}: SQLite files in `dir`, whatever the caller's <PREFIX>_DB_* variables say.
    await seedAll({ residents: 300, seed: 'card-progress-test', dataDir: dir, env: {} });
    db = openDatabase('card-progress', sqliteConfig(defaultSqliteFile('card-progress', dir)));
    running = await startSubgraph(cardProgressSubgraph, { port: 0, db });
  });

  afterAll(async () => {
    await running?.stop();
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    if (savedMinimum === undefined) delete process.env.STATISTICS_MIN_CELL_SIZE;
    else process.env.STATISTICS_MIN_CELL_SIZE = savedMinimum;
  });

  it("serves the fixed persons' cards as the generator documents them", async () => {
    const { body } = await postToSubgraph(running, ENTITIES, representations([FIXTURE_FIRST_RESIDENT.addressNumber, FIXTURE_FEB29_COMMON_YEAR.addressNumber]));
    expect(body.errors).toBeUndefined();
    const [first, second] = body.data?._entities;
    expect(first.myNumberCard).toMatchObject({
      status: FIXTURE_FIRST_RESIDENT.cardStatus,
      appliedOn: { iso: '2020-02-10', wareki: '令和2年2月10日', precision: 'DAY', raw: '20200210' },
      issuingOffice: { code: FIXTURE_FIRST_RESIDENT.cardOfficeCode, name: '世田谷総合支所' },
      reservation: { scheduledAt: '2020-04-06T10:00:00+09:00', state: 'ATTENDED', office: { code: '101', name: '世田谷総合支所' } },
    });
    expect(first.myNumberCard.events.map((e: { sequence: number; status: string }) => [e.sequence, e.status])).toEqual([
      [1, 'APPLIED'],
      [2, 'IN_PRODUCTION'],
      [3, 'ARRIVED'],
      [4, 'NOTICE_SENT'],
      [5, 'RESERVED'],
      [6, 'ISSUED'],
    ]);
    expect(first.myNumberCard.events[0]).toEqual({ sequence: 1, status: 'APPLIED', occurredAt: '2020-02-10T10:15:00+09:00', office: null });
    expect(first.myNumberCard.events[5].occurredAt).toBe('2020-04-06T10:05:31+09:00');
    expect(second.myNumberCard).toMatchObject({
      status: FIXTURE_FEB29_COMMON_YEAR.cardStatus,
      reservation: { scheduledAt: '2026-11-10T14:30:00+09:00', state: 'BOOKED' },
    });
  });

  it('answers 50 seeded persons in as many statements as one, each with its own card', async () => {
    const rows: { SHINSEI_ID: string; ATENA_NO: string }[] = await db('CARD_SHINSEI').select('SHINSEI_ID', 'ATENA_NO').orderBy('ATENA_NO').limit(50);
    const counts: { SHINSEI_ID: string; n: number }[] = await db('CARD_SHINCHOKU').select('SHINSEI_ID').count({ n: '*' }).groupBy('SHINSEI_ID');
    const eventCount = new Map(counts.map((c) => [c.SHINSEI_ID.trim(), Number(c.n)]));
    expect(rows).toHaveLength(50);
    const ids = rows.map((r) => r.ATENA_NO.trim());

    const { result: one, statements: oneStatements } = await recordStatements(db, () => postToSubgraph(running, ENTITIES, representations(ids.slice(0, 1))));
    const { result: fifty, statements: fiftyStatements } = await recordStatements(db, () => postToSubgraph(running, ENTITIES, representations(ids)));
    const [forOne, forFifty] = [oneStatements.length, fiftyStatements.length];
    expect(one.body.errors).toBeUndefined();
    expect(fifty.body.errors).toBeUndefined();
    expect(forOne).toBe(3);
    expect(forFifty).toBe(forOne);
    (fifty.body.data?._entities as { id: string; myNumberCard: { applicationId: string; events: unknown[] } }[]).forEach((entity, i) => {
      expect(entity.id).toBe(ids[i]);
      expect(entity.myNumberCard.applicationId).toBe(rows[i].SHINSEI_ID.trim());
      expect(entity.myNumberCard.events).toHaveLength(eventCount.get(rows[i].SHINSEI_ID.trim()) ?? 0);
    });
  });

  it('publishes no cell under the minimum, and the unsuppressed counts add up', async () => {
    const [{ n: total }] = await db('CARD_SHINSEI').count({ n: '*' });
    process.env.STATISTICS_MIN_CELL_SIZE = '1';
    const all = (await postToSubgraph(running, STATISTICS_QUERY, undefined, 'dx-analyst')).body.data?.cardIssuanceStatistics;
    process.env.STATISTICS_MIN_CELL_SIZE = '10';
    const { body, raw: text } = await postToSubgraph(running, STATISTICS_QUERY, undefined, 'dx-analyst');
    expect(body.errors).toBeUndefined();
    const stats = body.data?.cardIssuanceStatistics;
    expect(stats.minimumCellSize).toBe(10);
    for (const dimension of ['byStatus', 'byOffice'] as const) {
      const exact: { key: string; count: number }[] = all[dimension];
      expect(exact.reduce((sum, c) => sum + c.count, 0)).toBe(Number(total));
      const published: { key: string; count: number | null; suppressed: boolean }[] = stats[dimension];
      expect(published.map((c) => c.key)).toEqual(exact.map((c) => c.key));
      for (const [i, cell] of published.entries()) {
        if (cell.suppressed) expect(cell.count).toBeNull();
        else expect(cell.count).toBe(exact[i].count);
        if (exact[i].count < 10) expect(cell.suppressed).toBe(true);
      }
      // Never exactly one suppressed cell: it could be recovered by subtraction from the total.
      expect(published.filter((c) => c.suppressed).length).not.toBe(1);
    }
    expect(text).not.toContain(FIXTURE_FIRST_RESIDENT.addressNumber);
  });
});
