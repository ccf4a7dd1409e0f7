/**
 * The policy folder on disk: which files it holds, their bytes and the combined hash that is the
 * policy version. No validation here (lib/policy/compile.ts); the store compares versions first.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The rule files, in the order they are read, hashed and checked. */
export const POLICY_FILE_NAMES = ['purposes.yaml', 'departments.yaml', 'roles.yaml', 'policies.yaml', 'revocations.yaml', 'bulk-output.yaml', 'limits.yaml'] as const;
export type PolicyFileName = (typeof POLICY_FILE_NAMES)[number];
/**
 * Files kept beside the rules that are not access rules (not part of the rule version): the
 * audit calendar the anomaly report reads (lib/audit/calendar.ts) and the contract definitions the
 * build reads (lib/contracts/definitions.ts). Any other YAML file is stray.
 */
export const COMPANION_FILE_NAMES = ['audit-calendar.yaml', 'contracts.yaml'] as const;

import { PROJECT_ROOT } from '../project-root';
/** `policy/` at the repository root. */
export const DEFAULT_POLICY_DIR = path.join(PROJECT_ROOT, 'policy');

/** The raw bytes of a rule folder and their combined hash (the PolicySet version they would give). */
export interface PolicySources {
  readonly dir: string;
  readonly version: string;
  readonly files: readonly { readonly name: PolicyFileName; readonly display: string; readonly bytes: Buffer | null; readonly readError?: string }[];
  /** `*.yaml` / `*.yml` files in the folder that are not rule files (a misnamed file is never silently ignored). */
  readonly strayFiles: readonly string[];
}

/** Reads the rule files' bytes (no validation): the store compares versions before compiling. */
export function readPolicyFiles(dir: string = DEFAULT_POLICY_DIR): PolicySources {
  const absolute = path.resolve(dir);
  const hash = createHash('sha256');
  const files = POLICY_FILE_NAMES.map((name) => {
    const file = path.join(absolute, name);
    const display = displayPath(file);
    let bytes: Buffer | null = null;
    let readError: string | undefined;
    try {
      bytes = fs.readFileSync(file);
    } catch (error) {
      readError = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the rule file is missing' : `cannot read the rule file: ${describe(error)}`;
    }
    hash.update(`${name}\0${bytes === null ? -1 : bytes.length}\0`);
    if (bytes) hash.update(bytes);
    return readError === undefined ? { name, display, bytes } : { name, display, bytes, readError };
  });
  let strayFiles: string[] = [];
  try {
    strayFiles = fs
      .readdirSync(absolute)
      .filter((name) => /\.ya?ml$/i.test(name) && !(POLICY_FILE_NAMES as readonly string[]).includes(name) && !(COMPANION_FILE_NAMES as readonly string[]).includes(name))
      .sort();
  } catch {
    // The folder itself is missing: every file reports it.
  }
  return { dir: absolute, version: hash.digest('hex'), files, strayFiles };
}

/** The file as shown in messages: relative to the repository root when inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
