/**
 * A policy folder that cannot be used, with every problem at file:line:column. The message is
 * what an officer reads in the log and what a refused reload records; its wording is a contract.
 */
import { POLICY_FILE_NAMES } from './files';
import type { SourcePosition } from './types';

export interface PolicyIssue extends SourcePosition {
  /** The problem, without the position prefix. */
  readonly message: string;
}

/**
 * A rule folder that cannot be used. `file`, `line`, `column` point at the first problem;
 * `issues` lists every problem found (an officer fixes them all in one pass); `message` has one
 * line per issue, each `policy/policies.yaml:12:7: grant names unknown department "tax-divison"`.
 */
export class PolicyError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    if (issues.length === 0) throw new Error('PolicyError needs at least one issue');
    super(issues.map(formatIssue).join('\n'));
    this.name = 'PolicyError';
    this.issues = issues;
    this.file = issues[0].file;
    this.line = issues[0].line;
    this.column = issues[0].column;
  }
}

export function formatIssue(issue: PolicyIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}
export function formatPosition(source: SourcePosition): string {
  return `${source.file}:${source.line}:${source.column}`;
}

/** File order (POLICY_FILE_NAMES), then line, then column; stray files first. */
export function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  const order = (file: string) => {
    const index = POLICY_FILE_NAMES.findIndex((name) => file.endsWith(`/${name}`) || file === name);
    return index === -1 ? -1 : index;
  };
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => order(a.issue.file) - order(b.issue.file) || a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.index - b.index)
    .map(({ issue }) => issue);
}
