/**
 * Bulk-output approvals (端末機管理責任者の承認, promise 7) as the audit subgraph keeps them:
 * issued and withdrawn by a terminal manager (the shield has already checked policy
 * bulk_approval: role approver, MFA), each recorded in the audit trail BEFORE it takes effect
 * (an approval the trail cannot record is not issued), listed for security officers. The table is
 * lib/bulk's (BULK_APPROVAL), in the audit database.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { PolicySet } from '../../lib/policy/types';
import type { AuditStore } from '../../lib/audit/store';
import { eventDecision, type AuditEntryInput } from '../../lib/audit/types';
import { APPROVAL_ID, ApprovalBook, type BulkApproval } from '../../lib/bulk/approvals';
import { migrateBulkToLatest } from '../../lib/bulk/migrations';
import { badUserInput } from '../shared/errors';
import type { SubgraphAuth } from '../shared/identity';
import { MAX_PAGE_SIZE } from './adapter';
import type { BulkApprovalPageRecord } from './records';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** A token subject as the identity provider writes it. */
const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const MAX_REASON = 200;
const DAY_MS = 86_400_000;

export interface IssueInput {
  grantee: string;
  purpose: string;
  maxPersons: number;
  validFrom: string;
  validTo: string;
  reason: string;
}

/** The book on the subgraph's database, its tables migrated on first use. */
export function approvalBookOn(db: Knex): () => Promise<ApprovalBook> {
  let ready: Promise<ApprovalBook> | undefined;
  return () =>
    (ready ??= migrateBulkToLatest(db).then(
      () => new ApprovalBook(db),
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    ));
}

/** A reason: printable text, no control characters, at most MAX_REASON characters. */
function reasonOf(value: string, name: string): string {
  const reason = value.trim();
  if (reason === '' || reason.length > MAX_REASON || /[\p{Cc}\p{Cs}]/u.test(reason)) {
    throw badUserInput(`${name} must be 1 to ${MAX_REASON} characters of text without control characters`);
  }
  return reason;
}

function instantOf(value: string, name: string): number {
  const ms = Date.parse(value);
  if (!INSTANT.test(value) || Number.isNaN(ms)) throw badUserInput(`${name} must be an ISO 8601 instant with an offset (2026-12-04T09:00:00+09:00)`);
  return ms;
}

/** The input checked against the rules in force (purposes.yaml, bulk-output.yaml's ceilings). */
export function checkIssue(input: IssueInput, issuer: string, rules: PolicySet, now: Date): IssueInput {
  const grantee = input.grantee.trim();
  if (!SUBJECT.test(grantee)) throw badUserInput('grantee must be a user id (token subject)');
  if (grantee === issuer) throw badUserInput('an approver cannot approve their own bulk output (a second person approves)');
  if (!rules.purposes.has(input.purpose)) throw badUserInput(`purpose "${input.purpose}" is not in purposes.yaml`);
  const { maxPersons, maxDays } = rules.bulkOutput.approvals;
  if (!Number.isInteger(input.maxPersons) || input.maxPersons < 1 || input.maxPersons > maxPersons) {
    throw badUserInput(`maxPersons must be from 1 to ${maxPersons} (bulk-output.yaml approvals.maxPersons)`);
  }
  const from = instantOf(input.validFrom, 'validFrom');
  const to = instantOf(input.validTo, 'validTo');
  if (to <= from) throw badUserInput('validTo must be after validFrom');
  if (to <= now.getTime()) throw badUserInput('validTo has passed: an approval is given before the output (事前承認)');
  if (to - from > maxDays * DAY_MS) throw badUserInput(`the period may last at most ${maxDays} days (bulk-output.yaml approvals.maxDays)`);
  return { grantee, purpose: input.purpose, maxPersons: input.maxPersons, validFrom: input.validFrom, validTo: input.validTo, reason: reasonOf(input.reason, 'reason') };
}

/** The trail's record of an approval event: the approver as subject, the grantee in the detail. */
function approvalEvent(kind: 'BULK_APPROVAL_ISSUED' | 'BULK_APPROVAL_WITHDRAWN', auth: SubgraphAuth, at: Date, approval: BulkApproval, detail: string): AuditEntryInput {
  const { identity } = auth;
  return {
    kind,
    occurredAt: at.toISOString(),
    requestId: identity.requestId,
    subject: identity.sub,
    department: identity.department,
    roles: [...identity.roles],
    purpose: identity.purpose,
    mfa: identity.mfa,
    clientName: null,
    clientVersion: null,
    caseReference: null,
    operationName: null,
    operationHash: null,
    decision: eventDecision(kind),
    grantedFields: [],
    deniedFields: [],
    personIds: [],
    ruleVersion: identity.ruleVersion,
    errorCodes: [],
    detail: `${detail} (approval ${approval.id}: grantee ${approval.grantee}, purpose ${approval.purpose}, at most ${approval.maxPersons} persons, ${approval.validFrom} – ${approval.validTo})`,
    bulkApprovalId: approval.id,
  };
}

export interface ApprovalDeps {
  readonly book: () => Promise<ApprovalBook>;
  readonly store: () => Promise<AuditStore>;
  readonly rules: () => PolicySet;
  readonly auth: SubgraphAuth;
  readonly now: () => Date;
}

/** Issues an approval: recorded in the trail first, then stored (usable from then on). */
export async function issueApproval(deps: ApprovalDeps, input: IssueInput): Promise<BulkApproval> {
  const at = deps.now();
  const issuer = deps.auth.identity.sub;
  const checked = checkIssue(input, issuer, deps.rules(), at);
  const approval: BulkApproval = {
    id: randomUUID(),
    ...checked,
    issuedBy: issuer,
    issuedByDepartment: deps.auth.identity.department,
    issuedAt: at.toISOString(),
    withdrawnAt: null,
    withdrawnBy: null,
    withdrawalReason: null,
    personsUsed: 0,
  };
  const book = await deps.book();
  await (await deps.store()).append([approvalEvent('BULK_APPROVAL_ISSUED', deps.auth, at, approval, `issued: ${approval.reason}`)]);
  return book.issue(approval);
}

/** Withdraws an approval: recorded in the trail first, then marked (refused from then on). */
export async function withdrawApproval(deps: ApprovalDeps, id: string, reason: string): Promise<BulkApproval> {
  const at = deps.now();
  const why = reasonOf(reason, 'reason');
  const book = await deps.book();
  const approval = APPROVAL_ID.test(id) ? await book.find(id) : undefined;
  if (!approval) throw badUserInput('no such approval');
  if (approval.withdrawnAt !== null) throw badUserInput('the approval was withdrawn before');
  await (await deps.store()).append([approvalEvent('BULK_APPROVAL_WITHDRAWN', deps.auth, at, approval, `withdrawn: ${why}`)]);
  if (!(await book.withdraw(id, deps.auth.identity.sub, why, at.toISOString()))) throw badUserInput('the approval was withdrawn before');
  return { ...approval, withdrawnAt: at.toISOString(), withdrawnBy: deps.auth.identity.sub, withdrawalReason: why };
}

const CURSOR = /^\d{1,15}$/;

export async function listApprovals(
  book: ApprovalBook,
  filter: { grantee?: string | null; issuedBy?: string | null } | null | undefined,
  first: number,
  after: string | null | undefined,
): Promise<BulkApprovalPageRecord> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  if (after !== null && after !== undefined && !CURSOR.test(after)) throw badUserInput('after must be an endCursor of a previous page');
  const page = await book.list(
    { ...(filter?.grantee ? { grantee: filter.grantee.trim() } : {}), ...(filter?.issuedBy ? { issuedBy: filter.issuedBy.trim() } : {}) },
    first,
    after ?? null,
  );
  return { approvals: page.approvals, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}
