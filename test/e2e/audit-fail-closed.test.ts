import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditEntryInput } from '../../lib/audit/types';
import { AUDIT_UNAVAILABLE_CODE } from '../../lib/audit/types';
import type { AuditSink } from '../../gateway/audit';
import { startFederation, type Federation } from '../support/federation';

/**
 * Fail closed, against the real store: when the trail cannot be written, no person data leaves
 * (503, data null, AUDIT_UNAVAILABLE); statistics go on. And the record is written before the
 * response is sent: a gateway stopped while the append is in flight sends nothing, and every
 * response that reached a client has its record.
 */

/** The real store behind a switch: `down` makes appends fail as an unreachable database does; `hold` delays them. */
class SwitchableSink implements AuditSink {
  down = false;
  hold: Promise<void> | undefined;
  appended = 0;
  constructor(readonly store: AuditStore) {}
  async append(entries: AuditEntryInput[]) {
    if (this.hold) await this.hold;
    if (this.down) throw new Error('audit database unreachable');
    const records = await this.store.append(entries);
    this.appended += records.length;
    return records;
  }
}

const PERSON_QUERY = '{ residents(first: 5) { edges { node { individualNumber name { kanji } } } } }';
const STATISTICS_QUERY = '{ populationStatistics { asOf residentTotal } }';

describe('audit fail-closed', () => {
  let dir: string;
  let store: AuditStore;
  let sink: SwitchableSink;
  let federation: Federation;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-fail-closed-'));
    store = await openAuditStore({ env: { AUDIT_DB_FILE: path.join(dir, 'audit.sqlite') } });
    sink = new SwitchableSink(store);
    federation = await startFederation({ audit: sink });
  });

  afterAll(async () => {
    await federation?.stop();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    sink.down = false;
    sink.hold = undefined;
  });

  test('store up: person data is answered and recorded', async () => {
    const { status, body } = await federation.query('registry-clerk', PERSON_QUERY);
    expect(status).toBe(200);
    expect((body.data as { residents: { edges: unknown[] } }).residents.edges.length).toBe(5);
  });

  test('store unreachable: person data withheld (503, data null, AUDIT_UNAVAILABLE), nothing of it in the body', async () => {
    sink.down = true;
    const { status, body, raw, response } = await federation.query('registry-clerk', PERSON_QUERY);
    expect(status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: AUDIT_UNAVAILABLE_CODE }) })]);
    expect(raw).not.toMatch(/\d{12}/);
  });

  test('store unreachable: an operation that reads no person data (statistics) goes on', async () => {
    sink.down = true;
    const { status, body } = await federation.query('dx-analyst', STATISTICS_QUERY);
    expect(status).toBe(200);
    expect(body.data?.populationStatistics).toBeDefined();
  });

  test('store read-only: the database refuses the write, person data is withheld', async () => {
    const readOnlyFile = path.join(dir, 'read-only.sqlite');
    const seeded = await openAuditStore({ env: { AUDIT_DB_FILE: readOnlyFile } });
    await seeded.close();
    // Read-only at the database (file permissions do not bind root): SQLite opened readonly.
    let readOnly: AuditStore;
    try {
      readOnly = await openAuditStore({
        config: { client: 'better-sqlite3', connection: { filename: readOnlyFile, options: { readonly: true } } as never, useNullAsDefault: true },
      });
    } catch (error) {
      // A store that cannot write may refuse to open: then the gateway refuses to start (also closed).
      expect(String(error)).toMatch(/readonly/);
      return;
    }
    const inner = sink.store;
    (sink as { store: AuditStore }).store = readOnly;
    try {
      const { status, body, raw } = await federation.query('registry-clerk', PERSON_QUERY);
      expect(status).toBe(503);
      expect(body.data).toBeNull();
      expect(raw).not.toMatch(/\d{12}/);
    } finally {
      (sink as { store: AuditStore }).store = inner;
      await readOnly.close();
    }
  });

  test('stopped mid-request: while the append is in flight nothing is sent; a response that left has its record', async () => {
    let release!: () => void;
    sink.hold = new Promise<void>((resolve) => (release = resolve));
    const pending = federation.query('registry-clerk', PERSON_QUERY).then(
      (result) => ({ sent: true as const, result }),
      () => ({ sent: false as const }),
    );
    // The append is held: no response within 300 ms (the record comes first).
    const early = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('nothing yet'), 300))]);
    expect(early).toBe('nothing yet');
    // "Stop" the gateway: cut every connection while the record is being written.
    federation.gateway.httpServer.closeAllConnections();
    release();
    const outcome = await pending;
    expect(outcome.sent).toBe(false);
    // The record may have been written (harmless: an access recorded that was never delivered)
    // but no person data left without one. Every response that was delivered has its entry:
    await federation.gateway.auditWriter!.drain();
    const requestIds = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const page = await store.query({}, { first: 1000, after });
      for (const record of page.records) requestIds.add(record.requestId);
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    const again = await federation.query('registry-clerk', PERSON_QUERY);
    expect(again.status).toBe(200);
    await federation.gateway.auditWriter!.drain();
    const last = await store.query({}, { first: 1, order: 'desc' });
    expect(last.records[0].requestId).toBe(again.response.headers.get('x-request-id'));
    expect(requestIds.size).toBeGreaterThan(0);
  });
});
