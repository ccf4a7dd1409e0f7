import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../../lib/logger';
import { resolveProfile } from '../../../lib/authorization/profile';
import { createPolicyStore, type PolicyReloadEvent, type PolicyStore } from '../../../lib/policy/store';
import { PolicyError } from '../../../lib/policy/errors';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES } from '../../../lib/policy/files';
import type { Principal } from '../../../lib/authorization/types';

function policyCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-store-'));
  for (const name of POLICY_FILE_NAMES) fs.copyFileSync(path.join(DEFAULT_POLICY_DIR, name), path.join(dir, name));
  return dir;
}

/** A logger that records what the store says, level by level. */
function recordingLogger() {
  const lines: { level: string; object: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (object: Record<string, unknown>, message: string) => {
    lines.push({ level, object, message });
  };
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger;
  return { logger, lines };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

const registryClerk: Principal = {
  subject: 'dev:registry-clerk',
  departmentId: 'registry-division',
  roles: ['clerk'],
  purpose: 'resident-registry',
  mfa: true,
  scopes: [],
};

const REVOKE_REGISTRY_CLERK = `  - subject: dev:registry-clerk
    revokedAt: "2026-11-01T10:00:00+09:00"
    reason: 退職
    approvedBy: 住民記録・戸籍課長 (synthetic)
`;

function isRevoked(store: PolicyStore, principal: Principal): boolean {
  const result = resolveProfile(store.current(), principal, { production: false });
  return !result.ok && result.refusal.reason === 'REVOKED';
}

/** Writes by rename, as editors, deploy tools and the HR feed do. */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

describe('rule store, manual reload', () => {
  let dir: string;
  let store: PolicyStore;
  let events: PolicyReloadEvent[];
  let log: ReturnType<typeof recordingLogger>;

  beforeEach(() => {
    dir = policyCopy();
    log = recordingLogger();
    store = createPolicyStore({ dir, logger: log.logger, watch: false });
    events = [];
    store.onChange((event) => events.push(event));
  });

  afterEach(() => store.stop());

  it('serves the loaded rules; an unchanged folder reloads to the same version without an event', () => {
    const version = store.current().version;
    expect(store.reload()).toEqual({ ok: true, version });
    expect(store.current().version).toBe(version);
    expect(events).toEqual([]);
    expect(store.status()).toMatchObject({ version, watching: 'off' });
  });

  it('applies a valid change and reports old and new version', () => {
    const before = store.current();
    fs.appendFileSync(path.join(dir, 'revocations.yaml'), REVOKE_REGISTRY_CLERK);
    const result = store.reload();
    expect(result.ok).toBe(true);
    expect(store.current()).not.toBe(before);
    expect(store.current().revocations.has('dev:registry-clerk')).toBe(true);
    expect(events).toEqual([{ outcome: 'applied', oldVersion: before.version, newVersion: store.current().version, at: expect.any(Date), trigger: 'manual' }]);
    expect(log.lines.find((line) => line.message === 'access rules reloaded')?.object).toMatchObject({ oldVersion: before.version, version: store.current().version });
  });

  it('keeps the last good rules when the new ones are broken, says why (file:line), and recovers', () => {
    const good = store.current();
    const policies = path.join(dir, 'policies.yaml');
    const text = fs.readFileSync(policies, 'utf8');
    fs.writeFileSync(policies, text.replace('departments: [taxation-division]', 'departments: [tax-divison]'));

    const result = store.reload();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(PolicyError);
    expect(result.error.message).toMatch(new RegExp(`${policies.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: grant names unknown department "tax-divison"`));
    expect(store.current()).toBe(good);
    expect(store.status().lastRejected?.error).toBe(result.error);
    expect(events).toEqual([{ outcome: 'rejected', oldVersion: good.version, attemptedVersion: expect.stringMatching(/^[0-9a-f]{64}$/), error: result.error, at: expect.any(Date), trigger: 'manual' }]);
    const refusal = log.lines.find((line) => line.level === 'error');
    expect(refusal?.message).toMatch(/refused; the last good rules stay in force/);
    expect(refusal?.object.reason).toContain('tax-divison');

    // The same broken bytes again: same answer, not logged or recorded twice.
    expect(store.reload()).toEqual({ ok: false, error: result.error });
    expect(events).toHaveLength(1);
    expect(log.lines.filter((line) => line.level === 'error')).toHaveLength(1);

    // Fixed: applied, and the refusal is cleared.
    fs.writeFileSync(policies, text);
    expect(store.reload()).toEqual({ ok: true, version: good.version });
    expect(store.status().lastRejected).toBeUndefined();
  });

  it('a recovery back to the rules in force is logged and recorded as such', () => {
    const good = store.current();
    const policies = path.join(dir, 'policies.yaml');
    const text = fs.readFileSync(policies, 'utf8');
    fs.writeFileSync(policies, `${text}\n: broken`);
    expect(store.reload().ok).toBe(false);
    fs.writeFileSync(policies, text);
    expect(store.reload()).toEqual({ ok: true, version: good.version });
    expect(events.map((event) => event.outcome)).toEqual(['rejected', 'applied']);
    const rejected = events[0] as Extract<PolicyReloadEvent, { outcome: 'rejected' }>;
    expect(events[1]).toEqual({
      outcome: 'applied',
      oldVersion: good.version,
      newVersion: good.version,
      at: expect.any(Date),
      trigger: 'manual',
      recoveredFrom: { attemptedVersion: rejected.attemptedVersion, refusedAt: rejected.at },
    });
    expect(log.lines.filter((line) => line.level === 'info').at(-1)?.message).toMatch(/reloaded after a refused reload/);
    // Nothing changed since: no further event.
    expect(store.reload()).toEqual({ ok: true, version: good.version });
    expect(events).toHaveLength(2);
  });

  it('a stray file refuses the folder; deleting it applies what changed meanwhile (issue 10)', () => {
    const good = store.current();
    const stray = path.join(dir, 'revocations-draft.yaml');
    fs.writeFileSync(stray, `revoked:\n${REVOKE_REGISTRY_CLERK}`);
    expect(store.reload()).toMatchObject({ ok: false, error: { message: expect.stringContaining('"revocations-draft.yaml" is not a rule file') } });
    fs.appendFileSync(path.join(dir, 'revocations.yaml'), REVOKE_REGISTRY_CLERK);
    expect(store.reload().ok).toBe(false);
    expect(store.current()).toBe(good);
    fs.unlinkSync(stray);
    expect(store.reload().ok).toBe(true);
    expect(isRevoked(store, registryClerk)).toBe(true);
    expect(events.map((event) => event.outcome)).toEqual(['rejected', 'rejected', 'applied']);
    expect(events[2]).toMatchObject({ recoveredFrom: { attemptedVersion: store.current().version } });
  });

  it('keeps the last good rules when a file disappears', () => {
    const good = store.current();
    fs.unlinkSync(path.join(dir, 'roles.yaml'));
    const result = store.reload();
    expect(!result.ok && result.error.message).toMatch(/roles\.yaml:1:1: the rule file is missing/);
    expect(store.current()).toBe(good);
  });

  it('unsubscribes listeners, and a failing listener does not stop the others', () => {
    const seen: string[] = [];
    const unsubscribe = store.onChange(() => seen.push('first'));
    store.onChange(() => {
      throw new Error('listener broke');
    });
    store.onChange(() => seen.push('third'));
    fs.appendFileSync(path.join(dir, 'roles.yaml'), '# one\n');
    store.reload();
    unsubscribe();
    fs.appendFileSync(path.join(dir, 'roles.yaml'), '# two\n');
    store.reload();
    expect(seen).toEqual(['first', 'third', 'third']);
    expect(log.lines.some((line) => line.message === 'access-rule reload listener failed')).toBe(true);
  });
});

describe('rule store start-up', () => {
  it('refuses to start on a broken folder (PolicyError naming file:line)', () => {
    const dir = policyCopy();
    fs.appendFileSync(path.join(dir, 'roles.yaml'), '  - id: clerk\n    description: again\n');
    expect(() => createPolicyStore({ dir, logger: recordingLogger().logger, watch: false })).toThrow(/roles\.yaml:\d+:\d+: duplicate role id "clerk"/);
  });
});

describe.each(['auto', 'poll'] as const)('rule store watching the folder (%s)', (mode) => {
  let dir: string;
  let store: PolicyStore;

  beforeEach(async () => {
    dir = policyCopy();
    store = createPolicyStore({
      dir,
      logger: recordingLogger().logger,
      watch: mode === 'poll' ? 'poll' : true,
      debounceMs: 50,
      // With fs.watch the backstop poll is pushed out of the test's time, so the watch alone must do it.
      pollIntervalMs: mode === 'poll' ? 200 : 60_000,
    });
    // Past the start-up check, so only the watch (or the poll) can notice what the test changes.
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  afterEach(() => store.stop());

  it('honours a revocation within 2 s, and its removal', async () => {
    expect(store.status().watching).toBe(mode === 'auto' ? 'fs' : 'poll');
    expect(isRevoked(store, registryClerk)).toBe(false);
    const file = path.join(dir, 'revocations.yaml');
    const original = fs.readFileSync(file, 'utf8');

    fs.appendFileSync(file, REVOKE_REGISTRY_CLERK);
    await waitFor(() => isRevoked(store, registryClerk), 2000, 'the revocation to take effect');

    writeAtomically(file, original);
    await waitFor(() => !isRevoked(store, registryClerk), 2000, 'the revocation to be lifted');
  });

  it('keeps the last good rules on a broken save and applies the next good one', async () => {
    const events: PolicyReloadEvent[] = [];
    store.onChange((event) => events.push(event));
    const good = store.current();
    const file = path.join(dir, 'departments.yaml');
    const original = fs.readFileSync(file, 'utf8');

    writeAtomically(file, original.replace('purposes: [local-tax, local-tax-counter]', 'purposes: [local-taxes, local-tax-counter]'));
    await waitFor(() => events.some((event) => event.outcome === 'rejected'), 2000, 'the refusal');
    expect(store.current()).toBe(good);
    expect(store.status().lastRejected?.error.message).toMatch(/departments\.yaml:\d+:\d+: department "taxation-division" is registered for unknown purpose "local-taxes" \(did you mean "local-tax"\?\)/);

    writeAtomically(file, original.replace('name: 課税課', 'name: 課税課 # renamed comment only'));
    await waitFor(() => events.some((event) => event.outcome === 'applied'), 2000, 'the next good rules');
    expect(store.current().version).not.toBe(good.version);
    expect(store.status().lastRejected).toBeUndefined();
  });

  it('replays issue 10: stray draft, revocation added, stray deleted → revoked, logged and recorded', async () => {
    const events: PolicyReloadEvent[] = [];
    store.onChange((event) => events.push(event));
    const stray = path.join(dir, 'revocations-draft.yaml');
    const file = path.join(dir, 'revocations.yaml');
    fs.writeFileSync(stray, `revoked:\n${REVOKE_REGISTRY_CLERK}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeAtomically(file, `${fs.readFileSync(file, 'utf8')}${REVOKE_REGISTRY_CLERK}`);
    await waitFor(() => events.some((event) => event.outcome === 'rejected'), 2000, 'the refusal (stray file)');
    expect(isRevoked(store, registryClerk)).toBe(false);

    fs.unlinkSync(stray);
    await waitFor(() => isRevoked(store, registryClerk), 2000, 'the revocation once the stray file is gone');
    expect(events.at(-1)).toMatchObject({ outcome: 'applied', recoveredFrom: { attemptedVersion: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(store.status().lastRejected).toBeUndefined();
  });

  it('stops watching', async () => {
    store.stop();
    expect(store.status().watching).toBe('stopped');
    const before = store.current();
    fs.appendFileSync(path.join(dir, 'revocations.yaml'), REVOKE_REGISTRY_CLERK);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(store.current()).toBe(before);
  });
});

describe('rule store without fs.watch', () => {
  it('falls back to polling and still honours a revocation within 2 s', async () => {
    const dir = policyCopy();
    const watchSpy = jest.spyOn(fs, 'watch').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
    });
    const log = recordingLogger();
    const store = createPolicyStore({ dir, logger: log.logger, debounceMs: 50 });
    try {
      expect(store.status().watching).toBe('poll');
      expect(log.lines.some((line) => line.level === 'warn' && /polling instead/.test(line.message))).toBe(true);
      // Past the start-up check, so only the poll can notice the change.
      await new Promise((resolve) => setTimeout(resolve, 200));
      fs.appendFileSync(path.join(dir, 'revocations.yaml'), REVOKE_REGISTRY_CLERK);
      await waitFor(() => isRevoked(store, registryClerk), 2000, 'the revocation by polling');
    } finally {
      watchSpy.mockRestore();
      store.stop();
    }
  });
});
