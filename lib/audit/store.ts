/**
 * The audit store (監査証跡): append-only, hash-chained, in a real database through knex —
 * SQLite by default (data/audit.sqlite), PostgreSQL in production (see config.ts).
 *
 * This module opens the store and puts its parts together, one concept each:
 *   store-contract.ts  what the store offers (AuditStore, filters, pages, verify results)
 *   errors.ts          AuditInputError (the entries) / AuditUnavailableError (the store)
 *   entry.ts           entry validation (normaliseEntry)
 *   rows.ts            record ↔ row mapping, and the person / field side rows
 *   field-sets.ts      a record's fields stored once per distinct set (AUDIT_FIELD_SET)
 *   head-lock.ts       the chain-head lock per dialect (BEGIN IMMEDIATE / SELECT … FOR UPDATE)
 *   append.ts          appends with group commit
 *   query.ts           filtered, keyset-paged reads
 *   verify.ts          the verify walk
 */
import knexFactory, { type Knex } from 'knex';
import { openSqliteWriter } from '../sqlite-writer';
import { GroupCommitAppender } from './append';
import { auditDatabaseConfig, auditDialectOf } from './config';
import { normaliseEntry } from './entry';
import { AuditUnavailableError, unavailable } from './errors';
import { locked, readHead } from './head-lock';
import { AUDIT_TABLES, ensureAppendOnlyTriggers, migrateAuditToLatest, type AuditDialect } from './migrations';
import { buildQueries, lookUpField, mergePages } from './query';
import { rowToRecord, type LogRow } from './rows';
import type { AuditAnchor, AuditFilter, AuditPage, AuditPageRequest, AuditStore, AuditVerifyOptions, AuditVerifyResult, OpenAuditStoreOptions } from './store-contract';
import type { AuditEntryInput, AuditRecord } from './types';
import { verifyChain } from './verify';

// The store's public face stays importable from here (its readers, writers and scripts).
export * from './store-contract';
export { AuditInputError, AuditUnavailableError, isEntryError, unavailable } from './errors';
export { normaliseEntry } from './entry';
export { recordToRow, rowToRecord } from './rows';

class KnexAuditStore implements AuditStore {
  private readonly appender: GroupCommitAppender;
  private closed = false;

  constructor(
    private readonly db: Knex,
    readonly dialect: AuditDialect,
    readonly repairedTriggers: string[],
  ) {
    this.appender = new GroupCommitAppender(db, dialect);
  }

  /** See sqliteDatabaseOf. */
  get database(): Knex {
    return this.db;
  }

  async append(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    return this.appender.append(entries.map(normaliseEntry));
  }

  async query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    const failed = (error: unknown): never => {
      throw unavailable(error, 'query');
    };
    const fields = typeof filter.field === 'string' ? await lookUpField(this.db, filter.field).catch(failed) : undefined;
    const queries = buildQueries(this.db, filter, page, fields);
    const first = page.first;
    const rows = mergePages<LogRow>(await Promise.all(queries.map((query) => query.catch(failed) as Promise<LogRow[]>)), page.order ?? 'asc', first + 1);
    const records = rows.slice(0, first).map(rowToRecord);
    return {
      records,
      hasNextPage: rows.length > first,
      endCursor: records.length > 0 ? String(records[records.length - 1].sequence) : null,
    };
  }

  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    try {
      return await verifyChain(this.db, options);
    } catch (error) {
      throw unavailable(error, 'verify');
    }
  }

  async head(): Promise<AuditAnchor> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    try {
      return await readHead(this.db);
    } catch (error) {
      throw unavailable(error, 'head');
    }
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    const probe = async () => {
      if (this.dialect === 'postgresql') {
        // Fails in a read-only transaction or on a standby; SKIP LOCKED never waits for an append.
        await this.db.transaction(async (trx) => {
          await trx(AUDIT_TABLES.head).where({ id: 1 }).forUpdate().skipLocked().first();
        });
      } else {
        // A write that changes nothing, rolled back: refused on a read-only file or connection.
        const rolledBack = new Error('probe');
        await locked(this.db, this.dialect, async (tx) => {
          await tx.table(AUDIT_TABLES.head).where({ id: 1 }).update({ id: 1 });
          throw rolledBack;
        }).catch((error) => {
          if (error !== rolledBack) throw error;
        });
      }
      return true;
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([probe(), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000)))]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appender.settled();
    await this.db.destroy();
  }
}

/**
 * The one connection of a SQLite store, for the writer that shares it on the store's thread (the
 * bulk-output ledger: lib/bulk/ledger.ts `openBulkLedgerOn`); undefined for any other store.
 */
export function sqliteDatabaseOf(store: AuditStore): Knex | undefined {
  return store instanceof KnexAuditStore && store.dialect === 'sqlite' ? store.database : undefined;
}

function connect(config: Knex.Config, dialect: AuditDialect): Knex {
  // FULL: a committed record survives a power cut too, not only a killed process.
  return dialect === 'postgresql' ? knexFactory(config) : openSqliteWriter(config, 'FULL');
}

/** Opens (creating and migrating when needed) the audit store, with its append-only triggers in place. */
export async function openAuditStore(options: OpenAuditStoreOptions = {}): Promise<AuditStore> {
  const config = options.config ?? auditDatabaseConfig(options.env ?? process.env);
  const dialect = auditDialectOf(config);
  let db: Knex;
  try {
    db = connect(config, dialect);
  } catch (error) {
    throw unavailable(error, 'open');
  }
  try {
    await migrateAuditToLatest(db);
    const repaired = await ensureAppendOnlyTriggers(db, dialect);
    return new KnexAuditStore(db, dialect, repaired);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw unavailable(error, 'open');
  }
}

