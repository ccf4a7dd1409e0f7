import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { MAX_PAGE_SIZE, openAuditStore, type AuditStore } from '../../../lib/audit/store';
import type { AuditEntryInput } from '../../../lib/audit/types';
import { loadClassifications } from '../../../lib/rule-versions/decide';
import { compileFiles, readFilesFromDir } from '../../../lib/rule-versions/files';
import { OperationComparer, replay } from '../../../lib/rule-versions/impact';
import { dryRunMatrix } from '../../../lib/rule-versions/views';

/**
 * The dry run against a trail this test writes (issue 12.2): a change that takes 個人番号 away
 * from 課税課 and gives it 在留カード番号 is replayed on the recorded profiles and coordinates; the
 * newly refused and newly allowed accesses are exactly the ones written for it, and nothing
 * outside the period, refused before execution, or of another profile is counted.
 */
describe('replay of a proposal on a written trail', () => {
  const shipped = readFilesFromDir();
  const TAX_NUMBER = /\n      - roles: \[clerk\]\n        departments: \[taxation-division\]\n        purposes: \[local-tax\]\n        mfa: required\n(?=\n  foreign_resident_card:)/;
  const proposedFiles = {
    ...shipped,
    'policies.yaml': shipped['policies.yaml']
      .replace(TAX_NUMBER, '\n')
      .replace(
        '        departments: [registry-division, setagaya-branch-resident-section]\n        purposes: [resident-registry]\n        mfa: optional\n\n  cs_identity:',
        '        departments: [registry-division, setagaya-branch-resident-section]\n        purposes: [resident-registry]\n        mfa: optional\n      - roles: [clerk]\n        departments: [taxation-division]\n        purposes: [local-tax]\n        mfa: required\n\n  cs_identity:',
      ),
  };
  const inForce = compileFiles(shipped);
  const proposed = compileFiles(proposedFiles);
  const classifications = loadClassifications();
  let dir: string;
  let store: AuditStore;

  const op = (at: string, subject: string, department: string, purpose: string, granted: string[], denied: string[], persons: string[], options: { decision?: AuditEntryInput['decision']; mfa?: boolean; kind?: AuditEntryInput['kind'] } = {}): AuditEntryInput => ({
    kind: options.kind ?? 'OPERATION', occurredAt: at, requestId: `r-${at}-${subject}`, subject, department, roles: ['clerk'], purpose, mfa: options.mfa ?? true,
    clientName: null, clientVersion: null, caseReference: null, operationName: null, operationHash: null, decision: options.decision ?? (denied.length ? 'PARTIAL' : 'GRANTED'),
    grantedFields: granted, deniedFields: denied.map((coordinate) => ({ coordinate, policy: 'x' })), personIds: persons, ruleVersion: inForce.version, errorCodes: [], detail: null,
  });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
    await store.append([
      // newly refused: three operations of tax-a and tax-b (persons P1–P3), and tax-c's below
      op('2026-11-02T01:00:00Z', 'tax-a', 'taxation-division', 'local-tax', ['Resident.individualNumber', 'Resident.name'], [], ['P1', 'P2']),
      op('2026-11-03T01:00:00Z', 'tax-a', 'taxation-division', 'local-tax', ['Resident.individualNumber'], [], ['P2']),
      op('2026-11-04T01:00:00Z', 'tax-b', 'taxation-division', 'local-tax', ['Resident.individualNumber'], [], ['P3']),
      // newly allowed: 2 operations of tax-b that were refused the residence card number
      op('2026-11-05T01:00:00Z', 'tax-b', 'taxation-division', 'local-tax', ['Resident.name'], ['ForeignResident.residenceCardNumber'], ['P4']),
      op('2026-11-06T01:00:00Z', 'tax-b', 'taxation-division', 'local-tax', [], ['ForeignResident.residenceCardNumber'], [], { decision: 'DENIED' }),
      // both at once: one operation counts once in each direction
      op('2026-11-07T01:00:00Z', 'tax-c', 'taxation-division', 'local-tax', ['Resident.individualNumber'], ['ForeignResident.residenceCardNumber'], ['P5']),
      // unaffected: another department, a tax clerk without MFA, a field the change does not touch
      op('2026-11-08T01:00:00Z', 'reg-a', 'registry-division', 'resident-registry', ['Resident.individualNumber', 'ForeignResident.residenceCardNumber'], [], ['P6']),
      op('2026-11-09T01:00:00Z', 'tax-d', 'taxation-division', 'local-tax', ['Resident.name'], ['Resident.individualNumber', 'ForeignResident.residenceCardNumber'], ['P7'], { mfa: false }),
      op('2026-11-10T01:00:00Z', 'tax-a', 'taxation-division', 'local-tax', ['Resident.name', 'Resident.address'], [], ['P8']),
      // not replayed: outside the period, refused before execution, a failed operation
      op('2026-10-31T14:00:00Z', 'tax-a', 'taxation-division', 'local-tax', ['Resident.individualNumber'], [], ['P9']),
      op('2026-11-11T01:00:00Z', 'tax-a', 'taxation-division', 'local-tax', [], [], [], { decision: 'REFUSED' }),
      op('2026-11-12T01:00:00Z', 'tax-a', 'taxation-division', 'local-tax', ['Resident.individualNumber'], [], [], { decision: 'FAILED' }),
    ]);
  });
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the matrix: 課税課 with MFA loses 個人番号 and gains 在留カード番号; no other profile changes', () => {
    const matrix = dryRunMatrix(inForce, proposed, classifications);
    expect(matrix.rows.map((row) => [row.profile.key, row.newlyRefused, row.newlyAllowed, row.policiesLost, row.policiesGained])).toEqual([
      ['taxation-division/clerk/local-tax/mfa', ['Resident.individualNumber'], ['ForeignResident.residenceCardNumber', 'ForeignResident.specialPermanentResidentCertificateNumber'], ['individual_number'], ['foreign_resident_card']],
    ]);
    expect(matrix.fields).toEqual(['ForeignResident.residenceCardNumber', 'ForeignResident.specialPermanentResidentCertificateNumber', 'Resident.individualNumber']);
  });

  test('newly refused and newly allowed are exactly the accesses written for them', async () => {
    const pages = (async function* () {
      let after: string | null = null;
      for (;;) {
        const page = await store.query({ from: '2026-11-01T00:00:00+09:00', to: '2026-12-01T00:00:00+09:00' }, { first: MAX_PAGE_SIZE, ...(after ? { after } : {}) });
        yield page.records;
        if (!page.hasNextPage || page.endCursor === null) return;
        after = page.endCursor;
      }
    })();
    const result = await replay(new OperationComparer(inForce, proposed, classifications), pages);
    expect(result.operationsAnalysed).toBe(9);
    expect(result.newlyRefused).toEqual({
      accessCount: 4,
      fieldAccessCount: 4,
      personCount: 4,
      users: [{ subject: 'tax-a', department: 'taxation-division', accessCount: 2 }, { subject: 'tax-b', department: 'taxation-division', accessCount: 1 }, { subject: 'tax-c', department: 'taxation-division', accessCount: 1 }],
      departments: [{ department: 'taxation-division', accessCount: 4, userCount: 3 }],
      fields: [{ coordinate: 'Resident.individualNumber', accessCount: 4 }],
      sampleSequences: [1, 2, 3, 6],
    });
    expect(result.newlyAllowed).toEqual({
      accessCount: 3,
      fieldAccessCount: 3,
      personCount: 2,
      users: [{ subject: 'tax-b', department: 'taxation-division', accessCount: 2 }, { subject: 'tax-c', department: 'taxation-division', accessCount: 1 }],
      departments: [{ department: 'taxation-division', accessCount: 3, userCount: 2 }],
      fields: [{ coordinate: 'ForeignResident.residenceCardNumber', accessCount: 3 }],
      sampleSequences: [4, 5, 6],
    });
  });
});
