import * as residents from '../../../subgraphs/residents/legacy/adapter';
import { captureMssqlStatements } from '../../support/sql-capture';

/**
 * The resident record system runs on SQL Server in production. These tests read the T-SQL that
 * knex's mssql dialect generates for the key queries: bracket-quoted legacy names, bound
 * parameters (never inlined values), TOP for paging, and batches within SQL Server's limit of
 * 2,100 parameters per statement.
 */

const ids = Array.from({ length: 1000 }, (_, i) => String(i + 1).padStart(10, '0'));

async function tsqlOf(run: (db: import('knex').Knex) => Promise<unknown>) {
  const { db, statements } = captureMssqlStatements();
  await run(db).catch(() => undefined); // no rows come back; only the SQL matters here
  return statements;
}

describe('T-SQL generated for the resident record system (mssql dialect)', () => {
  test('a batch of persons by 宛名番号 is one statement with bound parameters', async () => {
    const statements = await tsqlOf((db) => residents.findResidentsByIds(db, ids));
    expect(statements).toHaveLength(1);
    const [{ sql, bindings }] = statements;
    expect(sql).toMatch(/^select \[ATENA_NO\], \[JUMINHYO_CD\], .* from \[JUMIN_KIHON\] where \[ATENA_NO\] in \(@p0, @p1, .*@p999\)$/);
    expect(bindings).toHaveLength(1000);
    expect(bindings.length).toBeLessThan(2100);
    expect(sql).not.toContain('0000000001');
  });

  test('individual numbers come from their own table, by 宛名番号', async () => {
    const [{ sql }] = await tsqlOf((db) => residents.findIndividualNumbers(db, ids.slice(0, 3)));
    expect(sql).toBe('select [ATENA_NO], [KOJIN_NO] from [KOJIN_BANGO] where [ATENA_NO] in (@p0, @p1, @p2)');
  });

  test('household members are one ordered statement for a batch of households', async () => {
    const [{ sql }] = await tsqlOf((db) => residents.findHouseholdMembers(db, ['0050000010', '0050000028']));
    expect(sql).toMatch(/from \[JUMIN_KIHON\] where \[SETAI_NO\] in \(@p0, @p1\) and \[JUMIN_JOTAI\] = @p2 order by \[SETAI_NO\] asc, \[SETAI_JUN\] asc$/);
  });

  test('a page of the register uses TOP and a keyset cursor, and the kana filter a bound LIKE', async () => {
    const filter = { kanaPrefix: 'ﾔﾏﾀﾞ', status: ['RESIDENT' as const] };
    const [page, ...more] = await tsqlOf((db) => residents.searchResidents(db, filter, { first: 50, afterId: '0010000017' }));
    const [count] = await tsqlOf((db) => residents.countResidents(db, filter));
    expect(more).toEqual([]);
    expect(page?.sql).toMatch(/^select top \(@p\d+\) .* from \[JUMIN_KIHON\] where \[KENSAKU_KANA\] like @p\d+ escape '\\' and \[JUMIN_JOTAI\] in \(@p\d+\) and \[ATENA_NO\] > @p\d+ order by \[ATENA_NO\] asc$/);
    expect(page?.bindings).toEqual(expect.arrayContaining(['ヤマタ%', '0', '0010000017', 51]));
    expect(count?.sql).toMatch(/^select \(select count\(\*\) from \[JUMIN_KIHON\] where \[KENSAKU_KANA\] like @p0 escape '\\' and \[JUMIN_JOTAI\] in \(@p1\)\) as \[total\]$/);
  });

  test('population statistics are GROUP BY aggregates only', async () => {
    const statements = await tsqlOf((db) => residents.countRegisterGroups(db));
    expect(statements.length).toBe(6);
    for (const { sql } of statements) {
      expect(sql).toMatch(/count\(\*\)/);
      expect(sql).toMatch(/group by/);
    }
  });
});
