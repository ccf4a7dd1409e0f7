import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { devSubject, mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { auditSqliteConfig } from '../../lib/audit/config';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditEntryInput, AuditRecord } from '../../lib/audit/types';
import { policyCopy } from '../support/policy-copy';
import { dayOf } from '../../lib/bulk/ledger';
import { startFederation, type Federation } from '../support/federation';
import { postGraphQL } from '../support/graphql';

/**
 * Bulk output only with prior approval (issue 9 item 5, promise 7): the paging attack of the
 * issue replayed — a clerk paging the register with `residents(first:, after:)`, a tax clerk
 * paging 個人番号 — is refused once the day's budget of distinct persons is passed
 * (BULK_APPROVAL_REQUIRED, nothing of the answer sent); an approval issued by the terminal manager
 * lets exactly its maximum through, and nothing else does. Budgets here (policy copy): 250 persons
 * a day for resident-registry, 300 for local-tax.
 */

const REGISTRY_BUDGET = 250;
const TAX_BUDGET = 300;

const PAGE = `query Page($first: Int!, $after: String) {
  residents(first: $first, after: $after) { edges { node { id name { kanji } } } pageInfo { endCursor hasNextPage } }
}`;
const NUMBERS = `query Numbers($first: Int!, $after: String) {
  residents(first: $first, after: $after) { edges { node { id individualNumber } } pageInfo { endCursor hasNextPage } }
}`;
const ISSUE = `mutation Issue($input: IssueBulkApprovalInput!) {
  issueBulkApproval(input: $input) { id grantee purpose maxPersons validFrom validTo issuedBy status personsUsed }
}`;
const WITHDRAW = `mutation Withdraw($id: ID!, $reason: String!) { withdrawBulkApproval(id: $id, reason: $reason) { id status withdrawnBy } }`;
const LIST = `{ bulkApprovals(first: 100) { approvals { id grantee purpose maxPersons issuedBy personsUsed status withdrawnBy } pageInfo { hasNextPage } } }`;

/** The repository's rules with small budgets, so the 1,500-resident test register can pass them. */
function policyWithBudgets(): string {
  return policyCopy((name, text) => {
    if (name !== 'bulk-output.yaml') return text;
    const edited = text
      .replace(/(- purpose: resident-registry\n\s+personsPerDay: )\d+/, `$1${REGISTRY_BUDGET}`)
      .replace(/(- purpose: local-tax\n\s+personsPerDay: )\d+/, `$1${TAX_BUDGET}`);
    expect(edited).toContain(`personsPerDay: ${REGISTRY_BUDGET}`);
    expect(edited).toContain(`personsPerDay: ${TAX_BUDGET}`);
    return edited;
  });
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('bulk output only with prior approval (大量出力の事前承認)', () => {
  let federation: Federation;
  let store: AuditStore;
  let dir: string;
  let policyDir: string;
  /** Every entry the gateway and the audit subgraph handed to the trail, as handed. */
  const appended: AuditEntryInput[] = [];
  // The gateway's bulk clock: noon of today on the ward's clock, running, plus a shift a test sets
  // (so a run across midnight never splits the day, and "later" is a shift, not a wait).
  const base = Date.parse(`${dayOf(new Date(), 9 * 60)}T12:00:00+09:00`);
  const started = Date.now();
  let shift = 0;
  const clock = () => new Date(base + (Date.now() - started) + shift);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-bulk-'));
    policyDir = policyWithBudgets();
    store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
    const recording = Object.assign(Object.create(store) as AuditStore, {
      append: (entries: AuditEntryInput[]) => {
        appended.push(...entries);
        return store.append(entries);
      },
    });
    federation = await startFederation({ audit: recording, policyDir, gateway: { bulkClock: clock } });
  }, 120_000);

  afterAll(async () => {
    await federation?.stop();
    await store?.close();
    for (const folder of [dir, policyDir]) if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  async function page(persona: string, query: string, first: number, after: string | null, headers: Record<string, string> = {}) {
    return federation.query<Record<string, any>>(persona, query, { first, after }, headers);
  }

  /** Distinct persons the trail names as returned to `subject` (records written for its requests). */
  function personsReturnedTo(subject: string): number {
    const persons = new Set<string>();
    for (const entry of appended) if (entry.subject === subject && entry.kind === 'OPERATION') for (const id of entry.personIds) persons.add(id);
    return persons.size;
  }

  async function records(filter: string): Promise<AuditRecord[]> {
    return (await store.query(JSON.parse(filter), { first: 1000 })).records;
  }

  test('the paging attack: a registry clerk is refused once the day passes its budget of distinct persons', async () => {
    const clerk = devSubject(findPersona('registry-clerk')!);
    const first = await page('registry-clerk', PAGE, 100, null);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!['residents'].edges).toHaveLength(100);
    const second = await page('registry-clerk', PAGE, 100, first.body.data!['residents'].pageInfo.endCursor);
    expect(second.body.data!['residents'].edges).toHaveLength(100);
    const cursor = second.body.data!['residents'].pageInfo.endCursor as string;

    // 200 + 100 > 250: the whole third page is withheld.
    const third = await page('registry-clerk', PAGE, 100, cursor);
    expect(third.status).toBe(403);
    expect(third.body.data).toBeNull();
    expect(third.body.errors).toHaveLength(1);
    expect(third.body.errors![0].extensions).toMatchObject({ code: 'BULK_APPROVAL_REQUIRED', limit: REGISTRY_BUDGET, used: 200, requested: 100 });
    expect(third.raw).not.toMatch(/kanji|"00\d{8}"/);

    // Exactly up to the budget: 50 more persons are answered, one more is not.
    const fill = await page('registry-clerk', PAGE, 50, cursor);
    expect(fill.status).toBe(200);
    expect(fill.body.data!['residents'].edges).toHaveLength(50);
    const over = await page('registry-clerk', PAGE, 1, fill.body.data!['residents'].pageInfo.endCursor);
    expect(over.status).toBe(403);
    expect(over.body.errors![0].extensions).toMatchObject({ code: 'BULK_APPROVAL_REQUIRED', used: REGISTRY_BUDGET, requested: 1 });
    // Persons already received today are not counted again: the clerk can keep working on them.
    const again = await page('registry-clerk', PAGE, 100, null);
    expect(again.status).toBe(200);
    expect(again.body.data!['residents'].edges).toHaveLength(100);

    // The trail: exactly 250 distinct persons returned, the refusals name nobody as returned.
    expect(personsReturnedTo(clerk)).toBe(REGISTRY_BUDGET);
    const refused = appended.filter((entry) => entry.subject === clerk && entry.errorCodes.includes('BULK_APPROVAL_REQUIRED'));
    expect(refused).toHaveLength(2);
    for (const entry of refused) expect(entry).toMatchObject({ personIds: [], decision: 'REFUSED' });

    // The next day (ward's clock) the budget is whole again.
    shift = 24 * HOUR;
    try {
      const tomorrow = await page('registry-clerk', PAGE, 100, fill.body.data!['residents'].pageInfo.endCursor);
      expect(tomorrow.status).toBe(200);
    } finally {
      shift = 0;
    }
  });

  test('the paging attack on 個人番号: the tax clerk is refused past its budget, no number in the refusal', async () => {
    let after: string | null = null;
    const statuses: number[] = [];
    let numbers = 0;
    for (let index = 0; index < 5; index++) {
      const answer = await page('tax-clerk', NUMBERS, 100, after);
      statuses.push(answer.status);
      if (answer.status !== 200) {
        expect(answer.body.errors![0].extensions?.code).toBe('BULK_APPROVAL_REQUIRED');
        expect(answer.raw).not.toMatch(/\d{12}/);
        continue;
      }
      numbers += (answer.body.data!['residents'].edges as { node: { individualNumber: string | null } }[]).filter((edge) => edge.node.individualNumber).length;
      after = answer.body.data!['residents'].pageInfo.endCursor;
    }
    expect(statuses).toEqual([200, 200, 200, 403, 403]);
    expect(personsReturnedTo(devSubject(findPersona('tax-clerk')!))).toBe(TAX_BUDGET);
    expect(numbers).toBeLessThanOrEqual(TAX_BUDGET);
  });

  async function issue(input: Partial<Record<string, unknown>>, persona = 'terminal-manager') {
    const now = Date.now();
    return federation.query<Record<string, any>>(persona, ISSUE, {
      input: {
        grantee: devSubject(findPersona('branch-clerk')!),
        purpose: 'resident-registry',
        maxPersons: 150,
        validFrom: iso(now - 24 * HOUR),
        validTo: iso(now + 48 * HOUR),
        reason: '令和9年度 就学通知の一斉作成 (synthetic)',
        ...input,
      },
    });
  }

  test('an approval issued by the terminal manager lets exactly its maximum through', async () => {
    const issued = await issue({});
    expect(issued.body.errors).toBeUndefined();
    const approval = issued.body.data!['issueBulkApproval'];
    expect(approval).toMatchObject({ grantee: 'dev:branch-clerk', purpose: 'resident-registry', maxPersons: 150, issuedBy: 'dev:terminal-manager', status: 'ACTIVE', personsUsed: 0 });
    const header = { 'x-bulk-approval': approval.id as string };

    const first = await page('branch-clerk', PAGE, 100, null, header);
    expect(first.status).toBe(200);
    const cursor = first.body.data!['residents'].pageInfo.endCursor as string;
    const over = await page('branch-clerk', PAGE, 100, cursor, header);
    expect(over.status).toBe(403);
    expect(over.body.data).toBeNull();
    expect(over.body.errors![0].extensions).toMatchObject({ code: 'BULK_APPROVAL_EXCEEDED', limit: 150, used: 100, requested: 100 });
    const rest = await page('branch-clerk', PAGE, 50, cursor, header);
    expect(rest.status).toBe(200);
    expect(rest.body.data!['residents'].edges).toHaveLength(50);
    const more = await page('branch-clerk', PAGE, 1, rest.body.data!['residents'].pageInfo.endCursor, header);
    expect(more.body.errors![0].extensions?.code).toBe('BULK_APPROVAL_EXCEEDED');

    // Each request's record names the approval it carried; the approval counts 150 persons.
    const carried = appended.filter((entry) => entry.subject === 'dev:branch-clerk' && entry.bulkApprovalId === approval.id);
    expect(carried).toHaveLength(4);
    const listed = await federation.query<Record<string, any>>('security-officer', LIST);
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data!['bulkApprovals'].approvals.find((entry: { id: string }) => entry.id === approval.id)).toMatchObject({ personsUsed: 150, status: 'EXHAUSTED', issuedBy: 'dev:terminal-manager' });
    expect(personsReturnedTo('dev:branch-clerk')).toBe(150);
  });

  test('an approval for another user, another purpose, not yet valid, expired or withdrawn is refused before any subgraph call', async () => {
    const forBranch = (await issue({ maxPersons: 1000 })).body.data!['issueBulkApproval'].id as string;
    const forTax = (await issue({ purpose: 'local-tax' })).body.data!['issueBulkApproval'].id as string;
    const later = (await issue({ validFrom: iso(Date.now() + 20 * HOUR) })).body.data!['issueBulkApproval'].id as string;
    const shortLived = (await issue({ validTo: iso(Date.now() + 20 * HOUR) })).body.data!['issueBulkApproval'].id as string;
    const withdrawn = (await issue({})).body.data!['issueBulkApproval'].id as string;
    const gone = await federation.query<Record<string, any>>('terminal-manager', WITHDRAW, { id: withdrawn, reason: '依頼の取下げ (synthetic)' });
    expect(gone.body.errors).toBeUndefined();
    expect(gone.body.data!['withdrawBulkApproval']).toMatchObject({ id: withdrawn, status: 'WITHDRAWN', withdrawnBy: 'dev:terminal-manager' });
    const twice = await federation.query<Record<string, any>>('terminal-manager', WITHDRAW, { id: withdrawn, reason: 'again' });
    expect(twice.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');

    const cases: [string, string, string, number][] = [
      ['registry-clerk', forBranch, 'BULK_APPROVAL_OTHER_USER', 403],
      ['branch-clerk', forTax, 'BULK_APPROVAL_OTHER_PURPOSE', 403],
      ['branch-clerk', later, 'BULK_APPROVAL_NOT_YET_VALID', 403],
      ['branch-clerk', withdrawn, 'BULK_APPROVAL_WITHDRAWN', 403],
      ['branch-clerk', '6f1c2d1e-0000-4000-8000-000000000000', 'BULK_APPROVAL_UNKNOWN', 403],
      ['branch-clerk', 'approved-by-director', 'BULK_APPROVAL_MALFORMED', 400],
    ];
    for (const [persona, id, code, status] of cases) {
      federation.resetStatements();
      const answer = await page(persona, PAGE, 10, null, { 'x-bulk-approval': id });
      expect({ persona, code, status: answer.status, data: answer.body.data ?? null, got: answer.body.errors?.[0]?.extensions?.code }).toEqual({ persona, code, status, data: null, got: code });
      expect(federation.statements.residents).toEqual([]);
    }
    // Expired: the same approval, used after its period (the gateway's clock moved on).
    expect((await page('branch-clerk', PAGE, 10, null, { 'x-bulk-approval': shortLived })).status).toBe(200);
    shift = 2 * 24 * HOUR;
    try {
      const expired = await page('branch-clerk', PAGE, 10, null, { 'x-bulk-approval': shortLived });
      expect(expired.body.errors![0].extensions?.code).toBe('BULK_APPROVAL_EXPIRED');
    } finally {
      shift = 0;
    }
  });

  test('only a terminal manager with MFA issues or withdraws; a clerk cannot, nor can an approver approve themselves', async () => {
    for (const persona of ['registry-clerk', 'security-officer', 'branch-clerk']) {
      const answer = await issue({}, persona);
      expect({ persona, data: answer.body.data ?? null, code: answer.body.errors?.[0]?.extensions?.code }).toEqual({ persona, data: null, code: 'UNAUTHORIZED_FIELD_OR_TYPE' });
    }
    const keys = await loadOrCreateDevKeys(path.join(path.dirname(federation.identityKeysPath), 'dev-keys.json'));
    const { token } = await mintDevToken({ persona: { ...findPersona('terminal-manager')!, mfa: false }, keys });
    const before = (await store.query({ kind: 'BULK_APPROVAL_ISSUED' }, { first: 1000 })).records.length;
    const noMfa = await postGraphQL<Record<string, any>>(federation.gatewayUrl, ISSUE, {
      input: { grantee: 'dev:branch-clerk', purpose: 'resident-registry', maxPersons: 10, validFrom: iso(Date.now()), validTo: iso(Date.now() + HOUR), reason: 'no MFA' },
    }, { authorization: `Bearer ${token}` });
    expect(noMfa.body.data ?? null).toBeNull();
    expect(noMfa.body.errors![0].extensions).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', policy: 'bulk_approval' });
    expect(String(noMfa.body.errors![0].extensions?.reason)).toMatch(/MFA/);
    expect((await store.query({ kind: 'BULK_APPROVAL_ISSUED' }, { first: 1000 })).records).toHaveLength(before);

    const self = await issue({ grantee: 'dev:terminal-manager' });
    expect(self.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await issue({ maxPersons: 2_000_000 });
    expect(tooMany.body.errors![0].message).toMatch(/maxPersons/);
    const tooLong = await issue({ validTo: iso(Date.now() + 40 * 24 * HOUR) });
    expect(tooLong.body.errors![0].message).toMatch(/31 days/);
    const past = await issue({ validFrom: iso(Date.now() - 3 * HOUR), validTo: iso(Date.now() - HOUR) });
    expect(past.body.errors![0].message).toMatch(/事前承認/);
    // A clerk cannot list them either.
    const list = await federation.query<Record<string, any>>('registry-clerk', LIST);
    expect(list.body.errors![0].extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  test('issuing and withdrawing are in the trail with both identities, before they take effect', async () => {
    const issued = await records('{"kind":"BULK_APPROVAL_ISSUED"}');
    const withdrawn = await records('{"kind":"BULK_APPROVAL_WITHDRAWN"}');
    expect(issued.length).toBeGreaterThanOrEqual(6);
    expect(withdrawn).toHaveLength(1);
    for (const record of [...issued, ...withdrawn]) {
      expect(record).toMatchObject({ subject: 'dev:terminal-manager', department: 'registry-division', roles: ['approver'], mfa: true, decision: 'GRANTED', personIds: [] });
      expect(record.detail).toMatch(/grantee dev:branch-clerk, purpose (resident-registry|local-tax), at most \d+ persons/);
    }
    const events = appended.filter((entry) => entry.kind !== 'OPERATION' && entry.kind.startsWith('BULK_APPROVAL'));
    expect(events.every((entry) => typeof entry.bulkApprovalId === 'string')).toBe(true);
    // The gateway's record of each mutation is there too (the operation, by the same approver).
    const operations = appended.filter((entry) => entry.kind === 'OPERATION' && entry.grantedFields.includes('Mutation.issueBulkApproval'));
    expect(operations.filter((entry) => entry.errorCodes.length === 0)).toHaveLength(issued.length);
    // Refused inputs (self-approval, over the ceilings, a past period) issued nothing, and are recorded as failed.
    expect(operations.filter((entry) => entry.errorCodes.includes('BAD_USER_INPUT'))).toHaveLength(4);
  });

  test('the anomaly report lists every bulk attempt without an approval', async () => {
    const today = dayOf(new Date(), 9 * 60);
    const yesterday = dayOf(new Date(Date.now() - 24 * HOUR), 9 * 60);
    const report = await federation.query<Record<string, any>>(
      'security-officer',
      `query R($from: String!, $to: String!) { auditAnomalyReport(from: $from, to: $to) { findings { kind subject count recordSequences description } } }`,
      { from: yesterday, to: today },
    );
    expect(report.body.errors).toBeUndefined();
    const findings = (report.body.data!['auditAnomalyReport'].findings as { kind: string; subject: string; count: number; recordSequences: number[] }[]).filter((finding) => finding.kind === 'BULK_WITHOUT_APPROVAL');
    const bySubject = Object.fromEntries(findings.map((finding) => [finding.subject, finding.count]));
    expect(bySubject).toEqual({ 'dev:registry-clerk': 2, 'dev:tax-clerk': 2 });
    const refusals = appended.filter((entry) => entry.errorCodes.includes('BULK_APPROVAL_REQUIRED')).length;
    expect(findings.reduce((sum, finding) => sum + finding.recordSequences.length, 0)).toBe(refusals);
  });
});
