import type { Knex } from 'knex';
import { BULK_TABLES } from './migrations';

/**
 * Bulk-output approvals (端末機管理責任者の承認, promise 7): what one is, when it may be used, and
 * the book they are kept in (BULK_APPROVAL). Issued and withdrawn by an approver through the
 * audit subgraph; checked and counted by the gateway (gateway/bulk/, lib/bulk/ledger.ts).
 */

export interface BulkApproval {
  /** Random UUID: the value of the X-Bulk-Approval header. */
  readonly id: string;
  /** The user (token subject) it is issued to. */
  readonly grantee: string;
  /** The purpose (事務) it is for. */
  readonly purpose: string;
  /** Distinct persons it lets through, at most. */
  readonly maxPersons: number;
  /** Valid from (inclusive) and to (exclusive), ISO 8601 instants with offset. */
  readonly validFrom: string;
  readonly validTo: string;
  readonly reason: string;
  readonly issuedBy: string;
  readonly issuedByDepartment: string;
  readonly issuedAt: string;
  readonly withdrawnAt: string | null;
  readonly withdrawnBy: string | null;
  readonly withdrawalReason: string | null;
  /** Distinct persons it has let through so far. */
  readonly personsUsed: number;
}

export type BulkApprovalStatus = 'PENDING' | 'ACTIVE' | 'EXHAUSTED' | 'EXPIRED' | 'WITHDRAWN';

/** The codes of a refusal by the bulk-output rules (extensions.code), each with its HTTP status. */
export const BULK_CODES = {
  /** Over the day's budget without an approval. */
  required: 'BULK_APPROVAL_REQUIRED',
  /** X-Bulk-Approval is not one approval id. */
  malformed: 'BULK_APPROVAL_MALFORMED',
  unknown: 'BULK_APPROVAL_UNKNOWN',
  otherUser: 'BULK_APPROVAL_OTHER_USER',
  otherPurpose: 'BULK_APPROVAL_OTHER_PURPOSE',
  notYetValid: 'BULK_APPROVAL_NOT_YET_VALID',
  expired: 'BULK_APPROVAL_EXPIRED',
  withdrawn: 'BULK_APPROVAL_WITHDRAWN',
  /** The approval's maximum would be passed. */
  exceeded: 'BULK_APPROVAL_EXCEEDED',
  /** The count could not be read or written: the data is withheld (fail closed). */
  unavailable: 'BULK_COUNT_UNAVAILABLE',
} as const;
export type BulkCode = (typeof BULK_CODES)[keyof typeof BULK_CODES];

/** Why an approval cannot be used by this user, for this purpose, now. */
export type ApprovalRefusalCode = (typeof BULK_CODES)['unknown' | 'otherUser' | 'otherPurpose' | 'notYetValid' | 'expired' | 'withdrawn'];

export const APPROVAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** null when `approval` may be used by `subject` for `purpose` at `at`; else why not. */
export function approvalRefusal(approval: BulkApproval | undefined, subject: string, purpose: string, at: Date): ApprovalRefusalCode | null {
  if (!approval) return BULK_CODES.unknown;
  if (approval.grantee !== subject) return BULK_CODES.otherUser;
  if (approval.purpose !== purpose) return BULK_CODES.otherPurpose;
  if (approval.withdrawnAt !== null) return BULK_CODES.withdrawn;
  if (at.getTime() < Date.parse(approval.validFrom)) return BULK_CODES.notYetValid;
  if (at.getTime() >= Date.parse(approval.validTo)) return BULK_CODES.expired;
  return null;
}

export function approvalStatus(approval: BulkApproval, at: Date): BulkApprovalStatus {
  if (approval.withdrawnAt !== null) return 'WITHDRAWN';
  if (at.getTime() >= Date.parse(approval.validTo)) return 'EXPIRED';
  if (at.getTime() < Date.parse(approval.validFrom)) return 'PENDING';
  return approval.personsUsed >= approval.maxPersons ? 'EXHAUSTED' : 'ACTIVE';
}

type Row = Record<string, unknown>;

export function rowToApproval(row: Row): BulkApproval {
  const text = (key: string) => (row[key] === null || row[key] === undefined ? null : String(row[key]));
  return {
    id: String(row['id']),
    grantee: String(row['grantee']),
    purpose: String(row['purpose']),
    maxPersons: Number(row['max_persons']),
    validFrom: String(row['valid_from']),
    validTo: String(row['valid_to']),
    reason: String(row['reason']),
    issuedBy: String(row['issued_by']),
    issuedByDepartment: String(row['issued_by_department']),
    issuedAt: String(row['issued_at']),
    withdrawnAt: text('withdrawn_at'),
    withdrawnBy: text('withdrawn_by'),
    withdrawalReason: text('withdrawal_reason'),
    personsUsed: Number(row['persons_used']),
  };
}

export interface ApprovalFilter {
  grantee?: string;
  issuedBy?: string;
}

export interface ApprovalPage {
  approvals: BulkApproval[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** The approvals' book on any knex over the audit database (one statement per call). */
export class ApprovalBook {
  constructor(private readonly db: Knex) {}

  async find(id: string): Promise<BulkApproval | undefined> {
    if (!APPROVAL_ID.test(id)) return undefined;
    const row = (await this.db(BULK_TABLES.approval).where({ id }).first()) as Row | undefined;
    return row ? rowToApproval(row) : undefined;
  }

  async issue(approval: Omit<BulkApproval, 'withdrawnAt' | 'withdrawnBy' | 'withdrawalReason' | 'personsUsed'>): Promise<BulkApproval> {
    await this.db(BULK_TABLES.approval).insert({
      id: approval.id,
      grantee: approval.grantee,
      purpose: approval.purpose,
      max_persons: approval.maxPersons,
      valid_from: approval.validFrom,
      valid_from_ms: Date.parse(approval.validFrom),
      valid_to: approval.validTo,
      valid_to_ms: Date.parse(approval.validTo),
      reason: approval.reason,
      issued_by: approval.issuedBy,
      issued_by_department: approval.issuedByDepartment,
      issued_at: approval.issuedAt,
      persons_used: 0,
    });
    return { ...approval, withdrawnAt: null, withdrawnBy: null, withdrawalReason: null, personsUsed: 0 };
  }

  /** Withdraws an approval not yet withdrawn; false when there is none such (unknown, or withdrawn before). */
  async withdraw(id: string, by: string, reason: string, at: string): Promise<boolean> {
    const changed = await this.db(BULK_TABLES.approval)
      .where({ id })
      .whereNull('withdrawn_at')
      .update({ withdrawn_at: at, withdrawn_by: by, withdrawal_reason: reason });
    return Number(changed) === 1;
  }

  /** Newest first; `after` is the endCursor of the previous page. */
  async list(filter: ApprovalFilter, first: number, after: string | null): Promise<ApprovalPage> {
    let query = this.db(BULK_TABLES.approval).select('*').orderBy('seq', 'desc').limit(first + 1);
    if (filter.grantee !== undefined) query = query.where('grantee', filter.grantee);
    if (filter.issuedBy !== undefined) query = query.where('issued_by', filter.issuedBy);
    if (after !== null) query = query.where('seq', '<', Number(after));
    const rows = (await query) as Row[];
    const page = rows.slice(0, first);
    return {
      approvals: page.map(rowToApproval),
      hasNextPage: rows.length > first,
      endCursor: page.length > 0 ? String(page[page.length - 1]['seq']) : null,
    };
  }
}
