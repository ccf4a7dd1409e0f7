/**
 * The clean records the audit subgraph's resolvers work with. The trail itself is the shared
 * contract (lib/audit/types.ts); the store (lib/audit/store.ts) is the only reader of its tables,
 * so this subgraph has no legacy layer: its adapter (adapter.ts) talks to the store.
 */
import type { AnomalyFinding, AnomalyReport } from '../../lib/audit/anomalies';
import type { AuditRecord } from '../../lib/audit/types';
import type { BulkApproval } from '../../lib/bulk/approvals';
import type { PolicySet } from '../../lib/policy/types';
import type { RuleFiles } from '../../lib/rule-versions/files';
import type { Proposal } from '../../lib/rule-versions/version-store';
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

/** A rule version (lib/rule-versions/): its files, compiled on first use by the readable views. */
export interface RuleVersionRecord {
  sequence: number;
  id: string;
  origin: 'IMPORT' | 'CHANGE' | 'RESTORE' | 'REVOCATION' | 'DIRECTORY';
  createdAt: string;
  createdBy: string;
  proposalId: string | null;
  inForce: boolean;
  appliedAt: string | null;
  files: RuleFiles;
  /** The compiled rules (stored versions were validated before they were stored). */
  rules(): PolicySet;
}

export interface RuleVersionPageRecord {
  versions: RuleVersionRecord[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A rule proposal as stored (lib/rule-versions/version-store.ts). */
export type RuleProposalRecord = Proposal;

export interface RuleProposalPageRecord {
  proposals: Proposal[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A registered document (lib/trusted-documents/store.ts); fields, profiles and problems are analysed on demand. */
export type TrustedDocumentRecord = TrustedDocument;

/** One page of registered documents (`trustedDocuments`). */
export interface TrustedDocumentPageRecord {
  documents: TrustedDocument[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
