import knexFactory, { type Knex } from 'knex';
// knex's SQL Server dialect (T-SQL through tedious); no public type for the class itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MssqlClient = require('knex/lib/dialects/mssql') as new (config: Knex.Config) => Knex.Client;

export interface CapturedStatement {
  sql: string;
  bindings: readonly unknown[];
}

/**
 * A knex instance of the `mssql` dialect that records the T-SQL it would send instead of
 * connecting: no SQL Server runs on this machine, but the SQL our adapters generate for it can
 * still be read and checked. Every statement "returns" no rows.
 */
export function captureMssqlStatements(): { db: Knex; statements: CapturedStatement[] } {
  const statements: CapturedStatement[] = [];
  class CapturingMssqlClient extends MssqlClient {
    override async acquireConnection(): Promise<object> {
      return {};
    }
    override async releaseConnection(): Promise<void> {}
    // knex calls _query(connection, queryObject) and then processResponse(queryObject).
    async _query(_connection: unknown, query: { sql: string; bindings: unknown[]; response?: unknown }) {
      statements.push({ sql: query.sql, bindings: query.bindings ?? [] });
      query.response = [];
      return query;
    }
  }
  const db = knexFactory({ client: CapturingMssqlClient as unknown as typeof Knex.Client, connection: {} });
  return { db, statements };
}

/** The SQL statements `db` sends while `run` runs (knex 'query' events), with what `run` returned. */
export async function recordStatements<T>(db: Knex, run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const onQuery = (query: { sql: string }) => {
    statements.push(query.sql);
  };
  db.on('query', onQuery);
  try {
    return { result: await run(), statements };
  } finally {
    db.off('query', onQuery);
  }
}
