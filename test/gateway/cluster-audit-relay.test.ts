import { EventEmitter } from 'node:events';
import { RelayedAuditSink, type AppendMessage, type AppendReply } from '../../gateway/cluster/audit-relay';
import { AuditInputError, AuditUnavailableError } from '../../lib/audit/store';
import type { AuditEntryInput } from '../../lib/audit/types';

/**
 * A worker's audit sink (GATEWAY_WORKERS > 1) keeps the store's contract across the IPC hop: it
 * resolves only on the primary's answer that the append committed, and fails closed otherwise.
 * The channel here is an in-memory stand-in for `process` (the end-to-end run with two real
 * worker processes and the real store is test/gateway/cluster.test.ts).
 */

class FakeChannel extends EventEmitter {
  connected = true;
  readonly sent: AppendMessage[] = [];
  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    this.sent.push(message as AppendMessage);
    callback?.(null);
    return true;
  }
  answer(reply: AppendReply): void {
    this.emit('message', reply);
  }
}

const entry = { kind: 'OPERATION', requestId: 'r-1' } as unknown as AuditEntryInput;

describe('RelayedAuditSink', () => {
  test('resolves only when the primary answers that the entries were appended', async () => {
    const channel = new FakeChannel();
    const sink = new RelayedAuditSink(channel);
    let settled = false;
    const appended = sink.append([entry]).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(channel.sent).toEqual([{ type: 'audit:append', id: 1, entries: [entry] }]);
    channel.answer({ type: 'audit:appended', id: 1, ok: true });
    await appended;
    expect(settled).toBe(true);
  });

  test("the store's refusal comes back as the same kind of error (an input error stays one)", async () => {
    const channel = new FakeChannel();
    const sink = new RelayedAuditSink(channel);
    const bad = sink.append([entry]);
    const down = sink.append([entry]);
    channel.answer({ type: 'audit:appended', id: 1, ok: false, error: { kind: 'input', message: 'bad entry' } });
    channel.answer({ type: 'audit:appended', id: 2, ok: false, error: { kind: 'unavailable', message: 'disk full', reason: null } });
    await expect(bad).rejects.toBeInstanceOf(AuditInputError);
    await expect(down).rejects.toBeInstanceOf(AuditUnavailableError);
  });

  test('the primary gone: pending and later appends fail (the response is withheld)', async () => {
    const channel = new FakeChannel();
    const sink = new RelayedAuditSink(channel);
    const pending = sink.append([entry]);
    channel.connected = false;
    channel.emit('disconnect');
    await expect(pending).rejects.toBeInstanceOf(AuditUnavailableError);
    await expect(sink.append([entry])).rejects.toBeInstanceOf(AuditUnavailableError);
  });
});
