import crypto from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createCursorCodec, cursorKeyFromEnvironment, CURSOR_KEY_ENV } from '../../../subgraphs/residents/cursor';

/** Opaque `residents` cursors (issue 10, item 4): sealed positions, refused unless sealed here. */

const reasonOf = (open: () => unknown): unknown => {
  try {
    open();
  } catch (error) {
    return error instanceof GraphQLError ? [error.extensions.code, error.extensions.reason] : error;
  }
  return 'opened';
};

describe('the cursor codec', () => {
  const codec = createCursorCodec(crypto.randomBytes(32));

  test('seals and opens a position; the cursor carries no 宛名番号, and two seals differ', () => {
    const cursor = codec.seal('0010000068');
    expect(codec.open(cursor)).toBe('0010000068');
    expect(cursor).not.toContain('0010000068');
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toContain('0010000068');
    expect(codec.seal('0010000068')).not.toBe(cursor);
  });

  test('a cursor sealed under another key, altered, truncated or forged is refused with INVALID_CURSOR', () => {
    const cursor = codec.seal('0010000068');
    const other = createCursorCodec(crypto.randomBytes(32)).seal('0010000068');
    const flipped = Buffer.from(cursor, 'base64url');
    flipped[flipped.length - 20] ^= 1;
    for (const bad of [other, flipped.toString('base64url'), cursor.slice(0, -4), Buffer.from('resident:0010000068').toString('base64url'), '', '***', 'A'.repeat(500)]) {
      expect([bad.slice(0, 12), reasonOf(() => codec.open(bad))]).toEqual([bad.slice(0, 12), ['BAD_USER_INPUT', 'INVALID_CURSOR']]);
    }
  });

  test('the key: from RESIDENTS_CURSOR_KEY (hex or base64, ≥ 32 bytes), else random per process', () => {
    const key = crypto.randomBytes(32);
    expect(cursorKeyFromEnvironment({ [CURSOR_KEY_ENV]: key.toString('hex') })).toEqual(key);
    expect(cursorKeyFromEnvironment({ [CURSOR_KEY_ENV]: key.toString('base64') })).toEqual(key);
    expect(() => cursorKeyFromEnvironment({ [CURSOR_KEY_ENV]: crypto.randomBytes(16).toString('base64') })).toThrow(/at least 32 bytes/);
    expect(cursorKeyFromEnvironment({})).toHaveLength(32);
    // Same key, same positions: instances sharing the key accept each other's cursors.
    const a = createCursorCodec(key);
    const b = createCursorCodec(cursorKeyFromEnvironment({ [CURSOR_KEY_ENV]: key.toString('hex') }));
    expect(b.open(a.seal('0010000017'))).toBe('0010000017');
  });
});
