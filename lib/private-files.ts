/**
 * Data files readable by their owner only (issue 10: `data/*.sqlite` were created 0644). The
 * subgraphs' SQLite databases hold person records, the audit store who saw them, the dev keys
 * sign tokens: a folder made for them is 0700, a file 0600 — created so, not chmod-ed after
 * (no moment where another user can open it). SQLite gives its -wal, -shm and -journal files
 * the mode of the database file, so pre-creating the database file 0600 covers them too.
 * Existing folders and files keep their mode: a deployment may share them on purpose
 * (a backup group), and a shared parent such as /tmp must not be changed.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) 0700; an existing folder is left as it is. */
export function ensurePrivateDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
}

/**
 * Makes sure a SQLite database file exists before SQLite opens it: created empty and 0600 when
 * missing (SQLite takes an empty file as a new database), in a 0700 folder when that is missing.
 */
export function ensurePrivateSqliteFile(filename: string): void {
  if (filename === ':memory:' || filename === '' || filename.startsWith('file:')) return;
  ensurePrivateDirectory(path.dirname(filename));
  try {
    // 'wx': only when missing, so an existing database is never truncated or re-moded.
    fs.closeSync(fs.openSync(filename, 'wx', PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
