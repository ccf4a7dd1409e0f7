import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { RelayedBulkLedger, relayLedgerCalls } from '../../gateway/cluster/ledger-relay';
import { auditSqliteConfig } from '../../lib/audit/config';
import { AuditUnavailableError } from '../../lib/audit/store';
import { openThreadedAuditStore, openBulkLedgerOnStoreThread } from '../../lib/audit/threaded-store';
import type { AuditStore } from '../../lib/audit/store';
import type { BulkLedger, ChargeRequest } from '../../lib/bulk/ledger';

/**
 * GATEWAY_WORKERS > 1 on SQLite: a worker charges the bulk-output ledger through the primary
 * (gateway/cluster/ledger-relay.ts), which runs it on its audit store's thread, as one gateway
 * does. Here the two ends of the cluster's IPC channel are joined in memory, each message through
 * JSON as the channel sends it, and the primary's end serves a real ledger on a real store's
 * thread (the run with real worker processes is test/gateway/cluster.test.ts).
 */

/** The worker's `process` and the primary's `cluster.Worker`, joined. */
function channelPair(): { worker: EventEmitter & { connected: boolean; send(message: unknown, callback?: (error: Error | null) => void): boolean }; primarySide: EventEmitter & { id: number; isConnected(): boolean; send(message: unknown): boolean } } {
  const json = (message: unknown) => JSON.parse(JSON.stringify(message)) as unknown;
  const worker = Object.assign(new EventEmitter(), {
    connected: true,
    send(message: unknown, callback?: (error: Error | null) => void): boolean {
      setImmediate(() => primarySide.emit('message', json(message)));
      callback?.(null);
      return true;
    },
  });
  const primarySide = Object.assign(new EventEmitter(), {
    id: 1,
    isConnected: () => worker.connected,
    send(message: unknown): boolean {
      setImmediate(() => worker.emit('message', json(message)));
      return true;
    },
  });
  return { worker, primarySide };
}

const silent = pino({ level: 'silent' });
const AT = new Date('2026-12-05T01:00:00Z');
const charge = (personIds: string[], overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({ subject: 'dev:registry-clerk', purpose: 'resident-record', day: '2026-12-05', personIds, budget: 5, approvalId: null, at: AT, ...overrides });

describe('the bulk-output ledger of a worker, relayed to the primary', () => {
  let dir: string;
  let store: AuditStore;
  let ledger: BulkLedger;
  let relayed: RelayedBulkLedger;
  let pair: ReturnType<typeof channelPair>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-relay-'));
    store = await openThreadedAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
    ledger = (await openBulkLedgerOnStoreThread(store))!;
    pair = channelPair();
    relayLedgerCalls(pair.primarySide, ledger, silent);
    relayed = new RelayedBulkLedger(pair.worker);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("charges are the primary ledger's: exact, each person once, refused past the budget, counted nowhere else", async () => {
    expect(await relayed.charge(charge(['0000000001', '0000000002', '0000000001']))).toEqual({ ok: true, fresh: 2, used: 2, limit: 5, approvalId: null });
    // Another worker (another relay to the same primary) sees the same counts.
    const other = channelPair();
    relayLedgerCalls(other.primarySide, ledger, silent);
    const second = new RelayedBulkLedger(other.worker);
    expect(await second.charge(charge(['0000000002', '0000000003']))).toEqual({ ok: true, fresh: 1, used: 3, limit: 5, approvalId: null });
    expect(await relayed.charge(charge(['0000000004', '0000000005', '0000000006']))).toEqual({ ok: false, code: 'BULK_APPROVAL_REQUIRED', used: 3, limit: 5, fresh: 3 });
    expect(await relayed.tally('dev:registry-clerk', 'resident-record', '2026-12-05')).toBe(3);
    expect(await ledger.tally('dev:registry-clerk', 'resident-record', '2026-12-05')).toBe(3);
  });

  test('an unknown approval crosses as none; the time of a charge crosses as the same instant', async () => {
    expect(await relayed.approval('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    const seen: Date[] = [];
    const spying = channelPair();
    relayLedgerCalls(spying.primarySide, { ...ledger, charge: async (request) => (seen.push(request.at), ledger.charge(request)) }, silent);
    await new RelayedBulkLedger(spying.worker).charge(charge(['0000000001']));
    expect(seen).toEqual([AT]);
    expect(seen[0]).toBeInstanceOf(Date);
  });

  test('one relay per channel: a second would take the first one\'s answers (a refused charge read as accepted), so it is refused', () => {
    expect(() => new RelayedBulkLedger(pair.worker)).toThrow(/one relay per process/);
  });

  test('a charge that is not one (no persons) is refused at once by the primary, never counted as naming no one', async () => {
    const answers: unknown[] = [];
    pair.worker.on('message', (message) => answers.push(message));
    const { personIds: _none, ...withoutPersons } = { ...charge(['0000000001']), at: AT.toISOString() };
    pair.worker.send({ type: 'bulk:call', id: 999, op: 'charge', request: withoutPersons });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answers).toEqual([{ type: 'bulk:answered', id: 999, ok: false, error: expect.objectContaining({ kind: 'unavailable', reason: 'MALFORMED_CALL' }) }]);
    expect(await ledger.tally('dev:registry-clerk', 'resident-record', '2026-12-05')).toBe(0);
  });

  test("the primary's ledger failing, or the primary gone: the charge rejects (the worker withholds the answer)", async () => {
    await store.close(); // the store's thread, and the ledger on it, are gone
    await expect(relayed.charge(charge(['0000000001']))).rejects.toBeInstanceOf(AuditUnavailableError);
    // Gone with a charge in flight: it fails at once, as do the later ones.
    const inFlight = relayed.charge(charge(['0000000001']));
    pair.worker.emit('disconnect');
    await expect(inFlight).rejects.toMatchObject({ reason: 'PRIMARY_GONE', message: expect.stringContaining('bulk-output ledger') });
    pair.worker.connected = false;
    await expect(relayed.charge(charge(['0000000001']))).rejects.toMatchObject({ reason: 'PRIMARY_GONE' });
  });
});
