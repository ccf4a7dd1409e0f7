/** Reads and checks the policy folder in one call (scripts, tests, the audit subgraph at start). */
import { compilePolicy } from './compile';
import { DEFAULT_POLICY_DIR, readPolicyFiles } from './files';
import type { PolicySet } from './types';

/** Reads and validates the rule folder; throws PolicyError on any problem. */
export function loadPolicy(dir: string = DEFAULT_POLICY_DIR): PolicySet {
  return compilePolicy(readPolicyFiles(dir));
}
