import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyError } from '../../../lib/policy/errors';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES } from '../../../lib/policy/files';
import { loadPolicy } from '../../../lib/policy/load';

/**
 * policy/bulk-output.yaml is a rule file like the others: loaded with them, part of the rule
 * version, and refused as a whole with file:line:column on any problem.
 */

function copyWith(edit: ((text: string) => string) | null): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-rules-'));
  for (const name of POLICY_FILE_NAMES) {
    if (name === 'bulk-output.yaml' && edit === null) continue;
    const text = fs.readFileSync(path.join(DEFAULT_POLICY_DIR, name), 'utf8');
    fs.writeFileSync(path.join(dir, name), name === 'bulk-output.yaml' && edit ? edit(text) : text);
  }
  return dir;
}

/** The issue whose message matches (the first issue when `message` is omitted). */
function issueOf(dir: string, message?: RegExp): { line: number; column: number; message: string; file: string } {
  try {
    loadPolicy(dir);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const issue = message ? error.issues.find((candidate) => message.test(candidate.message)) : error.issues[0];
    if (!issue) throw new Error(`no issue matches ${String(message)}:\n${error.message}`);
    return issue;
  }
  throw new Error('expected a PolicyError');
}

function lineOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index === -1) throw new Error(`test setup: ${needle} not found`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

describe('policy/bulk-output.yaml', () => {
  test('the default budgets load: every purpose of purposes.yaml has one, approvals have ceilings', () => {
    const rules = loadPolicy();
    expect(rules.bulkOutput.utcOffsetMinutes).toBe(540);
    expect([...rules.bulkOutput.purposes.keys()].sort()).toEqual([...rules.purposes.keys()].sort());
    expect(rules.bulkOutput.purposes.get('resident-registry')?.personsPerDay).toBe(2000);
    expect(rules.bulkOutput.purposes.get('statistics')?.personsPerDay).toBe(0);
    expect(rules.bulkOutput.approvals).toEqual({ maxPersons: 1_000_000, maxDays: 31 });
    expect(rules.files.map((file) => file.file)).toContain('policy/bulk-output.yaml');
  });

  test.each([
    ['an unknown purpose', (t: string) => t.replace('- purpose: local-tax', '- purpose: local-taks'), 'local-taks', /unknown purpose "local-taks" \(did you mean "local-tax"\?\)/],
    ['a negative budget', (t: string) => t.replace('personsPerDay: 500', 'personsPerDay: -5'), '-5', /"personsPerDay" must be a whole number from 0 to 10000000, got number -5/],
    ['a budget in words', (t: string) => t.replace('personsPerDay: 500', 'personsPerDay: many'), 'many', /must be a whole number/],
    ['a purpose twice', (t: string) => t.replace('- purpose: mynumber-card', '- purpose: resident-registry'), 'resident-registry\n      personsPerDay: 1000', /two bulk-output budgets/],
    ['a clock that is not an offset', (t: string) => t.replace('utcOffset: "+09:00"', 'utcOffset: "JST"'), '"JST"', /must look like "\+09:00"/],
    ['an unknown key', (t: string) => t.replace('defaultPersonsPerDay: 100', 'defaultPersonPerDay: 100'), 'defaultPersonPerDay', /unknown key "defaultPersonPerDay"/],
    ['an approval ceiling of 0', (t: string) => t.replace('maxPersons: 1000000', 'maxPersons: 0'), '0\n    maxDays', /"bulkOutput.approvals.maxPersons" must be a whole number from 1/],
  ])('refuses %s at its line and column', (_label, edit, needle, message) => {
    const dir = copyWith(edit);
    try {
      const issue = issueOf(dir, message);
      const text = fs.readFileSync(path.join(dir, 'bulk-output.yaml'), 'utf8');
      const expected = lineOf(text, needle);
      expect({ file: issue.file, line: issue.line, column: issue.column }).toEqual({ file: path.join(dir, 'bulk-output.yaml'), ...expected });
      expect(issue.message).toMatch(message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder without it is refused (a missing budget is never "no limit")', () => {
    const dir = copyWith(null);
    try {
      expect(issueOf(dir)).toMatchObject({ file: path.join(dir, 'bulk-output.yaml'), line: 1, column: 1, message: 'the rule file is missing' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
