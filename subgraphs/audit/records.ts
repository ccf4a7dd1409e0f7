/**
 * The clean records the audit subgraph's resolvers work with. The trail itself is the shared
 * contract (lib/audit/types.ts); the store (lib/audit/store.ts) is the only reader of its tables,
 * so this subgraph has no legacy layer: its adapter (adapter.ts) talks to the store.
 */
import type { AnomalyFinding, AnomalyReport } from '../../lib/audit/anomalies';
import type { AuditRecord } from '../../lib/audit/types';
import type { BulkApproval } from '../../lib/bulk/approvals';
import type { TrustedDocument } from '../../lib/trusted-documents/store';

export type { AuditRecord } from '../../lib/audit/types';
/** The stored record, as the resolvers of AuditRecord receive it (named apart from the schema type). */
export type AuditRecordModel = AuditRecord;

/** One page of records (`auditRecords`, `personAccessHistory`). */
export interface AuditPageRecord {
  records: AuditRecord[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The anomaly report, with the records its findings name (resolved by `AnomalyFinding.records`). */
export interface AnomalyReportRecord extends AnomalyReport {
  findings: AnomalyFindingRecord[];
}

export interface AnomalyFindingRecord extends AnomalyFinding {
  /** The records behind the finding, by sequence. */
  recordsBySequence: ReadonlyMap<number, AuditRecord>;
}

/** A bulk-output approval (lib/bulk/approvals.ts); `status` is resolved against the clock. */
export type BulkApprovalRecord = BulkApproval;

/** One page of approvals (`bulkApprovals`). */
export interface BulkApprovalPageRecord {
  approvals: BulkApproval[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The chain's head, cheaply: one statement. */
export interface ChainStatusRecord {
  recordCount: number;
  lastSequence: number | null;
  lastHash: string | null;
  lastRecordedAt: string | null;
}

/** A registered document (lib/trusted-documents/store.ts); fields, profiles and problems are analysed on demand. */
export type TrustedDocumentRecord = TrustedDocument;

/** One page of registered documents (`trustedDocuments`). */
export interface TrustedDocumentPageRecord {
  documents: TrustedDocument[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
