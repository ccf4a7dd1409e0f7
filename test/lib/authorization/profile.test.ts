import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { devSubject } from '../../../gateway/auth/dev-token';
import { findPersona, PERSONAS, type PersonaId } from '../../../gateway/auth/personas';
import { clearProfileCache, PROFILE_CACHE_SIZE, profileCacheSize, resolveProfile, satisfies } from '../../../lib/authorization/profile';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES } from '../../../lib/policy/files';
import { loadPolicy } from '../../../lib/policy/load';
import { POLICY_NAMES, type PermissionProfile, type Principal } from '../../../lib/authorization/types';
import { EXPECTED_GRANTS as EXPECTED } from '../../support/expected-grants';

const rules = loadPolicy();

function principal(id: PersonaId, overrides: Partial<Principal> = {}): Principal {
  const persona = findPersona(id)!;
  return {
    subject: devSubject(persona),
    departmentId: persona.department.id,
    roles: persona.roles,
    purpose: persona.defaultPurpose,
    mfa: persona.mfa,
    scopes: [],
    ...overrides,
  };
}

function profileOf(id: PersonaId, overrides: Partial<Principal> = {}, production = false): PermissionProfile {
  const result = resolveProfile(rules, principal(id, overrides), { production });
  if (!result.ok) throw new Error(`${id}: refused: ${result.refusal.message}`);
  return result.profile;
}


const SUPPORT_MEASURE_RECORDS: readonly PersonaId[] = ['registry-clerk', 'registry-clerk-nomfa'];

beforeEach(() => clearProfileCache());

describe('every persona × every policy with the default rules', () => {
  const cases = (Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]).flatMap((persona) =>
    POLICY_NAMES.map((policy) => [persona, policy, EXPECTED[persona].includes(policy)] as const),
  );

  it.each(cases)('%s / %s → granted: %s', (persona, policy, granted) => {
    const profile = profileOf(persona);
    expect(profile.granted.has(policy)).toBe(granted);
    // Every policy is either granted or has a reason.
    expect(profile.denials.has(policy)).toBe(!granted);
    if (!granted) expect(profile.denials.get(policy)).toMatch(new RegExp(`^${policy} `));
  });

  it('covers every persona', () => {
    expect([...Object.keys(EXPECTED), 'revoked-clerk'].sort()).toEqual(PERSONAS.map((persona) => persona.id).sort());
  });

  it.each(PERSONAS.filter((persona) => !persona.revoked).map((persona) => [persona.id, SUPPORT_MEASURE_RECORDS.includes(persona.id)] as const))(
    '%s may see persons under 支援措置: %s',
    (persona, expected) => {
      expect(profileOf(persona).supportMeasureRecords).toBe(expected);
    },
  );

  it('revoked-clerk is refused outright (REVOKED → 401), without the HR reason', () => {
    const result = resolveProfile(rules, principal('revoked-clerk'));
    expect(result).toEqual({ ok: false, refusal: { reason: 'REVOKED', message: expect.stringContaining('dev:revoked-clerk') } });
    if (!result.ok) expect(result.refusal.message).not.toContain(rules.revocations.get('dev:revoked-clerk')!.reason);
  });
});

describe('denial reasons', () => {
  it('individual numbers need MFA', () => {
    expect(profileOf('registry-clerk-nomfa').denials.get('individual_number')).toMatch(/^individual_number requires MFA/);
  });

  it('individual numbers are not for school enrolment (not individual-number work)', () => {
    expect(profileOf('school-clerk').denials.get('individual_number')).toMatch(/^individual_number is not granted to purpose school-enrolment \(.*not individual-number work\)$/);
    expect(profileOf('school-clerk').denials.get('cs_identity')).toBe('cs_identity is not granted to purpose school-enrolment');
  });

  it('names the department when the purpose is granted to others', () => {
    // support_measure is granted for resident-registry work, but to the registry division only.
    expect(profileOf('branch-clerk').denials.get('support_measure')).toBe('support_measure is not granted to department setagaya-branch-resident-section for purpose resident-registry');
  });

  it('names the role when only the role is missing', () => {
    expect(profileOf('registry-clerk', { roles: ['operator'] }).denials.get('person_basic')).toMatch(/^person_basic is not granted to role operator/);
  });
});

describe('refusals before any field', () => {
  it('an unknown department (→ 403)', () => {
    expect(resolveProfile(rules, principal('registry-clerk', { departmentId: 'somewhere-else' }))).toEqual({
      ok: false,
      refusal: { reason: 'UNKNOWN_DEPARTMENT', message: expect.stringContaining('"somewhere-else"') },
    });
  });

  it('an unknown purpose (→ 400)', () => {
    expect(resolveProfile(rules, principal('registry-clerk', { purpose: 'curiosity' }))).toEqual({
      ok: false,
      refusal: { reason: 'UNKNOWN_PURPOSE', message: expect.stringMatching(/^purpose "curiosity" is not a known 事務/) },
    });
  });

  it('a purpose the department is not registered for (→ 400), named with its 事務', () => {
    const result = resolveProfile(rules, principal('school-clerk', { purpose: 'local-tax' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.reason).toBe('PURPOSE_NOT_REGISTERED');
    expect(result.refusal.message).toMatch(/^department "school-affairs-division" is not registered for purpose "local-tax" \(地方税事務\)/);
  });

  it('revocation comes first, whatever else is wrong', () => {
    expect(resolveProfile(rules, principal('revoked-clerk', { departmentId: 'nowhere', purpose: 'curiosity' }))).toMatchObject({ ok: false, refusal: { reason: 'REVOKED' } });
  });
});

describe('introspection', () => {
  it.each([
    ['registry-clerk', true],
    ['dx-analyst', true],
    ['security-officer', true],
    ['vendor-operator', false],
  ] as const)('%s may introspect in development: %s', (persona, expected) => {
    expect(profileOf(persona).introspection).toBe(expected);
  });

  it('is off for everyone in production unless the rules allow it', () => {
    for (const persona of ['registry-clerk', 'dx-analyst', 'security-officer'] as const) expect(profileOf(persona, {}, true).introspection).toBe(false);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-introspection-'));
    for (const name of POLICY_FILE_NAMES) {
      const text = fs.readFileSync(path.join(DEFAULT_POLICY_DIR, name), 'utf8');
      fs.writeFileSync(path.join(dir, name), name === 'policies.yaml' ? text.replace('\n  allowInProduction: false', '\n  allowInProduction: true') : text);
    }
    const allowing = loadPolicy(dir);
    const result = resolveProfile(allowing, principal('security-officer'), { production: true });
    expect(result.ok && result.profile.introspection).toBe(true);
  });

  it('defaults to NODE_ENV', () => {
    const saved = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      expect(resolveProfile(rules, principal('registry-clerk'))).toMatchObject({ ok: true, profile: { introspection: false } });
      process.env.NODE_ENV = 'test';
      expect(resolveProfile(rules, principal('registry-clerk'))).toMatchObject({ ok: true, profile: { introspection: true } });
    } finally {
      process.env.NODE_ENV = saved;
    }
  });
});

describe('the profile key', () => {
  it('is the same for two people with the same rights, and does not carry the subject', () => {
    const a = profileOf('registry-clerk');
    const b = profileOf('registry-clerk', { subject: 'dev:another-registry-clerk' });
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(b.key).toBe(a.key);
    expect(a.key).not.toContain('registry');
  });

  it('differs when grants, scopes, introspection or 支援措置 rights differ', () => {
    const keys = [
      profileOf('registry-clerk').key,
      profileOf('registry-clerk-nomfa').key,
      profileOf('branch-clerk').key,
      profileOf('registry-clerk', { scopes: ['resident:read'] }).key,
      profileOf('registry-clerk', {}, true).key,
      profileOf('security-officer').key,
      profileOf('vendor-operator').key,
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('changes with the rule version', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-version-'));
    for (const name of POLICY_FILE_NAMES) fs.copyFileSync(path.join(DEFAULT_POLICY_DIR, name), path.join(dir, name));
    fs.appendFileSync(path.join(dir, 'roles.yaml'), '# touched\n');
    const other = loadPolicy(dir);
    const result = resolveProfile(other, principal('registry-clerk'), { production: false });
    expect(result.ok && result.profile.ruleVersion).toBe(other.version);
    expect(result.ok && result.profile.key).not.toBe(profileOf('registry-clerk').key);
  });
});

describe('memoization', () => {
  it('returns the same result object for the same rules and principal', () => {
    const first = resolveProfile(rules, principal('tax-clerk'), { production: false });
    const second = resolveProfile(rules, principal('tax-clerk', { roles: [...principal('tax-clerk').roles] }), { production: false });
    expect(second).toBe(first);
    expect(resolveProfile(rules, principal('tax-clerk', { mfa: false }), { production: false })).not.toBe(first);
  });

  it('stays bounded', () => {
    for (let i = 0; i < PROFILE_CACHE_SIZE + 50; i++) resolveProfile(rules, principal('tax-clerk', { subject: `dev:clerk-${i}` }), { production: false });
    expect(profileCacheSize()).toBe(PROFILE_CACHE_SIZE);
  });
});

describe('satisfies: federation semantics (OR of ANDs)', () => {
  it('no directive means no requirement', () => {
    expect(satisfies(profileOf('vendor-operator'), null, null)).toEqual({ ok: true });
  });

  it('a single policy', () => {
    expect(satisfies(profileOf('registry-clerk'), [['individual_number']], null)).toEqual({ ok: true });
    expect(satisfies(profileOf('registry-clerk-nomfa'), [['individual_number']], null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'individual_number' } });
  });

  it('AND: the identity-by-number oracle needs both individual_number and cs_identity', () => {
    const oracle = [['individual_number', 'cs_identity']];
    expect(satisfies(profileOf('mynumber-officer'), oracle, null)).toEqual({ ok: true });
    expect(satisfies(profileOf('school-clerk'), oracle, null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'individual_number' } });
    expect(satisfies(profileOf('tax-clerk'), oracle, null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'cs_identity' } });
    expect(satisfies(profileOf('registry-clerk-nomfa'), oracle, null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'individual_number' } });
  });

  it('OR: any alternative held is enough; otherwise the closest alternative names the denial', () => {
    const either = [['support_measure', 'individual_number'], ['statistics']];
    expect(satisfies(profileOf('dx-analyst'), either, null)).toEqual({ ok: true });
    expect(satisfies(profileOf('registry-clerk'), either, null)).toEqual({ ok: true });
    // Both alternatives miss one policy: the first written wins the tie.
    expect(satisfies(profileOf('tax-clerk'), either, null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'support_measure' } });
    expect(satisfies(profileOf('school-clerk'), either, null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'statistics' } });
    expect(satisfies(profileOf('registry-clerk-nomfa'), either, null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'individual_number' } });
  });

  it('scopes: the same semantics, reported as scope:<name>; both directives must hold', () => {
    const withScope = profileOf('registry-clerk', { scopes: ['resident:read'] });
    expect(satisfies(withScope, [['person_basic']], [['resident:read']])).toEqual({ ok: true });
    expect(satisfies(withScope, [['person_basic']], [['resident:write'], ['resident:read', 'admin']])).toEqual({ ok: false, deniedBy: { kind: 'scope', scope: 'resident:write' } });
    expect(satisfies(withScope, [['statistics']], [['resident:read']])).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'statistics' } });
  });

  it('an empty requirement denies (deny by default, never "anything goes")', () => {
    const profile = profileOf('registry-clerk');
    expect(satisfies(profile, [], null)).toMatchObject({ ok: false });
    expect(satisfies(profile, [[]], null)).toMatchObject({ ok: false });
    expect(satisfies(profile, null, [])).toMatchObject({ ok: false });
  });

  it('an unknown policy name is never satisfied', () => {
    expect(satisfies(profileOf('registry-clerk'), [['everything']], null)).toEqual({ ok: false, deniedBy: { kind: 'policy', policy: 'everything' } });
  });
});
