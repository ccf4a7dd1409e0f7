/**
 * The version store's rows (lib/rule-versions/migrations.ts) as typed records: versions, the
 * version in force, proposals, shadow differences. No rule semantics here (workflow.ts decides
 * what may happen); every lookup is by primary key or an index.
 */
import type { Knex } from 'knex';
import { POLICY_FILE_NAMES, type PolicyFileName } from '../policy/files';
import { readFilesFromDir, versionOf, type RuleFiles } from './files';
import { migrateRulesToLatest, RULE_TABLES } from './migrations';
import { auditDialectOf } from '../audit/config';
import type { AuditDialect } from '../audit/migrations';

export type VersionOrigin = 'IMPORT' | 'CHANGE' | 'RESTORE' | 'REVOCATION';
export type ProposalKind = 'CHANGE' | 'RESTORE' | 'REVOCATION';
export type ProposalStatus = 'PENDING' | 'APPLIED' | 'REJECTED' | 'WITHDRAWN' | 'AWAITING_CONFIRMATION' | 'CONFIRMED';

export interface StoredVersion {
  readonly sequence: number;
  readonly id: string;
  readonly files: RuleFiles;
  readonly origin: VersionOrigin;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly proposalId: string | null;
}

export interface InForce {
  /** RULE_IN_FORCE row: grows each time a version is put in force. */
  readonly sequence: number;
  readonly versionId: string;
  readonly appliedAt: string;
  readonly appliedBy: string;
  readonly proposalId: string | null;
}

export interface Proposal {
  readonly sequence: number;
  readonly id: string;
  readonly kind: ProposalKind;
  readonly status: ProposalStatus;
  readonly summary: string;
  readonly author: string;
  readonly authorDepartment: string;
  readonly proposedAt: string;
  readonly baseVersion: string;
  readonly proposedVersion: string;
  readonly files: RuleFiles;
  readonly changedFiles: readonly PolicyFileName[];
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionComment: string | null;
  readonly appliedVersion: string | null;
  readonly appliedAt: string | null;
  readonly restoresVersion: string | null;
  readonly revokedSubject: string | null;
  readonly shadowFrom: string | null;
  readonly shadowUntil: string | null;
}

export interface ShadowDiffRow {
  readonly direction: 'REFUSED' | 'ALLOWED';
  readonly occurredAt: string;
  readonly subject: string | null;
  readonly department: string | null;
  readonly coordinates: readonly string[];
  readonly personIds: readonly string[];
}

type Row = Record<string, unknown>;

function filesOf(json: unknown): RuleFiles {
  const parsed = JSON.parse(String(json)) as Record<string, unknown>;
  const files = {} as Record<PolicyFileName, string>;
  for (const name of POLICY_FILE_NAMES) files[name] = typeof parsed[name] === 'string' ? (parsed[name] as string) : '';
  return files;
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function rowToVersion(row: Row): StoredVersion {
  return {
    sequence: Number(row.seq),
    id: String(row.id),
    files: filesOf(row.files),
    origin: String(row.origin) as VersionOrigin,
    createdAt: String(row.created_at),
    createdBy: String(row.created_by),
    proposalId: text(row.proposal_id),
  };
}

function rowToInForce(row: Row): InForce {
  return {
    sequence: Number(row.seq),
    versionId: String(row.version_id),
    appliedAt: String(row.applied_at),
    appliedBy: String(row.applied_by),
    proposalId: text(row.proposal_id),
  };
}

function rowToProposal(row: Row): Proposal {
  return {
    sequence: Number(row.seq),
    id: String(row.id),
    kind: String(row.kind) as ProposalKind,
    status: String(row.status) as ProposalStatus,
    summary: String(row.summary),
    author: String(row.author),
    authorDepartment: String(row.author_department),
    proposedAt: String(row.proposed_at),
    baseVersion: String(row.base_version),
    proposedVersion: String(row.proposed_version),
    files: filesOf(row.files),
    changedFiles: JSON.parse(String(row.changed_files)) as PolicyFileName[],
    decidedBy: text(row.decided_by),
    decidedAt: text(row.decided_at),
    decisionComment: text(row.decision_comment),
    appliedVersion: text(row.applied_version),
    appliedAt: text(row.applied_at),
    restoresVersion: text(row.restores_version),
    revokedSubject: text(row.revoked_subject),
    shadowFrom: text(row.shadow_from),
    shadowUntil: text(row.shadow_until),
  };
}

export interface NewProposal {
  readonly id: string;
  readonly kind: ProposalKind;
  readonly status: ProposalStatus;
  readonly summary: string;
  readonly author: string;
  readonly authorDepartment: string;
  readonly proposedAt: string;
  readonly baseVersion: string;
  readonly proposedVersion: string;
  readonly files: RuleFiles;
  readonly changedFiles: readonly PolicyFileName[];
  readonly restoresVersion?: string | null;
  readonly revokedSubject?: string | null;
  readonly appliedVersion?: string | null;
  readonly appliedAt?: string | null;
}

const CURSOR = /^\d{1,15}$/;

export class RuleVersionStore {
  /** PostgreSQL (replicas of the audit subgraph share it) or SQLite (one file, one host). */
  readonly dialect: AuditDialect;

  constructor(readonly db: Knex) {
    this.dialect = auditDialectOf(db.client.config as Knex.Config);
  }

  /** Creates the tables when missing and, on an empty store, imports `seedDir` as version 1 in force. */
  async prepare(seedDir?: string): Promise<void> {
    await migrateRulesToLatest(this.db);
    if (await this.inForce()) return;
    const files = readFilesFromDir(seedDir);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.transaction(async (trx) => {
          const present = await trx(RULE_TABLES.inForce).first('seq');
          if (present) return;
          const at = new Date().toISOString();
          const id = versionOf(files);
          await this.insertVersion(trx, { id, files, origin: 'IMPORT', createdAt: at, createdBy: 'import', proposalId: null });
          await trx(RULE_TABLES.inForce).insert({ version_id: id, applied_at: at, applied_by: 'import', proposal_id: null });
        });
        return;
      } catch (error) {
        // Another process seeded at the same moment (unique id, or SQLite's busy snapshot): look again.
        if (attempt >= 20 || (await this.inForce())) {
          if (await this.inForce()) return;
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 100)));
      }
    }
  }

  /** The version in force: the newest RULE_IN_FORCE row (one indexed row); undefined before the import. */
  async inForce(trx: Knex | Knex.Transaction = this.db): Promise<InForce | undefined> {
    const row = (await trx(RULE_TABLES.inForce).orderBy('seq', 'desc').first()) as Row | undefined;
    return row ? rowToInForce(row) : undefined;
  }

  /** When each version was last put in force. */
  async lastApplied(versionId: string): Promise<string | null> {
    const row = (await this.db(RULE_TABLES.inForce).where({ version_id: versionId }).orderBy('seq', 'desc').first('applied_at')) as Row | undefined;
    return row ? String(row.applied_at) : null;
  }

  /** When each of these versions was last put in force (one statement for a page of versions). */
  async lastAppliedOf(versionIds: readonly string[]): Promise<Map<string, string>> {
    const applied = new Map<string, string>();
    if (versionIds.length === 0) return applied;
    const rows = (await this.db(RULE_TABLES.inForce).whereIn('version_id', [...versionIds]).groupBy('version_id').select('version_id').max({ applied_at: 'applied_at' })) as Row[];
    for (const row of rows) applied.set(String(row.version_id), String(row.applied_at));
    return applied;
  }

  async version(id: string, trx: Knex | Knex.Transaction = this.db): Promise<StoredVersion | undefined> {
    const row = (await trx(RULE_TABLES.version).where({ id }).first()) as Row | undefined;
    return row ? rowToVersion(row) : undefined;
  }

  async versions(first: number, after: string | null): Promise<{ versions: StoredVersion[]; hasNextPage: boolean; endCursor: string | null }> {
    let query = this.db(RULE_TABLES.version).orderBy('seq', 'desc').limit(first + 1);
    if (after !== null) {
      if (!CURSOR.test(after)) throw new RangeError('after must be an endCursor of a previous page');
      query = query.where('seq', '<', Number(after));
    }
    const rows = ((await query) as Row[]).map(rowToVersion);
    const page = rows.slice(0, first);
    return { versions: page, hasNextPage: rows.length > first, endCursor: page.length ? String(page[page.length - 1].sequence) : null };
  }

  /** Adds a version unless one with the same id exists (identical files: the same version). */
  async insertVersion(trx: Knex | Knex.Transaction, version: Omit<StoredVersion, 'sequence'>): Promise<void> {
    const existing = await trx(RULE_TABLES.version).where({ id: version.id }).first('seq');
    if (existing) return;
    await trx(RULE_TABLES.version).insert({
      id: version.id,
      files: JSON.stringify(version.files),
      origin: version.origin,
      created_at: version.createdAt,
      created_by: version.createdBy,
      proposal_id: version.proposalId,
    });
  }

  /**
   * A transaction that puts a version in force (putInForce). On PostgreSQL at READ COMMITTED
   * whatever the database's default: putInForce's second read must see a head committed while it
   * waited (at REPEATABLE READ it would not, and two steps would both go in force).
   */
  writeTransaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.dialect === 'postgresql' ? this.db.transaction(work, { isolationLevel: 'read committed' }) : this.db.transaction(work);
  }

  /**
   * Puts a version in force over the one the caller read (`over`, its sequence) and returns true;
   * returns false, writing nothing, when another step put a version in force since: the caller's
   * files were merged over rules no longer in force (a revocation made meanwhile would be lost).
   * Call inside writeTransaction.
   */
  async putInForce(trx: Knex.Transaction, entry: Omit<InForce, 'sequence'>, over: number): Promise<boolean> {
    const head = () => trx(RULE_TABLES.inForce).orderBy('seq', 'desc').first('seq');
    // PostgreSQL (READ COMMITTED): lock the head the step read, waiting for a step that holds it;
    // then read the head again — a statement of its own, so it sees a row committed meanwhile
    // (the locking read itself still returns the row it waited for).
    if (this.dialect === 'postgresql') await head().forUpdate();
    const latest = (await head()) as Row | undefined;
    if (Number(latest?.seq) !== over) return false;
    await trx(RULE_TABLES.inForce).insert({ version_id: entry.versionId, applied_at: entry.appliedAt, applied_by: entry.appliedBy, proposal_id: entry.proposalId });
    return true;
  }

  async proposal(id: string, trx: Knex | Knex.Transaction = this.db): Promise<Proposal | undefined> {
    const row = (await trx(RULE_TABLES.proposal).where({ id }).first()) as Row | undefined;
    return row ? rowToProposal(row) : undefined;
  }

  async insertProposal(trx: Knex | Knex.Transaction, proposal: NewProposal): Promise<void> {
    await trx(RULE_TABLES.proposal).insert({
      id: proposal.id,
      kind: proposal.kind,
      status: proposal.status,
      summary: proposal.summary,
      author: proposal.author,
      author_department: proposal.authorDepartment,
      proposed_at: proposal.proposedAt,
      base_version: proposal.baseVersion,
      proposed_version: proposal.proposedVersion,
      files: JSON.stringify(proposal.files),
      changed_files: JSON.stringify(proposal.changedFiles),
      restores_version: proposal.restoresVersion ?? null,
      revoked_subject: proposal.revokedSubject ?? null,
      applied_version: proposal.appliedVersion ?? null,
      applied_at: proposal.appliedAt ?? null,
    });
  }

  /** Updates a proposal only while it has `expectedStatus` (two officers deciding at once: one wins). */
  async updateProposal(trx: Knex | Knex.Transaction, id: string, expectedStatus: ProposalStatus, changes: Row): Promise<boolean> {
    const count = await trx(RULE_TABLES.proposal).where({ id, status: expectedStatus }).update(changes);
    return Number(count) === 1;
  }

  async proposals(
    filter: { status?: ProposalStatus; kind?: ProposalKind; author?: string },
    first: number,
    after: string | null,
    order: 'asc' | 'desc' = 'desc',
  ): Promise<{ proposals: Proposal[]; hasNextPage: boolean; endCursor: string | null }> {
    let query = this.db(RULE_TABLES.proposal).orderBy('seq', order).limit(first + 1);
    if (filter.status) query = query.where({ status: filter.status });
    if (filter.kind) query = query.where({ kind: filter.kind });
    if (filter.author) query = query.where({ author: filter.author });
    if (after !== null) {
      if (!CURSOR.test(after)) throw new RangeError('after must be an endCursor of a previous page');
      query = query.where('seq', order === 'desc' ? '<' : '>', Number(after));
    }
    const rows = ((await query) as Row[]).map(rowToProposal);
    const page = rows.slice(0, first);
    return { proposals: page, hasNextPage: rows.length > first, endCursor: page.length ? String(page[page.length - 1].sequence) : null };
  }

  /** Pending proposals whose shadow run has not ended at `nowMs` (what every gateway polls). */
  async activeShadows(nowMs: number): Promise<Proposal[]> {
    const rows = (await this.db(RULE_TABLES.proposal).where('shadow_until_ms', '>', nowMs).andWhere({ status: 'PENDING' }).orderBy('seq')) as Row[];
    return rows.map(rowToProposal);
  }

  /** Ends a shadow run now (what it recorded stays). */
  async endShadow(id: string, at: Date): Promise<void> {
    await this.db(RULE_TABLES.proposal).where({ id }).update({ shadow_until: at.toISOString(), shadow_until_ms: at.getTime() });
  }

  async recordShadow(proposalId: string, compared: number, diffs: readonly ShadowDiffRow[]): Promise<void> {
    await this.db.transaction(async (trx) => {
      if (diffs.length > 0) {
        await trx(RULE_TABLES.shadowDiff).insert(
          diffs.map((diff) => ({
            proposal_id: proposalId,
            direction: diff.direction,
            occurred_at: diff.occurredAt,
            subject: diff.subject,
            department: diff.department,
            coordinates: JSON.stringify(diff.coordinates),
            person_ids: JSON.stringify(diff.personIds),
          })),
        );
      }
      if (compared > 0) {
        await trx.raw(
          `insert into ?? (proposal_id, operations_compared) values (?, ?) on conflict (proposal_id) do update set operations_compared = ??.operations_compared + excluded.operations_compared`,
          [RULE_TABLES.shadowTally, proposalId, compared, RULE_TABLES.shadowTally],
        );
      }
    });
  }

  async shadowCompared(proposalId: string): Promise<number> {
    const row = (await this.db(RULE_TABLES.shadowTally).where({ proposal_id: proposalId }).first()) as Row | undefined;
    return row ? Number(row.operations_compared) : 0;
  }

  /** Every difference a shadow run recorded, oldest first, at most `limit`. */
  async shadowDiffs(proposalId: string, limit: number): Promise<ShadowDiffRow[]> {
    const rows = (await this.db(RULE_TABLES.shadowDiff).where({ proposal_id: proposalId }).orderBy('seq').limit(limit)) as Row[];
    return rows.map((row) => ({
      direction: String(row.direction) as 'REFUSED' | 'ALLOWED',
      occurredAt: String(row.occurred_at),
      subject: text(row.subject),
      department: text(row.department),
      coordinates: JSON.parse(String(row.coordinates)) as string[],
      personIds: JSON.parse(String(row.person_ids)) as string[],
    }));
  }
}
