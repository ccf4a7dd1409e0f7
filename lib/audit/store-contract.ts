/** What the audit store offers its readers and writers (the store itself: lib/audit/store.ts). */
import type { Knex } from 'knex';
import type { AuditDialect } from './migrations';
import type { AuditDecision, AuditEntryInput, AuditEventKind, AuditRecord } from './types';

export interface AuditFilter {
  subject?: string;
  department?: string;
  /** 宛名番号: records naming this person (AUDIT_PERSON). */
  personId?: string;
  /** Field coordinate (Type.field), granted or refused (the field set, AUDIT_FIELD_SET; AUDIT_FIELD before migration 004). */
  field?: string;
  decision?: AuditDecision | AuditDecision[];
  /** occurredAt >= from (ISO 8601). */
  from?: string;
  /** occurredAt < to (ISO 8601; exclusive, so a period is [from, to)). */
  to?: string;
  kind?: AuditEventKind;
}

export interface AuditPageRequest {
  /** Page size, 1 … MAX_PAGE_SIZE. */
  first: number;
  /** endCursor of the previous page. */
  after?: string | null;
  /** 'asc' (oldest first, default) or 'desc' (newest first). */
  order?: 'asc' | 'desc';
}

export interface AuditPage {
  records: AuditRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export type AuditBreakReason =
  | 'HASH_MISMATCH'
  | 'CHAIN_BROKEN'
  | 'SEQUENCE_GAP'
  | 'SEQUENCE_ORDER'
  /** AUDIT_PERSON rows of the record differ from its personIds (a row added, removed or altered). */
  | 'PERSON_ROWS'
  /** The field set the record names (AUDIT_FIELD_SET), or its AUDIT_FIELD rows, differ from its granted and denied fields. */
  | 'FIELD_ROWS'
  /** The record an anchor names is missing or carries another hash (the chain was cut or rewritten). */
  | 'ANCHOR_MISMATCH';

export interface AuditBreak {
  sequence: number;
  reason: AuditBreakReason;
}

/**
 * `records`: records verified intact before the first break. A broken chain is walked to its end:
 * `broken` lists the breaks in sequence order (at most `maxListed`), `brokenCount` counts them all.
 */
export type AuditVerifyResult =
  | { ok: true; records: number }
  | { ok: false; records: number; firstBroken: AuditBreak; broken: AuditBreak[]; brokenCount: number };

/** The chain's head as an officer keeps it outside the database (npm run audit:anchor). */
export interface AuditAnchor {
  sequence: number;
  hash: string;
  /** When the head record was written. */
  recordedAt: string;
}

export interface AuditVerifyOptions {
  /** Called after each chunk: records verified so far, of the chain's length when verify began. */
  onProgress?(progress: { verified: number; total: number }): void;
  /** Records read per query (default 10,000). */
  chunkSize?: number;
  /** Breaks listed at most (default 100); all are counted. */
  maxListed?: number;
  /** A head exported earlier: the chain must still hold that record with that hash. */
  anchor?: { sequence: number; hash: string };
}

export interface AuditStore {
  readonly dialect: AuditDialect;
  /** Append-only triggers that were missing when the store opened, and were put back. */
  readonly repairedTriggers: string[];
  append(entries: AuditEntryInput[]): Promise<AuditRecord[]>;
  query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage>;
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** The chain head (AUDIT_CHAIN_HEAD): the last sequence and hash; sequence 0 for an empty trail. */
  head(): Promise<AuditAnchor>;
  /** True when the store can take an append now (reachable, and writable). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenAuditStoreOptions {
  /** A knex configuration; default: from the environment (AUDIT_DB_*, config.ts). */
  config?: Knex.Config;
  env?: NodeJS.ProcessEnv;
}

export const MAX_PAGE_SIZE = 1000;
