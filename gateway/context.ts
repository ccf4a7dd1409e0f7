import type { Logger } from 'pino';
import type { PermissionProfile, Principal } from '../lib/authorization/types';
import type { AuditUsage } from '../lib/audit/types';
import type { AuthorizationOutcome } from './authorization/outcome';
import type { AccessFacts } from './http/access-facts';

/** The calling application, as it names itself. Informational only: never used to grant access. */
export interface ClientInfo {
  readonly name?: string;
  readonly version?: string;
}

export interface DepartmentRef {
  /** Stable id (claim `department_id`; falls back to `department` when the IdP sends only one). */
  readonly id: string;
  /** Department name as the token states it (claim `department`). */
  readonly name: string;
}

/**
 * A verified caller. Built only from a token whose signature, issuer, audience and lifetime
 * have been checked; everything downstream (authorization, audit, the identity signed into
 * subgraph calls) reads this and never the raw token.
 */
export interface Identity {
  /** `sub` claim: the named user (no shared IDs). */
  readonly subject: string;
  /** `name` claim, when present. */
  readonly name?: string;
  readonly department: DepartmentRef;
  readonly roles: readonly string[];
  /** Declared business purpose (事務) of this request. */
  readonly purpose: string;
  /** Where the purpose came from: the `X-Purpose` header overrides the token's `purpose` claim. */
  readonly purposeSource: 'header' | 'token';
  /** Two factors used at sign-in (IC card + password), from the `amr` claim. */
  readonly mfa: boolean;
  /** OAuth scopes (`scope` claim, space-separated, or `scp` array), for @requiresScopes; empty when none. */
  readonly scopes: readonly string[];
  /** `jti` claim, when present: what a revocation list or audit record can name. */
  readonly tokenId?: string;
  readonly issuer: string;
  readonly expiresAt: Date;
  readonly client: ClientInfo;
}

/** The principal and its permission profile under the rules in force when the request arrived. */
export interface RequestAuthorization {
  readonly principal: Principal;
  readonly profile: PermissionProfile;
}

/** The client's texts as the audit trail records them (gateway/audit/client-text.ts): valid ones as sent, others cut; null when absent. */
export interface ClaimedTexts {
  readonly claimedRequestId: string | null;
  readonly clientName: string | null;
  readonly clientVersion: string | null;
  readonly caseReference: string | null;
  readonly operationName: string | null;
}

/**
 * Per-request context handed to Apollo Server and, through the gateway's executor, to every
 * subgraph data source. Later plugins (authorization, audit) add their state here rather than
 * inventing side channels.
 */
export interface GatewayContext {
  readonly identity: Identity;
  /** Correlates gateway logs, subgraph logs and the audit trail for one request. */
  readonly requestId: string;
  /** Request-scoped logger (already carries requestId and subject). */
  readonly logger: Logger;
  readonly receivedAt: Date;
  /** Who is asking, as the access rules see it (from `identity`). */
  readonly principal: Principal;
  /**
   * What the principal may read under the rules in force when the request arrived (resolved by
   * the profile middleware; a refused principal never gets this far). The gateway's
   * authorization walk decides every requested field against it.
   */
  readonly profile: PermissionProfile;
  /** X-Case-Id: the case (案件番号) the request is made for; recorded in the audit trail. */
  readonly caseReference: string | null;
  /** The audit trail's state for this request (gateway/audit/). */
  readonly audit: RequestAuditState;
  /** The client's own texts (name, version, X-Request-Id, …), parsed once per request and bounded for the trail. */
  readonly claims: ClaimedTexts;
  /** Estimated cost, budget and actual cost (gateway/limits/), recorded in the audit entry. */
  readonly usage: AuditUsage;
  /** What the operation's steps found, for the steps after them. */
  readonly results: OperationResults;
  /** What the access log line of this request says (gateway/http/access-log.ts); absent outside the HTTP front. */
  readonly access?: AccessFacts;
}

/** Filled in as the operation runs; empty when the context is made. */
export interface OperationResults {
  /** The first line's decision and the persons the answer carries (gateway/authorization/). */
  authorization?: AuthorizationOutcome;
}

/**
 * Shared by the refusal auditor (which sees every response on the GraphQL path) and the Apollo
 * plugin (which writes the operation's entry): exactly one of them records a request.
 */
export interface RequestAuditState {
  /** Set once the request's entry has been written (or it needs none): nothing more to record. */
  handled: boolean;
  /** X-Bulk-Approval the request carried (gateway/bulk/): named in its entry. */
  bulkApprovalId?: string | null;
  /** The answer's persons were withheld (gateway/bulk/: over the bulk-output budget): none is named as returned. */
  personsWithheld?: boolean;
  /** The registered document the request ran or was refused for (gateway/trusted-documents/): named in its entry. */
  trustedDocument?: { readonly hash: string; readonly app: string | null; readonly status: string };
}
