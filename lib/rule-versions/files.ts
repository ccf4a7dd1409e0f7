/**
 * A version's payload: the rule files' texts (the policy/ folder as data). The version id is the
 * hash readRuleFiles computes over a folder, so the id a stored version carries is the
 * `ruleVersion` the audit trail and /healthz show for the same files.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { compilePolicy } from '../policy/compile';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES, type PolicyFileName, type PolicySources } from '../policy/files';
import { PolicyError, type PolicyIssue } from '../policy/errors';
import type { PolicySet } from '../policy/types';

/** Every rule file's text, by name. */
export type RuleFiles = Readonly<Record<PolicyFileName, string>>;

/** Longest rule file text accepted through the API (the shipped policies.yaml is ~12 kB). */
export const MAX_RULE_FILE_CHARS = 262_144;

export function isRuleFileName(name: string): name is PolicyFileName {
  return (POLICY_FILE_NAMES as readonly string[]).includes(name);
}

/** The version id of the files: sha256 as readRuleFiles hashes a folder (name, length, bytes). */
export function versionOf(files: RuleFiles): string {
  const hash = createHash('sha256');
  for (const name of POLICY_FILE_NAMES) {
    const bytes = Buffer.from(files[name], 'utf8');
    hash.update(`${name}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The files as compilePolicy reads them; messages name `policy/<file>` whatever the store. */
export function sourcesOf(files: RuleFiles): PolicySources {
  return {
    dir: DEFAULT_POLICY_DIR,
    version: versionOf(files),
    files: POLICY_FILE_NAMES.map((name) => ({ name, display: `policy/${name}`, bytes: Buffer.from(files[name], 'utf8') })),
    strayFiles: [],
  };
}

/** Compiles the files (throws PolicyError naming file:line:column). */
export function compileFiles(files: RuleFiles): PolicySet {
  return compilePolicy(sourcesOf(files));
}

export type FilesValidation = { ok: true; rules: PolicySet } | { ok: false; issues: readonly PolicyIssue[] };

export function validateFiles(files: RuleFiles): FilesValidation {
  try {
    return { ok: true, rules: compileFiles(files) };
  } catch (error) {
    if (error instanceof PolicyError) return { ok: false, issues: error.issues };
    throw error;
  }
}

/** Reads the rule files of a folder (a missing file is an error: the seed must be complete). */
export function readFilesFromDir(dir: string = DEFAULT_POLICY_DIR): RuleFiles {
  const files = {} as Record<PolicyFileName, string>;
  for (const name of POLICY_FILE_NAMES) files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  return files;
}

/** Writes the files into a folder (the export format: `npm run policy:export`). */
export function writeFilesToDir(files: RuleFiles, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of POLICY_FILE_NAMES) fs.writeFileSync(path.join(dir, name), files[name]);
}

export function sha256Of(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Names of the files that differ between two payloads, in rule-file order. */
export function changedFiles(from: RuleFiles, to: RuleFiles): PolicyFileName[] {
  return POLICY_FILE_NAMES.filter((name) => from[name] !== to[name]);
}

/** The `version:` value of a file's header as written (for display; null when absent). */
export function headerVersion(text: string): string | null {
  const match = /^version:\s*["']?([^"'\n#]+?)["']?\s*(#.*)?$/m.exec(text);
  return match ? match[1].trim() : null;
}
