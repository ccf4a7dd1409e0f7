import { parentPort, workerData } from 'node:worker_threads';
import knexFactory, { type Knex } from 'knex';
import type { AggregateOperations, AggregateReply, AggregateRequest, AggregateWorkerData } from './aggregate-worker';

/**
 * The worker-thread side of offThreadAggregate (aggregate-worker.ts): a legacy system's worker
 * entry (e.g. subgraphs/residents/legacy/aggregate-worker.ts) calls this with its aggregates.
 *
 * The worker opens its own connection, read-only: it only ever counts, and a read-only handle
 * cannot take the writer's lock, so the subgraph's own connection and the seeder write beside it
 * (WAL). Each request is one aggregate; the answer carries the counts (plain data, cloned to the
 * subgraph's thread) and the SQL text of the statements it ran, for statement counting.
 */
export function serveAggregates(operations: AggregateOperations): void {
  const port = parentPort;
  if (!port) throw new Error('an aggregate worker runs only as a worker thread (see subgraphs/shared/aggregate-worker.ts)');
  const { filename } = workerData as AggregateWorkerData;
  // Opened on the first statement (knex's pool), closed with the thread.
  const db: Knex = knexFactory({ client: 'better-sqlite3', connection: { filename, options: { readonly: true } }, useNullAsDefault: true });
  // The statements of the computation in flight (one at a time: the subgraph's side queues them).
  let statements: string[] = [];
  db.on('query', (query: { sql: string }) => statements.push(query.sql));

  const reply = (message: AggregateReply) => port.postMessage(message);

  port.on('message', (request: AggregateRequest) => {
    const { id } = request;
    // Test hooks (aggregateWorkerTestHooks): a worker that dies or wedges as a real one can.
    if (request.op === 'test:crash') {
      // Thrown from the message handler itself: uncaught, so the thread dies before it reads the next message.
      throw new Error('aggregate worker: crash requested by a test');
    }
    if (request.op === 'test:hang' && 'ms' in request) {
      // Atomics.wait blocks this thread as a wedged native call would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, request.ms);
      reply({ id, ok: true, value: null, statements: [] });
      return;
    }
    const operation = Object.hasOwn(operations, request.op) ? operations[request.op] : undefined;
    statements = [];
    void (async () => {
      try {
        if (!operation) throw new Error(`unknown aggregate ${request.op}`);
        const value = await operation(db);
        reply({ id, ok: true, value, statements });
      } catch (error) {
        const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
        // Only what a log line needs: the subgraph masks the error for the client.
        reply({
          id,
          ok: false,
          error: { name: typeof name === 'string' ? name : 'Error', ...(typeof code === 'string' ? { code } : {}), message: typeof message === 'string' ? message : String(error) },
          statements,
        });
      }
    })();
  });
}
