import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAuthenticator } from '../../../gateway/auth/authenticate';
import { DEPARTMENTS, PERSONAS, PURPOSE_IDS } from '../../../gateway/auth/personas';
import { loadConfig } from '../../../gateway/config';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { tempDir } from '../helpers';

const run = promisify(execFile);

describe('personas', () => {
  it('are the twelve of ARCHITECTURE.md (security-officer-2: the second officer who approves rule changes)', () => {
    expect(PERSONAS.map((persona) => [persona.id, persona.department.name, persona.roles.join(','), persona.defaultPurpose, persona.mfa])).toEqual([
      ['registry-clerk', '住民記録・戸籍課', 'clerk', 'resident-registry', true],
      ['branch-clerk', '世田谷総合支所区民係', 'clerk', 'resident-registry', true],
      ['registry-clerk-nomfa', '住民記録・戸籍課', 'clerk', 'resident-registry', false],
      ['mynumber-officer', 'マイナンバー担当課', 'clerk', 'mynumber-card', true],
      ['tax-clerk', '課税課', 'clerk', 'local-tax', true],
      ['school-clerk', '学務課', 'clerk', 'school-enrolment', true],
      ['dx-analyst', 'DX推進担当課', 'analyst', 'statistics', true],
      ['security-officer', '情報セキュリティ担当', 'security-officer', 'audit', true],
      ['vendor-operator', '委託先', 'operator', 'maintenance', true],
      ['revoked-clerk', '住民記録・戸籍課', 'clerk', 'resident-registry', true],
      ['terminal-manager', '住民記録・戸籍課', 'approver', 'resident-registry', true],
      ['security-officer-2', '情報セキュリティ担当', 'security-officer', 'audit', true],
    ]);
    expect(PERSONAS.filter((persona) => persona.revoked).map((persona) => persona.id)).toEqual(['revoked-clerk']);
  });

  it('use known purposes and unique, stable department ids', () => {
    for (const persona of PERSONAS) expect(PURPOSE_IDS).toContain(persona.defaultPurpose);
    const ids = Object.values(DEPARTMENTS).map((department) => department.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]+$/);
  });
});

describe('npm run token', () => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  let keysPath: string;

  beforeAll(() => {
    keysPath = path.join(tempDir('token-script'), 'dev-keys.json');
  });

  const token = (...args: string[]) =>
    run(tsx, ['scripts/token.ts', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, AUTH_DEV_KEYS_PATH: keysPath } });

  it('prints, as the last stdout line, a token the gateway accepts', async () => {
    const { stdout, stderr } = await token('school-clerk', '--purpose', 'statistics', '--expires-in', '30m');
    const last = stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stderr).toContain('school-clerk');
    const authenticator = await createAuthenticator(loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth);
    const identity = await authenticator.authenticate({ authorization: `Bearer ${last}` });
    expect(identity).toMatchObject({ subject: 'dev:school-clerk', department: { id: 'school-affairs-division' }, purpose: 'statistics', mfa: true });
    const lifetime = identity.expiresAt.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(25 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(30 * 60_000);
  });

  it('lists the personas and fails for an unknown one', async () => {
    await expect(token('mayor')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Unknown persona "mayor"[\s\S]*registry-clerk-nomfa[\s\S]*revoked-clerk/) });
  });
});
