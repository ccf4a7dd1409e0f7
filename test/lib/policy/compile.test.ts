import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { devSubject } from '../../../gateway/auth/dev-token';
import { PERSONAS, PURPOSES } from '../../../gateway/auth/personas';
import { PolicyError } from '../../../lib/policy/errors';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES, type PolicyFileName } from '../../../lib/policy/files';
import { loadPolicy } from '../../../lib/policy/load';
import { POLICY_NAMES } from '../../../lib/authorization/types';

/** A copy of policy/ in a temp folder, with `edits` applied to the named files' text. */
function policyCopy(edits: Partial<Record<PolicyFileName, (text: string) => string>> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
  for (const name of POLICY_FILE_NAMES) {
    const text = fs.readFileSync(path.join(DEFAULT_POLICY_DIR, name), 'utf8');
    const edit = edits[name];
    fs.writeFileSync(path.join(dir, name), edit ? edit(text) : text);
  }
  return dir;
}

/** Replaces exactly one occurrence (so a test cannot silently edit nothing). */
function replaceOnce(text: string, from: string, to: string): string {
  const index = text.indexOf(from);
  if (index === -1 || text.indexOf(from, index + 1) !== -1) throw new Error(`test setup: "${from}" must occur exactly once`);
  return text.slice(0, index) + to + text.slice(index + from.length);
}

/** 1-based line and column of `needle` (its `occurrence`-th match) in `text`. */
function positionOf(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i < occurrence; i++) {
    index = text.indexOf(needle, index + 1);
    if (index === -1) throw new Error(`test setup: "${needle}" not found`);
  }
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function loadError(dir: string): PolicyError {
  try {
    loadPolicy(dir);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

/** Asserts one issue at file:line:column (of `needle` in the edited file) whose message matches. */
function expectIssue(dir: string, file: PolicyFileName, needle: string, message: RegExp, occurrence = 1): PolicyError {
  const error = loadError(dir);
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const { line, column } = positionOf(text, needle, occurrence);
  const shown = path.join(dir, file);
  const issue = error.issues.find((candidate) => candidate.line === line && candidate.column === column && message.test(candidate.message));
  if (!issue) throw new Error(`expected an issue at ${shown}:${line}:${column} matching ${message}; got:\n${error.message}`);
  expect(issue.file).toBe(shown);
  // The message carries the position too, as an editor would jump to it.
  expect(error.message).toContain(`${shown}:${line}:${column}: ${issue.message}`);
  return error;
}

describe('the default rules (policy/)', () => {
  const rules = loadPolicy();

  it('load, with a sha256 version and a rule for every policy name the gateway knows', () => {
    expect(rules.version).toMatch(/^[0-9a-f]{64}$/);
    expect([...rules.policies.keys()].sort()).toEqual([...POLICY_NAMES].sort());
    expect(rules.dir).toBe(path.resolve(__dirname, '../../../policy'));
  });

  it('carry a version, an author and a different approving officer in every file (promise 4)', () => {
    expect(rules.files.map((file) => file.file)).toEqual(POLICY_FILE_NAMES.map((name) => `policy/${name}`));
    for (const file of rules.files) {
      expect(file.version).not.toBe('');
      expect(file.approvedBy).not.toBe(file.author);
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('name a legal basis for every purpose and mark individual-number work', () => {
    for (const purpose of rules.purposes.values()) expect(purpose.legalBasis.length).toBeGreaterThan(0);
    const individualNumberWork = [...rules.purposes.values()].filter((purpose) => purpose.individualNumberWork).map((purpose) => purpose.id);
    expect(individualNumberWork.sort()).toEqual(['local-tax', 'local-tax-counter', 'mynumber-card', 'resident-registry']);
    expect(rules.purposes.get('school-enrolment')?.caseReferenceRequired).toBe(false);
  });

  it('give the departments that receive register data by in-house linkage their legal basis (promise 8)', () => {
    for (const id of ['taxation-division', 'school-affairs-division', 'dx-promotion-division']) {
      expect(rules.departments.get(id)?.inHouseLinkage?.legalBasis.join(' ')).toMatch(/番号法第9条第2項/);
    }
    expect(rules.departments.get('registry-division')?.inHouseLinkage).toBeNull();
  });

  it('revoke dev:revoked-clerk and allow introspection to clerk, analyst, security-officer (not in production)', () => {
    expect([...rules.revocations.keys()]).toEqual(['dev:revoked-clerk']);
    expect(rules.introspection).toEqual({ roles: ['clerk', 'analyst', 'security-officer'], allowInProduction: false });
  });

  it('keep its source position on every rule (for the audit export)', () => {
    const grant = rules.policies.get('individual_number')!.allow[0];
    expect(grant.source.file).toBe('policy/policies.yaml');
    expect(grant.source.line).toBeGreaterThan(1);
  });

  it('hash the files: same bytes, same version; any change, a new version', () => {
    const same = policyCopy();
    expect(loadPolicy(same).version).toBe(rules.version);
    const changed = policyCopy({ 'revocations.yaml': (text) => `${text}\n# a comment\n` });
    expect(loadPolicy(changed).version).not.toBe(rules.version);
  });
});

describe('personas (gateway/auth/personas.ts) agree with the rules', () => {
  const rules = loadPolicy();

  it.each(PERSONAS.map((persona) => [persona.id, persona] as const))('%s: department and default purpose exist, and the department is registered for it', (_id, persona) => {
    const department = rules.departments.get(persona.department.id);
    expect(department).toBeDefined();
    expect(department!.name).toBe(persona.department.name);
    expect(rules.purposes.has(persona.defaultPurpose)).toBe(true);
    expect(department!.purposes).toContain(persona.defaultPurpose);
    for (const role of persona.roles) expect(rules.roles.has(role)).toBe(true);
  });

  it('list exactly the purposes of PURPOSES, with the same Japanese names', () => {
    expect([...rules.purposes.keys()].sort()).toEqual(PURPOSES.map((purpose) => purpose.id).sort());
    for (const purpose of PURPOSES) expect(rules.purposes.get(purpose.id)?.name).toBe(purpose.nameJa);
  });

  it('revoke exactly the personas marked revoked', () => {
    const revoked = PERSONAS.filter((persona) => persona.revoked).map(devSubject);
    expect([...rules.revocations.keys()].sort()).toEqual(revoked.sort());
  });
});

describe('rule-file errors name file:line:column', () => {
  it('a YAML syntax error', () => {
    const dir = policyCopy({ 'roles.yaml': (text) => replaceOnce(text, '  - id: analyst\n', '  - id: [analyst\n') });
    const error = loadError(dir);
    expect(error.file).toBe(path.join(dir, 'roles.yaml'));
    expect(error.message).toMatch(/roles\.yaml:\d+:\d+: YAML syntax: /);
    expect(error.line).toBeGreaterThanOrEqual(positionOf(fs.readFileSync(path.join(dir, 'roles.yaml'), 'utf8'), 'id: [analyst').line);
  });

  it('an unknown key (a typo), with a suggestion', () => {
    const dir = policyCopy({ 'purposes.yaml': (text) => replaceOnce(text, '    name: 地方税事務\n    legalBasis:', '    name: 地方税事務\n    legalBais:') });
    expectIssue(dir, 'purposes.yaml', 'legalBais', /^unknown key "legalBais" in a purpose \(did you mean "legalBasis"\?\)/);
    // …and, since the real key is now absent, that it is missing.
    expectIssue(dir, 'purposes.yaml', 'id: local-tax', /^a purpose is missing "legalBasis"$/);
  });

  it('a wrong type', () => {
    const dir = policyCopy({ 'purposes.yaml': (text) => replaceOnce(text, '（入学期日等の通知）\n    individualNumberWork: false', '（入学期日等の通知）\n    individualNumberWork: "no"') });
    expectIssue(dir, 'purposes.yaml', '"no"', /^purpose "school-enrolment": "individualNumberWork" must be true or false, got "no"$/);
  });

  it('a wrong enumeration value (mfa)', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '        departments: [dx-promotion-division]\n        purposes: [statistics]\n        mfa: optional', '        departments: [dx-promotion-division]\n        purposes: [statistics]\n        mfa: yes-please') });
    expectIssue(dir, 'policies.yaml', 'yes-please', /"mfa" must be one of required, optional, got "yes-please"/);
  });

  it('a missing field', () => {
    const dir = policyCopy({ 'roles.yaml': (text) => replaceOnce(text, '  - id: operator\n    description: 委託先の運用保守要員 (contractor operating the systems; no data access)\n', '  - id: operator\n') });
    expectIssue(dir, 'roles.yaml', 'id: operator', /^a role is missing "description"$/);
  });

  it('a missing header field (approvedBy)', () => {
    const dir = policyCopy({ 'departments.yaml': (text) => replaceOnce(text, 'approvedBy: 情報セキュリティ担当 K. Suzuki (synthetic)\n', '') });
    expectIssue(dir, 'departments.yaml', 'version:', /is missing "approvedBy"/);
  });

  it('an approval by the author (no second officer)', () => {
    const dir = policyCopy({ 'roles.yaml': (text) => replaceOnce(text, 'approvedBy: 情報セキュリティ担当 K. Suzuki (synthetic)', 'approvedBy: 情報セキュリティ担当 S. Tanaka (synthetic)') });
    expectIssue(dir, 'roles.yaml', '情報セキュリティ担当 S. Tanaka (synthetic)', /must be a second officer/, 2);
  });

  it('a reference to an unknown department', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '        departments: [taxation-division]\n        purposes: [local-tax]\n        mfa: required', '        departments: [tax-divison]\n        purposes: [local-tax]\n        mfa: required') });
    const error = expectIssue(dir, 'policies.yaml', 'tax-divison', /^grant names unknown department "tax-divison"/);
    expect(error.message).toContain(`${path.join(dir, 'policies.yaml')}:${error.line}:${error.column}: `);
  });

  it('a reference to an unknown role, with a suggestion', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '      - roles: [analyst]', '      - roles: [analyts]') });
    expectIssue(dir, 'policies.yaml', 'analyts', /^grant names unknown role "analyts" \(did you mean "analyst"\?\)/);
  });

  it('a department registered for an unknown purpose', () => {
    const dir = policyCopy({ 'departments.yaml': (text) => replaceOnce(text, 'purposes: [audit]', 'purposes: [audit, auditing-of-everything]') });
    expectIssue(dir, 'departments.yaml', 'auditing-of-everything', /^department "information-security-office" is registered for unknown purpose "auditing-of-everything"/);
  });

  it('a policy name the gateway does not know', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '  statistics:\n    description:', '  statistic:\n    description:') });
    const error = expectIssue(dir, 'policies.yaml', 'statistic:', /^unknown policy "statistic" \(did you mean "statistics"\?\)/);
    // …which also leaves `statistics` without a rule.
    expect(error.message).toMatch(/policy "statistics" has no rule/);
  });

  it('a policy the gateway knows with no rule', () => {
    const dir = policyCopy({
      'policies.yaml': (text) => {
        const start = text.indexOf('  support_measure:\n');
        const end = text.indexOf('  statistics:\n');
        return text.slice(0, start) + text.slice(end);
      },
    });
    expectIssue(dir, 'policies.yaml', 'person_basic:', /^policy "support_measure" has no rule/);
  });

  it('duplicate ids', () => {
    const dir = policyCopy({ 'departments.yaml': (text) => `${text}\n  - id: contractor\n    name: 委託先（二重）\n    purposes: [maintenance]\n` });
    expectIssue(dir, 'departments.yaml', 'contractor', /^duplicate department id "contractor" \(first defined at .*departments\.yaml:\d+:5\)/, 2);
  });

  it('a duplicate key (the same policy twice)', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => `${replaceOnce(text, '\nrowRules:\n', '\n  statistics:\n    description: again\n    classification: aggregate\n    allow: []\n\nrowRules:\n')}` });
    const error = loadError(dir);
    expect(error.message).toMatch(/policies\.yaml:\d+:\d+: YAML syntax: Map keys must be unique/);
  });

  it('a duplicate revocation and a revocation date that is not a date', () => {
    const dir = policyCopy({
      'revocations.yaml': (text) =>
        `${text}  - subject: dev:revoked-clerk\n    revokedAt: "2026-10-16T09:00:00+09:00"\n    reason: 二重\n    approvedBy: 課長\n  - subject: dev:someone\n    revokedAt: "last tuesday"\n    reason: 退職\n    approvedBy: 課長\n`,
    });
    expectIssue(dir, 'revocations.yaml', 'dev:revoked-clerk', /^subject "dev:revoked-clerk" is revoked twice/, 2);
    expectIssue(dir, 'revocations.yaml', '"last tuesday"', /"revokedAt" must be an ISO 8601 date/);
  });

  it('a missing rule file and a misnamed one', () => {
    const dir = policyCopy();
    fs.renameSync(path.join(dir, 'roles.yaml'), path.join(dir, 'role.yaml'));
    const error = loadError(dir);
    expect(error.message).toContain(`${path.join(dir, 'roles.yaml')}:1:1: the rule file is missing`);
    expect(error.message).toContain(`${path.join(dir, 'role.yaml')}:1:1: "role.yaml" is not a rule file`);
  });

  it('YAML aliases (a value written elsewhere) are refused', () => {
    const dir = policyCopy({ 'roles.yaml': (text) => replaceOnce(text, '  - id: operator\n', '  - id: &op operator\n') + '  - id: *op\n    description: x\n' });
    expectIssue(dir, 'roles.yaml', '*op', /aliases .* are not allowed/);
  });

  it('a grant with no condition (it would allow everyone)', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '      - roles: [analyst]\n        departments: [dx-promotion-division]\n        purposes: [statistics]\n        mfa: optional', '      - mfa: optional # NO-CONDITIONS') });
    expectIssue(dir, 'policies.yaml', 'mfa: optional # NO-CONDITIONS', /names none of roles, departments, purposes/);
  });

  it('lists every problem at once, first one in `file`/`line`/`column`', () => {
    const dir = policyCopy({
      'roles.yaml': (text) => replaceOnce(text, '  - id: operator\n', '  - id: operator\n    colour: blue\n'),
      'policies.yaml': (text) => replaceOnce(text, '      - roles: [analyst]', '      - roles: [analyts]'),
    });
    const error = loadError(dir);
    expect(error.issues).toHaveLength(2);
    expect(error.file).toBe(path.join(dir, 'roles.yaml'));
    expect(error.message.split('\n')).toHaveLength(2);
  });
});

describe('contradictory rules are refused', () => {
  it('a grant for a purpose none of its departments is registered for', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '        departments: [school-affairs-division]\n        purposes: [school-enrolment]', '        departments: [school-affairs-division]\n        purposes: [local-tax]') });
    const error = expectIssue(dir, 'policies.yaml', 'local-tax]', /grant of person_basic names purpose "local-tax", but none of its departments \(school-affairs-division\) is registered for it/, 2);
    expect(error.message).toMatch(/department "school-affairs-division", which is registered for none of the grant's purposes/);
  });

  it('individual numbers granted to work that is not individual-number work', () => {
    const dir = policyCopy({
      'policies.yaml': (text) =>
        replaceOnce(
          text,
          '        departments: [taxation-division]\n        purposes: [local-tax]\n        mfa: required\n',
          '        departments: [taxation-division]\n        purposes: [local-tax]\n        mfa: required\n      - roles: [clerk]\n        departments: [school-affairs-division]\n        purposes: [school-enrolment]\n        mfa: required\n',
        ),
    });
    expectIssue(dir, 'policies.yaml', 'school-enrolment', /individual_number protects individual numbers but is granted to purpose "school-enrolment" \(就学事務（就学通知）\), which is not individual-number work \(individualNumberWork: false at .*purposes\.yaml:\d+:\d+\)/, 2);
  });

  it('a purpose turned into non-individual-number work while individual numbers are granted to it', () => {
    const dir = policyCopy({ 'purposes.yaml': (text) => replaceOnce(text, '区番号利用条例\n    individualNumberWork: true', '区番号利用条例\n    individualNumberWork: false') });
    expectIssue(dir, 'policies.yaml', 'local-tax]', /individual_number protects individual numbers but is granted to purpose "local-tax"/, 3);
  });

  it('individual numbers without MFA', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '        departments: [mynumber-division]\n        purposes: [mynumber-card]\n        mfa: required', '        departments: [mynumber-division]\n        purposes: [mynumber-card]\n        mfa: optional # EDITED') });
    expectIssue(dir, 'policies.yaml', 'optional # EDITED', /^individual_number protects individual numbers \(classification individual-number\): every grant must say "mfa: required"/);
  });

  it('individual-number grants without purposes (any purpose)', () => {
    const dir = policyCopy({ 'policies.yaml': (text) => replaceOnce(text, '        departments: [taxation-division]\n        purposes: [local-tax]\n        mfa: required', '        departments: [taxation-division]\n        mfa: required') });
    expect(loadError(dir).message).toMatch(/individual_number protects individual numbers: each grant must list its "purposes"/);
  });
});

describe('limits.yaml (cost budgets, rate and concurrency per limit profile)', () => {
  test('the default limits: defaults, then profiles in file order, each limit taken from defaults when left out', () => {
    const { limits } = loadPolicy();
    expect(limits.defaults).toMatchObject({ id: 'default', roles: null, costBudget: 5000, costMode: 'enforce' });
    expect(limits.profiles.map((profile) => profile.id)).toEqual(['counter-clerk', 'dx-dashboard', 'security-officer', 'vendor-operator']);
    expect(limits.profiles[0]).toMatchObject({ roles: ['clerk'], costBudget: 200000, costMode: 'enforce', source: { file: 'policy/limits.yaml' } });
  });

  test('a limit that is not a positive whole number, an unknown cost mode, an unknown role and a duplicate id are reported at file:line:column', () => {
    const dir = policyCopy({
      'limits.yaml': (text) =>
        replaceOnce(
          replaceOnce(replaceOnce(replaceOnce(text, 'costBudget: 5000', 'costBudget: -3'), 'costMode: enforce', 'costMode: warn'), 'roles: [analyst]', 'roles: [analyts]'),
          '- id: vendor-operator',
          '- id: security-officer',
        ),
    });
    expectIssue(dir, 'limits.yaml', '-3', /"costBudget" must be a whole number from 1 to 1000000000, got/);
    expectIssue(dir, 'limits.yaml', 'warn', /"costMode" must be one of enforce, measure, got "warn"/);
    expectIssue(dir, 'limits.yaml', 'analyts', /unknown role "analyts".*analyst/);
    expectIssue(dir, 'limits.yaml', 'id: security-officer', /duplicate limit profile id "security-officer"/, 2);
  });

  test('a profile without conditions, and a file without defaults, are refused', () => {
    const noConditions = policyCopy({ 'limits.yaml': (text) => replaceOnce(text, '      roles: [operator]\n', '') });
    expectIssue(noConditions, 'limits.yaml', 'id: vendor-operator', /names none of roles, departments, purposes: it would apply to every user/);
    const noDefaults = policyCopy({ 'limits.yaml': (text) => replaceOnce(text, '  defaults:', '  fallback:') });
    expectIssue(noDefaults, 'limits.yaml', 'fallback', /unknown key "fallback" in "limits"/);
  });
});
