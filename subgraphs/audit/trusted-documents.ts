/**
 * Trusted documents as the security office sees them (issue 13): the registry's documents with
 * what each reads and who can run it, and the officer's approval or rejection — recorded in the
 * audit trail BEFORE it takes effect (a decision the trail cannot record is not made). The shield
 * has already checked policy audit_trail (role security-officer, MFA). The tables are
 * lib/trusted-documents' (TRUSTED_DOCUMENT*), in the audit database.
 */
import type { AuditStore } from '../../lib/audit/store';
import { eventDecision, type AuditEntryInput } from '../../lib/audit/types';
import { DOCUMENT_HASH } from '../../lib/trusted-documents/manifest';
import type { OfficerView } from '../../lib/trusted-documents/officer-view';
import { TRUSTED_STATUSES, type TrustedDocument, type TrustedDocumentStore, type TrustedStatus } from '../../lib/trusted-documents/store';
import { badUserInput } from '../shared/errors';
import type { SubgraphAuth } from '../shared/identity';
import type { TrustedDocumentPageRecord } from './records';

const MAX_REASON = 200;
const MAX_PAGE = 1000;

export interface TrustedDocumentDeps {
  readonly store: () => Promise<TrustedDocumentStore>;
  readonly trail: () => Promise<AuditStore>;
  readonly view: () => OfficerView;
  readonly auth: SubgraphAuth;
  readonly now: () => Date;
}

function reasonOf(value: string): string {
  const reason = value.trim();
  if (reason === '' || reason.length > MAX_REASON || /[\p{Cc}\p{Cs}]/u.test(reason)) {
    throw badUserInput(`reason must be 1 to ${MAX_REASON} characters of text without control characters`);
  }
  return reason;
}

export async function listTrustedDocuments(
  deps: TrustedDocumentDeps,
  filter: { app?: string | null; version?: string | null; status?: TrustedStatus | null } | null | undefined,
  first: number,
  after: string | null | undefined,
): Promise<TrustedDocumentPageRecord> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badUserInput(`first must be between 1 and ${MAX_PAGE}`);
  if (after !== null && after !== undefined && !DOCUMENT_HASH.test(after)) throw badUserInput('after must be an endCursor of a previous page');
  if (filter?.status && !TRUSTED_STATUSES.includes(filter.status)) throw badUserInput('unknown status');
  const page = await (await deps.store()).list(
    { ...(filter?.app ? { app: filter.app.trim() } : {}), ...(filter?.version ? { version: filter.version.trim() } : {}), ...(filter?.status ? { status: filter.status } : {}) },
    first,
    after ?? null,
  );
  const last = page.documents[page.documents.length - 1];
  return { documents: page.documents, pageInfo: { hasNextPage: page.hasNextPage, endCursor: last?.hash ?? null } };
}

/** Approves or rejects a document: recorded in the trail first, then stored (the gateway reads it from then on). */
export async function decideTrustedDocument(deps: TrustedDocumentDeps, hash: string, status: Exclude<TrustedStatus, 'PENDING'>, reason: string): Promise<TrustedDocument> {
  const why = reasonOf(reason);
  const normalized = hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash;
  if (!DOCUMENT_HASH.test(normalized)) throw badUserInput('hash must be the document\'s sha256 (64 lowercase hex digits)');
  const store = await deps.store();
  const document = await store.find(normalized);
  if (!document) throw badUserInput('no registered document has this hash');
  const at = deps.now();
  await (await deps.trail()).append([decisionEvent(deps.auth, at, document, status, why)]);
  const decided = await store.decide(normalized, status, deps.auth.identity.sub, why, at);
  if (!decided) throw badUserInput('no registered document has this hash');
  return decided;
}

function decisionEvent(auth: SubgraphAuth, at: Date, document: TrustedDocument, status: TrustedStatus, reason: string): AuditEntryInput {
  const { identity } = auth;
  const apps = document.apps.map((app) => `${app.app}@${app.version}`).join(', ');
  return {
    kind: 'TRUSTED_DOCUMENT_DECIDED',
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
    operationName: document.apps[0]?.operationName ?? null,
    operationHash: document.hash,
    decision: eventDecision('TRUSTED_DOCUMENT_DECIDED'),
    grantedFields: [],
    deniedFields: [],
    personIds: [],
    ruleVersion: identity.ruleVersion,
    errorCodes: [],
    detail: `document ${status === 'APPROVED' ? 'approved' : 'rejected'} (was ${document.status}; apps ${apps || 'none'}): ${reason}`.slice(0, 4000),
  };
}
