import crypto from 'node:crypto';
import { badUserInput } from '../shared/errors';

/**
 * Opaque page cursors for `residents`: the position (the last 宛名番号 of a page) sealed with
 * AES-256-GCM under a key from the configuration (RESIDENTS_CURSOR_KEY). A cursor therefore
 * carries no 宛名番号 a client can read, and one that was not issued by this subgraph (forged,
 * altered, or sealed under another key) fails authentication and is refused with
 * BAD_USER_INPUT / reason INVALID_CURSOR — never decoded into a position.
 *
 * The sealing costs no SQL statement: a page stays one statement (plus its count).
 */

/** Environment variable: the key, base64 or hex, at least 32 bytes (only the first 32 are used). */
export const CURSOR_KEY_ENV = 'RESIDENTS_CURSOR_KEY';
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bound into the authentication tag: a cursor sealed for another purpose under the same key does not open here. */
const ASSOCIATED_DATA = Buffer.from('residents-cursor:v1');
/** Longer than any cursor this module issues; a longer `after` is refused before any decoding. */
const MAX_CURSOR_LENGTH = 200;

export interface CursorCodec {
  seal(residentId: string): string;
  /** The position a cursor names; BAD_USER_INPUT (reason INVALID_CURSOR) for anything not sealed by `seal`. */
  open(cursor: string): string;
}

/**
 * The key from the environment; without one, a random key for this process (cursors then last as
 * long as the process, and differ between instances: set RESIDENTS_CURSOR_KEY when several
 * instances serve one client). A configured key shorter than 32 bytes is a start-up error.
 */
export function cursorKeyFromEnvironment(env: NodeJS.ProcessEnv = process.env): Buffer {
  const configured = env[CURSOR_KEY_ENV]?.trim();
  if (!configured) return crypto.randomBytes(32);
  const key = /^[0-9a-f]+$/i.test(configured) && configured.length % 2 === 0 ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64');
  if (key.length < 32) throw new Error(`${CURSOR_KEY_ENV} must hold at least 32 bytes (base64 or hex)`);
  return key.subarray(0, 32);
}

export function createCursorCodec(key: Buffer): CursorCodec {
  if (key.length !== 32) throw new Error('the cursor key must be 32 bytes');
  const invalid = () => badUserInput('`after` is not a cursor returned by this API', { reason: 'INVALID_CURSOR' });
  return {
    seal(residentId) {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(ASSOCIATED_DATA);
      const sealed = Buffer.concat([cipher.update(residentId, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    open(cursor) {
      if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
      const bytes = Buffer.from(cursor, 'base64url');
      if (bytes.length < 1 + IV_BYTES + 1 + TAG_BYTES || bytes[0] !== VERSION) throw invalid();
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(ASSOCIATED_DATA);
      decipher.setAuthTag(tag);
      let position: string;
      try {
        position = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw invalid();
      }
      // Authenticated, so sealed by us; still only a 宛名番号 shape is a position.
      if (!/^\d{1,20}$/.test(position)) throw invalid();
      return position;
    },
  };
}

let processCodec: CursorCodec | undefined;

/** The codec of this process, keyed once from the environment. */
export function residentsCursorCodec(): CursorCodec {
  processCodec ??= createCursorCodec(cursorKeyFromEnvironment());
  return processCodec;
}
