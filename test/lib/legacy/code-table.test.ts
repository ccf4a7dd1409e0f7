import { codeTable, UnknownLegacyCodeError } from '../../../lib/legacy/code-table';
import { convertByKey } from '../../../subgraphs/shared/loaders';
import * as residents from '../../../subgraphs/residents/legacy/codes';
import * as jukiCs from '../../../subgraphs/juki-cs/legacy/codes';
import * as intermediate from '../../../subgraphs/intermediate/legacy/codes';
import * as cardProgress from '../../../subgraphs/card-progress/legacy/codes';

/** The two-way code tables (lib/legacy/code-table.ts) and the subgraphs' tables built with it. */

const STATUS = codeTable('JUMIN_KIHON.JUMIN_JOTAI', { RESIDENT: '0', MOVED_OUT: '1', DECEASED: '2', ERASED: '3' });

describe('codeTable', () => {
  test('decodes a padded code and encodes back to it', () => {
    expect(STATUS.decode('1')).toBe('MOVED_OUT');
    expect(STATUS.decode('1 ')).toBe('MOVED_OUT');
    expect(STATUS.encode('MOVED_OUT')).toBe('1');
    expect(STATUS.entries()).toEqual([['RESIDENT', '0'], ['MOVED_OUT', '1'], ['DECEASED', '2'], ['ERASED', '3']]);
  });

  test('an undocumented or blank code is an UnknownLegacyCodeError naming the column, never the value', () => {
    for (const raw of ['7', ' ', null, undefined, '01']) {
      expect(() => STATUS.decode(raw)).toThrow(UnknownLegacyCodeError);
      expect(STATUS.lookup(raw)).toBeNull();
    }
    expect(() => STATUS.decode('7')).toThrow('JUMIN_KIHON.JUMIN_JOTAI holds a code outside its documented list');
  });

  test('in a batch, an unknown code fails its own key only', () => {
    const rows = [{ id: 'a', code: '0' }, { id: 'b', code: '7' }, { id: 'c', code: '2' }];
    const byKey = convertByKey(rows, (row) => row.id, (row) => STATUS.decode(row.code));
    expect(byKey.get('a')).toBe('RESIDENT');
    expect(byKey.get('b')).toBeInstanceOf(UnknownLegacyCodeError);
    expect(byKey.get('c')).toBe('DECEASED');
  });

  test('a declared catch-all stands for an unknown code', () => {
    const reason = codeTable('X.REASON', { MOVE_IN: '01', CORRECTION: '09' }, { unknown: 'CORRECTION' });
    expect(reason.decode('99')).toBe('CORRECTION');
    expect(reason.lookup('99')).toBeNull();
  });

  test('a table in which two values share a code is refused: it could not be read back', () => {
    expect(() => codeTable('X.CODE', { A: '1', B: '1' })).toThrow('X.CODE: code 1 is given to two values');
  });
});

describe("the subgraphs' tables", () => {
  const tables = [residents, jukiCs, intermediate, cardProgress].flatMap((module) =>
    Object.values(module).filter((value): value is ReturnType<typeof codeTable<string>> => typeof value === 'object' && value !== null && 'decode' in value),
  );

  test.each(tables.map((table) => [table.column, table]))('%s reads back every value it writes', (_column, table) => {
    for (const [value] of table.entries()) expect(table.decode(table.encode(value as never))).toBe(value);
    expect(new Set(table.codes).size).toBe(table.codes.length);
  });

  test('only the CS 異動事由 has a catch-all: an unknown 住民状態 is an error, never RESIDENT', () => {
    const withCatchAll = tables.filter((table) => {
      try {
        table.decode('\u0000unknown');
        return true;
      } catch {
        return false;
      }
    });
    expect(withCatchAll.map((table) => table.column)).toEqual(['HONNIN_KAKUNIN.IDO_JIYU_CD']);
    expect(() => residents.RESIDENT_STATUS.decode('7')).toThrow(UnknownLegacyCodeError);
  });
});
