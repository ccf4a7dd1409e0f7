/**
 * The gateway's side of the audit trail (監査証跡): every operation that asks for classified data,
 * and every refusal, leaves an entry written BEFORE its response is sent (lib/audit/types.ts is
 * the contract, lib/audit/store.ts the store). See plugin.ts (operations, fail closed), http.ts
 * (refusals before execution, X-Case-Id), client-text.ts (the client's texts: bounded, recorded as claims), writer.ts (group commit) and entry.ts (what an entry holds).
 */
export { AuditWriter } from './writer';
export type { AuditSink, AuditWriterOptions, AuditWriterStats } from './writer';
export { auditPlugin, AUDIT_UNAVAILABLE_MESSAGE } from './plugin';
export type { AuditPluginOptions } from './plugin';
export { auditRefusalsMiddleware, caseReferenceMiddleware, caseReferenceOf, CASE_ID_HEADER } from './http';
export { claimedTextsOf, clientTextMiddleware, INVALID_CLIENT_TEXT_CODE } from './client-text';
export type { ClaimedTexts } from './client-text';
export { decisionOf, operationEntry, reachOf, refusalEntry, ruleEventEntry, rulesInForceEntry } from './entry';
export type { OperationReach } from './entry';
