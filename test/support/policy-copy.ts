import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES } from '../../lib/policy/files';

/**
 * A temporary copy of the repository's rule files with some of them edited, for a suite whose
 * rules differ from the shipped ones (smaller or larger budgets, say). The caller removes it.
 */
export function policyCopy(edit: (name: string, text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-copy-'));
  for (const name of POLICY_FILE_NAMES) {
    const text = fs.readFileSync(path.join(DEFAULT_POLICY_DIR, name), 'utf8');
    fs.writeFileSync(path.join(dir, name), edit(name, text));
  }
  return dir;
}

/** The shipped rules with every bulk-output budget raised past any test register (suites that page all of it). */
export function policyWithoutBulkBudgets(): string {
  return policyCopy((name, text) => (name === 'bulk-output.yaml' ? text.replace(/(ersonsPerDay: )\d+/g, '$11000000') : text));
}

/**
 * The shipped rules with every user's concurrency and rate raised (limits.yaml), for suites that
 * send one persona's requests all at once to test something else (rate-limits.test.ts tests those).
 */
export function policyWithoutUserLimits(): string {
  return policyCopy((name, text) =>
    name === 'limits.yaml' ? text.replace(/(concurrentRequests: )\d+/g, '$11000').replace(/(requestsPerMinute: )\d+/g, '$1100000') : text,
  );
}
