import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AuditWriter, type AuditSink } from '../../../gateway/audit';
import type { AuditEntryInput } from '../../../lib/audit/types';
import { AUDIT_UNAVAILABLE_CODE } from '../../../lib/audit/types';
import { startFederation, type Federation } from '../../support/federation';

const silent = pino({ level: 'silent' });

/** Keeps every entry appended; `fail` makes appends reject, `delayMs` makes them slow. */
class MemorySink implements AuditSink {
  entries: AuditEntryInput[] = [];
  batches: number[] = [];
  fail = false;
  delayMs = 0;
  async append(entries: AuditEntryInput[]) {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.fail) throw new Error('audit store unreachable');
    this.batches.push(entries.length);
    this.entries.push(...entries);
    return entries;
  }
  byRequest(requestId: string | null) {
    return this.entries.filter((entry) => entry.requestId === requestId);
  }
}

const entry = (requestId: string): AuditEntryInput => ({
  kind: 'OPERATION', occurredAt: new Date().toISOString(), requestId, subject: 's', department: 'd', roles: [], purpose: 'p', mfa: true,
  clientName: null, clientVersion: null, caseReference: null, operationName: null, operationHash: null, decision: 'GRANTED',
  grantedFields: [], deniedFields: [], personIds: [], ruleVersion: 'v', errorCodes: [], detail: null,
});

describe('AuditWriter (group commit)', () => {
  test('entries of one event-loop turn go in one append; entries arriving during an append go together in the next one', async () => {
    const sink = new MemorySink();
    sink.delayMs = 30;
    const writer = new AuditWriter({ sink, logger: silent });
    const first = writer.write(entry('a'));
    // The append starts at the end of this turn; what arrives after, while it is in flight, waits.
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 50 }, (_, index) => writer.write(entry(`b${index}`)));
    await Promise.all([first, ...rest]);
    expect(sink.batches).toEqual([1, 50]);
    expect(writer.stats()).toMatchObject({ written: 51, appends: 2, largestBatch: 50, failed: 0 });
  });

  test('with maxInFlight, entries arriving during an append are handed over at the end of their turn (the sink groups them)', async () => {
    const sink = new MemorySink();
    // Long enough that no append completes between two event-loop turns on a loaded machine.
    sink.delayMs = 300;
    const writer = new AuditWriter({ sink, logger: silent, maxInFlight: 2 });
    const first = writer.write(entry('a'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = Array.from({ length: 5 }, (_, index) => writer.write(entry(`b${index}`)));
    await new Promise((resolve) => setImmediate(resolve));
    // Both appends are with the sink now; the third waits for a free slot.
    expect(writer.stats().appends).toBe(2);
    const third = writer.write(entry('c'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.stats().appends).toBe(2);
    await Promise.all([first, ...second, third]);
    expect(sink.batches).toEqual([1, 5, 1]);
    expect(writer.stats()).toMatchObject({ written: 7, appends: 3, failed: 0 });
  });

  test('a failed append rejects exactly the writes it carried; the next append is tried afresh', async () => {
    const sink = new MemorySink();
    sink.fail = true;
    const writer = new AuditWriter({ sink, logger: silent });
    await expect(writer.write(entry('x'))).rejects.toThrow(/unreachable/);
    sink.fail = false;
    await expect(writer.write(entry('y'))).resolves.toBeUndefined();
    expect(sink.entries.map((e) => e.requestId)).toEqual(['y']);
  });
});

describe('the gateway writes the trail', () => {
  let policyDir: string;
  let sink: MemorySink;
  let federation: Federation;

  beforeAll(async () => {
    // The repository's rules, with a case reference made mandatory for local-tax work.
    policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-policy-'));
    for (const file of fs.readdirSync(path.resolve(__dirname, '..', '..', '..', 'policy'))) {
      fs.copyFileSync(path.resolve(__dirname, '..', '..', '..', 'policy', file), path.join(policyDir, file));
    }
    const purposes = path.join(policyDir, 'purposes.yaml');
    const text = fs.readFileSync(purposes, 'utf8');
    const patched = text.replace(/(- id: local-tax[\s\S]*?caseReferenceRequired: )false/, '$1true');
    expect(patched).not.toBe(text);
    fs.writeFileSync(purposes, patched);
    sink = new MemorySink();
    federation = await startFederation({ audit: sink, policyDir });
  });

  afterAll(async () => {
    await federation?.stop();
    fs.rmSync(policyDir, { recursive: true, force: true });
  });

  afterEach(() => {
    sink.fail = false;
  });

  const requestIdOf = (result: { response: Response }) => result.response.headers.get('x-request-id');

  test('an operation: who, client, case, operation hash, granted/denied fields, persons (宛名番号 fetched unasked and not returned)', async () => {
    const result = await federation.query('school-clerk', 'query Look { residents(first: 3) { edges { node { individualNumber name { kanji } } } } }', undefined, {
      'apollographql-client-name': 'school-app',
      'apollographql-client-version': '1.2',
      'x-case-id': 'R8-GAKUJI-0012',
    });
    expect(result.status).toBe(200);
    expect(result.raw).not.toMatch(/_audit|"id"/);
    const [recorded] = sink.byRequest(requestIdOf(result));
    expect(recorded).toMatchObject({
      kind: 'OPERATION',
      subject: expect.any(String),
      department: 'school-affairs-division',
      roles: ['clerk'],
      purpose: 'school-enrolment',
      mfa: true,
      clientName: 'school-app',
      clientVersion: '1.2',
      caseReference: 'R8-GAKUJI-0012',
      operationName: 'Look',
      operationHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      decision: 'PARTIAL',
      deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'individual_number' }],
      errorCodes: ['UNAUTHORIZED_FIELD_OR_TYPE'],
      ruleVersion: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(recorded.grantedFields).toEqual(expect.arrayContaining(['Query.residents', 'Resident.name', 'PersonName.kanji']));
    expect(recorded.personIds).toHaveLength(3);
    expect(recorded.personIds.every((id) => /^\d{10}$/.test(id))).toBe(true);
  });

  test('every classified field refused: DENIED, no persons', async () => {
    const result = await federation.query('dx-analyst', '{ residents(first: 3) { edges { node { individualNumber } } } }');
    const [recorded] = sink.byRequest(requestIdOf(result));
    expect(recorded.decision).toBe('DENIED');
    expect(recorded.personIds).toEqual([]);
  });

  test('refused before execution (401 without a token, 400 unknown purpose) is audited as REFUSED with what is known', async () => {
    const anonymous = await federation.query(null, '{ residents { edges { node { id } } } }');
    expect(anonymous.status).toBe(401);
    expect(sink.byRequest(requestIdOf(anonymous))).toEqual([
      expect.objectContaining({ decision: 'REFUSED', subject: null, errorCodes: ['UNAUTHENTICATED'], detail: 'HTTP 401 missing_token' }),
    ]);
    const badPurpose = await federation.query('registry-clerk', '{ residents { edges { node { id } } } }', undefined, { 'x-purpose': 'fishing' });
    expect(badPurpose.status).toBe(400);
    expect(sink.byRequest(requestIdOf(badPurpose))).toEqual([
      expect.objectContaining({ decision: 'REFUSED', subject: expect.any(String), purpose: 'fishing', errorCodes: ['BAD_REQUEST'] }),
    ]);
  });

  test('refused outside the front middlewares (a malformed body, a request Apollo cannot take, a GET mutation): each recorded once, with its code', async () => {
    const token = await federation.token('registry-clerk');
    const post = (body: string) =>
      fetch(federation.gatewayUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    // The error handler's 400 (express.json refuses the body).
    const malformed = await post('{"query": ');
    expect(malformed.status).toBe(400);
    expect(sink.byRequest(malformed.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ decision: 'REFUSED', subject: expect.any(String), errorCodes: ['BAD_REQUEST'], detail: 'HTTP 400' }),
    ]);
    // Apollo Server's own 400, before its request pipeline (a batch: batching is off).
    const batch = await post('[{"query": "{ __typename }"}]');
    expect(batch.status).toBe(400);
    expect(sink.byRequest(batch.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ decision: 'REFUSED', subject: expect.any(String), errorCodes: ['BAD_REQUEST'], detail: 'HTTP 400' }),
    ]);
    // Inside Apollo's pipeline (no query text; a mutation over GET): the audit plugin's entry, not a second one.
    const noQuery = await post('{"variables": {}}');
    expect(noQuery.status).toBe(400);
    expect(sink.byRequest(noQuery.headers.get('x-request-id'))).toEqual([expect.objectContaining({ errorCodes: ['BAD_REQUEST'] })]);
    const getMutation = await fetch(`${federation.gatewayUrl}?query=${encodeURIComponent('mutation { __typename }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(getMutation.status).toBe(405);
    expect(sink.byRequest(getMutation.headers.get('x-request-id'))).toHaveLength(1);
  });

  test('a purpose with caseReferenceRequired: 400 without X-Case-Id (audited REFUSED), answered with one', async () => {
    const without = await federation.query('tax-clerk', '{ residents(first: 1) { edges { node { individualNumber } } } }', undefined, { 'x-purpose': 'local-tax' });
    expect(without.status).toBe(400);
    expect(without.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'case_reference_required' });
    expect(without.raw).not.toMatch(/\d{12}/);
    expect(sink.byRequest(requestIdOf(without))).toEqual([
      expect.objectContaining({ decision: 'REFUSED', purpose: 'local-tax', caseReference: null, detail: 'HTTP 400 case_reference_required' }),
    ]);
    const withCase = await federation.query('tax-clerk', '{ residents(first: 1) { edges { node { individualNumber } } } }', undefined, {
      'x-purpose': 'local-tax',
      'x-case-id': 'TAX-2026-0042',
    });
    expect(withCase.status).toBe(200);
    expect(sink.byRequest(requestIdOf(withCase))).toEqual([expect.objectContaining({ decision: 'GRANTED', caseReference: 'TAX-2026-0042' })]);
  });

  test('introspection-only and __typename-only operations are not audited; statistics are', async () => {
    const typename = await federation.query('registry-clerk', '{ __typename }');
    expect(typename.status).toBe(200);
    expect(sink.byRequest(requestIdOf(typename))).toEqual([]);
    const statistics = await federation.query('dx-analyst', '{ populationStatistics { residentTotal } }');
    expect(sink.byRequest(requestIdOf(statistics))).toEqual([expect.objectContaining({ decision: 'GRANTED', personIds: [] })]);
  });

  test('fail closed with a failing sink: person data withheld (503, AUDIT_UNAVAILABLE); statistics go on', async () => {
    sink.fail = true;
    const person = await federation.query('registry-clerk', '{ resident(id: "0010000017") { individualNumber } }');
    expect(person.status).toBe(503);
    expect(person.body).toEqual({ data: null, errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: AUDIT_UNAVAILABLE_CODE }) })] });
    const statistics = await federation.query('dx-analyst', '{ populationStatistics { residentTotal } }');
    expect(statistics.status).toBe(200);
    expect(statistics.body.data?.populationStatistics).toBeDefined();
  });

  test('rule reloads are audited: RULES_RELOADED with old → new version, RULES_REJECTED with why', async () => {
    const rules = federation.gateway.rules;
    const before = rules.current().version;
    const purposes = path.join(policyDir, 'purposes.yaml');
    const text = fs.readFileSync(purposes, 'utf8');
    fs.writeFileSync(purposes, `${text}\n# reviewed again\n`);
    expect(rules.reload()).toMatchObject({ ok: true });
    const after = rules.current().version;
    fs.writeFileSync(purposes, text.replace('purposes:', 'purposes: [oops'));
    expect(rules.reload()).toMatchObject({ ok: false });
    await federation.gateway.auditWriter!.drain();
    expect(sink.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'RULES_RELOADED', ruleVersion: after, detail: expect.stringContaining(`${before} → ${after}`) }),
        expect.objectContaining({ kind: 'RULES_REJECTED', ruleVersion: after, decision: 'REFUSED', detail: expect.stringContaining('purposes.yaml') }),
      ]),
    );
    fs.writeFileSync(purposes, text);
    rules.reload();
  });
});
