import { convertByKey, convertGroups, mapLoader, settle } from '../../../subgraphs/shared/loaders';

/**
 * The subgraphs' shared loader mechanism (subgraphs/shared/loaders.ts): one batch function call
 * (one SQL statement) per batch, and a legacy row that cannot be converted fails its own key
 * only. The "statement" here is a fake batch function that counts its calls.
 */

interface Row {
  key: string;
  value: string;
}

class LegacyFault extends Error {
  override readonly name = 'LegacyFault';
}

/** Upper-cases a row's value; 'bad' is a malformed legacy value. */
function convert(row: Row): string {
  if (row.value === 'bad') throw new LegacyFault('a column holds a value outside its documented list');
  return row.value.toUpperCase();
}

/** A table of rows and a batch function over it that counts its calls, as one statement each. */
function fakeTable(rows: Row[]) {
  const batches: (readonly string[])[] = [];
  const select = async (keys: readonly string[]) => {
    batches.push(keys);
    return rows.filter((row) => keys.includes(row.key));
  };
  return { batches, select };
}

describe('settle', () => {
  test('returns the converted value, or the Error the conversion threw', () => {
    expect(settle(convert, { key: 'a', value: 'ok' })).toBe('OK');
    const error = settle(convert, { key: 'a', value: 'bad' });
    expect(error).toBeInstanceOf(LegacyFault);
  });

  test('a thrown non-Error becomes an Error that does not quote it', () => {
    const error = settle(() => {
      throw 'secret value';
    }, null);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('secret');
  });
});

describe('mapLoader over convertByKey: one bad row in a batch', () => {
  const rows: Row[] = [
    { key: 'a', value: 'alpha' },
    { key: 'b', value: 'bad' },
    { key: 'c', value: 'gamma' },
  ];

  test('the other keys resolve, the bad key alone rejects, in one batch call', async () => {
    const table = fakeTable(rows);
    const loader = mapLoader<string, string | null>(async (keys) => convertByKey(await table.select(keys), (row) => row.key, convert), null);

    const results = await Promise.allSettled(['a', 'b', 'c', 'missing'].map((key) => loader.load(key)));

    expect(results).toEqual([
      { status: 'fulfilled', value: 'ALPHA' },
      { status: 'rejected', reason: expect.any(LegacyFault) },
      { status: 'fulfilled', value: 'GAMMA' },
      { status: 'fulfilled', value: null },
    ]);
    expect(table.batches).toEqual([['a', 'b', 'c', 'missing']]);
  });

  test('loadMany gives each key its own result', async () => {
    const table = fakeTable(rows);
    const loader = mapLoader<string, string | null>(async (keys) => convertByKey(await table.select(keys), (row) => row.key, convert), null);
    const [a, b, c] = await loader.loadMany(['a', 'b', 'c']);
    expect([a, c]).toEqual(['ALPHA', 'GAMMA']);
    expect(b).toBeInstanceOf(LegacyFault);
    expect(table.batches).toHaveLength(1);
  });

  test('convertByKey keeps the last row of a key', () => {
    const byKey = convertByKey(
      [
        { key: 'a', value: 'bad' },
        { key: 'a', value: 'later' },
      ],
      (row) => row.key,
      convert,
    );
    expect(byKey).toEqual(new Map([['a', 'LATER']]));
  });
});

describe('mapLoader over convertGroups: one bad row in a list', () => {
  const rows: Row[] = [
    { key: 'a', value: 'a1' },
    { key: 'b', value: 'b1' },
    { key: 'a', value: 'a2' },
    { key: 'b', value: 'bad' },
    { key: 'b', value: 'b3' },
    { key: 'c', value: 'c1' },
    { key: 'c', value: 'c2' },
    { key: 'c', value: 'bad' },
  ];

  test("fails that key's whole list (never a list with a record missing); the others resolve in row order", async () => {
    const table = fakeTable(rows);
    const loader = mapLoader<string, string[]>(async (keys) => convertGroups(await table.select(keys), (row) => row.key, convert), []);

    const results = await Promise.allSettled(['a', 'b', 'none'].map((key) => loader.load(key)));

    expect(results).toEqual([
      { status: 'fulfilled', value: ['A1', 'A2'] },
      { status: 'rejected', reason: expect.any(LegacyFault) },
      { status: 'fulfilled', value: [] },
    ]);
    expect(table.batches).toHaveLength(1);
  });

  test('keeps at most `limit` per key and does not convert the rows beyond it', () => {
    const groups = convertGroups(rows, (row) => row.key, convert, 2);
    // c's bad row is its third: beyond the limit, so it is never converted and c is served.
    expect(groups.get('c')).toEqual(['C1', 'C2']);
    expect(groups.get('a')).toEqual(['A1', 'A2']);
    expect(groups.get('b')).toBeInstanceOf(LegacyFault);
  });
});
