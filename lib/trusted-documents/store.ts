import knexFactory, { type Knex } from 'knex';
import { parse, type OperationDefinitionNode } from 'graphql';
import { auditDialectOf } from '../audit/config';
import { openSqliteWriter } from '../sqlite-writer';
import { checkAppName, checkAppVersion, documentHashOf, type ManifestDocument } from './manifest';
import { migrateTrustedToLatest, TRUSTED_TABLES } from './migrations';

/**
 * The trusted-document registry (issue 13): which app versions registered which documents, and
 * the security officer's decision on each document hash. Shared by every gateway replica through
 * the audit database (lib/trusted-documents/migrations.ts). Written by `npm run app:register`
 * (registration) and the audit subgraph (decisions); read by the gateway on every request that
 * runs a document (by primary key).
 */

export const TRUSTED_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export type TrustedStatus = (typeof TRUSTED_STATUSES)[number];

export interface AppRegistration {
  readonly app: string;
  readonly version: string;
  readonly operationName: string | null;
  readonly registeredAt: string;
}

export interface TrustedDocument {
  readonly hash: string;
  readonly document: string;
  readonly status: TrustedStatus;
  readonly registeredAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  /** Every app version that registered it, oldest first. */
  readonly apps: readonly AppRegistration[];
}

export interface RegistrationResult {
  readonly app: string;
  readonly version: string;
  /** Documents of the manifest. */
  readonly documents: number;
  /** Hashes the registry did not hold before (PENDING now). */
  readonly added: number;
  /** Hashes it held already (their status, e.g. an approval of an earlier version, stays). */
  readonly known: number;
}

export interface TrustedDocumentFilter {
  readonly app?: string;
  readonly version?: string;
  readonly status?: TrustedStatus;
}

interface DocumentRow {
  hash: string;
  document: string;
  status: string;
  registered_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
}

interface AppRow {
  app: string;
  version: string;
  hash: string;
  operation_name: string | null;
  registered_at: string;
}

/** The name of the document's (first) operation; null when it has none or does not parse. */
export function operationNameOf(document: string): string | null {
  try {
    const operation = parse(document).definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');
    return operation?.name?.value.slice(0, 128) ?? null;
  } catch {
    return null;
  }
}

export class TrustedDocumentStore {
  constructor(private readonly db: Knex) {}

  /**
   * Registers an app version's documents (idempotent): new hashes PENDING, known hashes keep
   * their status. One transaction: a manifest is registered whole or not at all.
   */
  async register(app: string, version: string, documents: readonly ManifestDocument[], at: Date = new Date()): Promise<RegistrationResult> {
    checkAppName(app);
    checkAppVersion(version);
    const registeredAt = at.toISOString();
    let added = 0;
    await this.db.transaction(async (trx) => {
      for (const { hash, document } of documents) {
        // The manifest was checked when read; check again here, where it is stored.
        if (documentHashOf(document) !== hash) throw new Error(`document under ${hash} does not hash to it`);
        const existing = (await trx(TRUSTED_TABLES.document).where({ hash }).first('hash')) as { hash: string } | undefined;
        if (!existing) {
          await trx(TRUSTED_TABLES.document).insert({ hash, document, status: 'PENDING', registered_at: registeredAt });
          added += 1;
        }
        const link = await trx(TRUSTED_TABLES.app).where({ app, version, hash }).first('hash');
        if (!link) await trx(TRUSTED_TABLES.app).insert({ app, version, hash, operation_name: operationNameOf(document), registered_at: registeredAt });
      }
    });
    return { app, version, documents: documents.length, added, known: documents.length - added };
  }

  /** One document with the apps that registered it; undefined when the hash is not registered. */
  async find(hash: string): Promise<TrustedDocument | undefined> {
    const row = (await this.db(TRUSTED_TABLES.document).where({ hash }).first()) as DocumentRow | undefined;
    if (!row) return undefined;
    const apps = (await this.db(TRUSTED_TABLES.app).where({ hash }).orderBy([{ column: 'registered_at' }, { column: 'app' }, { column: 'version' }])) as AppRow[];
    return toDocument(row, apps);
  }

  /**
   * Records an officer's decision on a hash. Returns the document as decided, or undefined when
   * the hash is not registered.
   */
  async decide(hash: string, status: Exclude<TrustedStatus, 'PENDING'>, by: string, reason: string, at: Date = new Date()): Promise<TrustedDocument | undefined> {
    const updated = await this.db(TRUSTED_TABLES.document).where({ hash }).update({ status, decided_by: by, decided_at: at.toISOString(), decision_reason: reason });
    return updated === 0 ? undefined : this.find(hash);
  }

  /**
   * Documents matching the filter, by registration then hash; `after` is the previous page's last
   * hash. Apps are read for the whole page in one statement.
   */
  async list(filter: TrustedDocumentFilter, first: number, after: string | null = null): Promise<{ documents: TrustedDocument[]; hasNextPage: boolean }> {
    let query = this.db(TRUSTED_TABLES.document).select(`${TRUSTED_TABLES.document}.*`);
    if (filter.app !== undefined || filter.version !== undefined) {
      const apps = this.db(TRUSTED_TABLES.app).select('hash');
      if (filter.app !== undefined) apps.where({ app: filter.app });
      if (filter.version !== undefined) apps.where({ version: filter.version });
      query = query.whereIn('hash', apps);
    }
    if (filter.status !== undefined) query = query.where({ status: filter.status });
    if (after !== null) query = query.where('hash', '>', after);
    const rows = (await query.orderBy('hash').limit(first + 1)) as DocumentRow[];
    const page = rows.slice(0, first);
    const hashes = page.map((row) => row.hash);
    const apps = hashes.length === 0 ? [] : ((await this.db(TRUSTED_TABLES.app).whereIn('hash', hashes).orderBy([{ column: 'registered_at' }, { column: 'app' }, { column: 'version' }])) as AppRow[]);
    return { documents: page.map((row) => toDocument(row, apps.filter((app) => app.hash === row.hash))), hasNextPage: rows.length > first };
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

function toDocument(row: DocumentRow, apps: readonly AppRow[]): TrustedDocument {
  return {
    hash: row.hash,
    document: row.document,
    status: (TRUSTED_STATUSES as readonly string[]).includes(row.status) ? (row.status as TrustedStatus) : 'PENDING',
    registeredAt: row.registered_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    apps: apps.map((app) => ({ app: app.app, version: app.version, operationName: app.operation_name, registeredAt: app.registered_at })),
  };
}

/** A store over an open knex (the audit subgraph's), its tables migrated on first use. */
export function trustedDocumentsOn(db: Knex): () => Promise<TrustedDocumentStore> {
  let ready: Promise<TrustedDocumentStore> | undefined;
  return () =>
    (ready ??= migrateTrustedToLatest(db).then(
      () => new TrustedDocumentStore(db),
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    ));
}

/** Opens the registry on the audit database (`auditDatabaseConfig`), migrating its tables when needed. */
export async function openTrustedDocumentStore(config: Knex.Config): Promise<TrustedDocumentStore> {
  const dialect = auditDialectOf(config);
  const db = dialect === 'postgresql' ? knexFactory(config) : openSqliteWriter(config, 'FULL');
  try {
    await migrateTrustedToLatest(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return new TrustedDocumentStore(db);
}
