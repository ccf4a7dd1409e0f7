/**
 * Rule changes through two officers (promise 4, issue 12): propose, approve, reject, withdraw,
 * restore, revoke at once and confirm, shadow runs. Every step is appended to the audit trail
 * BEFORE it takes effect (a step the trail cannot record does not happen), naming the acting
 * officer as the record's subject and the other identity in its detail. The author of a proposal
 * can never decide it. Callers (the audit subgraph) have already checked policy audit_trail.
 */
import { randomUUID } from 'node:crypto';
import { isSeq, parseDocument } from 'yaml';
import { POLICY_FILE_NAMES, type PolicyFileName } from '../policy/files';
import type { PolicyIssue } from '../policy/errors';
import type { PolicySet } from '../policy/types';
import { eventDecision, type AuditEntryInput, type RuleChangeKind } from '../audit/types';
import { changedFiles, isRuleFileName, MAX_RULE_FILE_CHARS, validateFiles, versionOf, type RuleFiles } from './files';
import type { NewProposal, Proposal, ProposalKind, ProposalStatus, RuleVersionStore, StoredVersion } from './version-store';

export const RULE_WORKFLOW_CODES = {
  invalidFiles: 'RULE_FILES_INVALID',
  unchanged: 'RULE_PROPOSAL_UNCHANGED',
  proposalNotFound: 'RULE_PROPOSAL_NOT_FOUND',
  versionNotFound: 'RULE_VERSION_NOT_FOUND',
  notPending: 'RULE_PROPOSAL_NOT_PENDING',
  selfApproval: 'SELF_APPROVAL_FORBIDDEN',
  notAuthor: 'NOT_PROPOSAL_AUTHOR',
  mfaRequired: 'MFA_REQUIRED',
  stale: 'RULE_PROPOSAL_STALE',
  storeDisabled: 'POLICY_STORE_DISABLED',
  badInput: 'BAD_USER_INPUT',
} as const;
export type RuleWorkflowCode = (typeof RULE_WORKFLOW_CODES)[keyof typeof RULE_WORKFLOW_CODES];

/** A refusal with a code a client may see; never person data in the message. */
export class RuleWorkflowError extends Error {
  constructor(
    readonly code: RuleWorkflowCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RuleWorkflowError';
  }
}

/** The signed identity of the officer acting (from the gateway's identity token). */
export interface Officer {
  readonly subject: string;
  readonly department: string;
  readonly roles: readonly string[];
  readonly purpose: string;
  readonly mfa: boolean;
  readonly requestId: string;
  /** The rule version the gateway decided the request under. */
  readonly ruleVersion: string;
}

export interface WorkflowDeps {
  readonly versions: RuleVersionStore;
  /** Appends to the one audit trail (lib/audit); throws when it cannot. */
  readonly audit: (entries: AuditEntryInput[]) => Promise<unknown>;
  readonly now: () => Date;
}

export interface FileInput {
  readonly name: string;
  readonly content: string;
}

const MAX_SUMMARY = 500;
const MAX_REASON = 200;
const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_SHADOW_DAYS = 31;
const DAY_MS = 86_400_000;

function bad(message: string): RuleWorkflowError {
  return new RuleWorkflowError('BAD_USER_INPUT', message);
}

function textOf(value: string | null | undefined, name: string, max: number, required = true): string | null {
  const text = (value ?? '').trim();
  if (text === '') {
    if (required) throw bad(`${name} must not be empty`);
    return null;
  }
  if (text.length > max || /[\p{Cc}\p{Cs}]/u.test(text)) throw bad(`${name} must be 1 to ${max} characters of text without control characters`);
  return text;
}

/** File texts from the API: known names, each once, bounded, no NUL. */
export function filesOverBase(base: RuleFiles, input: readonly FileInput[]): RuleFiles {
  if (input.length === 0) throw bad('files must name at least one rule file');
  const files = { ...base } as Record<PolicyFileName, string>;
  const seen = new Set<string>();
  for (const file of input) {
    if (!isRuleFileName(file.name)) throw bad(`"${file.name.slice(0, 64)}" is not a rule file (rule files are ${POLICY_FILE_NAMES.join(', ')})`);
    if (seen.has(file.name)) throw bad(`${file.name} is given twice`);
    seen.add(file.name);
    if (file.content.length > MAX_RULE_FILE_CHARS) throw bad(`${file.name} is longer than ${MAX_RULE_FILE_CHARS} characters`);
    if (file.content.includes('\u0000')) throw bad(`${file.name} holds a NUL character`);
    files[file.name] = file.content;
  }
  return files;
}

export function issuesExtension(issues: readonly PolicyIssue[]): Record<string, unknown> {
  return { issues: issues.slice(0, 100).map((issue) => ({ file: issue.file, line: issue.line, column: issue.column, message: issue.message })) };
}

function compileOrThrow(files: RuleFiles): PolicySet {
  const result = validateFiles(files);
  if (!result.ok) {
    const first = result.issues[0];
    throw new RuleWorkflowError(
      'RULE_FILES_INVALID',
      `the rule files do not validate (${result.issues.length} problem(s)); first: ${first.file}:${first.line}:${first.column}: ${first.message}`.slice(0, 1000),
      issuesExtension(result.issues),
    );
  }
  return result.rules;
}

export interface InForceVersion {
  readonly version: StoredVersion;
  readonly sequence: number;
}

export async function inForceVersion(versions: RuleVersionStore): Promise<InForceVersion> {
  const head = await versions.inForce();
  if (!head) throw new Error('the version store has no version in force');
  const version = await versions.version(head.versionId);
  if (!version) throw new Error(`the version in force ${head.versionId} is not in the store`);
  return { version, sequence: head.sequence };
}

async function versionOrThrow(versions: RuleVersionStore, id: string): Promise<StoredVersion> {
  const version = /^[0-9a-f]{64}$/.test(id) ? await versions.version(id) : undefined;
  if (!version) throw new RuleWorkflowError('RULE_VERSION_NOT_FOUND', 'no such rule version');
  return version;
}

async function proposalOrThrow(versions: RuleVersionStore, id: string): Promise<Proposal> {
  const proposal = /^[0-9a-f-]{36}$/.test(id) ? await versions.proposal(id) : undefined;
  if (!proposal) throw new RuleWorkflowError('RULE_PROPOSAL_NOT_FOUND', 'no such rule proposal');
  return proposal;
}

const short = (version: string | null | undefined) => (version ? version.slice(0, 12) : '-');

function describeProposal(proposal: Pick<Proposal, 'id' | 'kind' | 'author' | 'authorDepartment' | 'baseVersion' | 'proposedVersion' | 'changedFiles' | 'summary' | 'revokedSubject' | 'restoresVersion'>): string {
  const target = proposal.kind === 'REVOCATION' ? `, revokes ${proposal.revokedSubject}` : proposal.kind === 'RESTORE' ? `, restores ${short(proposal.restoresVersion)} with the revocations in force` : '';
  return `proposal ${proposal.id} (${proposal.kind}${target}) by ${proposal.author} [${proposal.authorDepartment}]; base ${short(proposal.baseVersion)}, proposed ${short(proposal.proposedVersion)}; files: ${proposal.changedFiles.join(', ') || '-'}; summary: ${proposal.summary}`;
}

function event(kind: RuleChangeKind, officer: Officer, at: Date, ruleVersion: string, detail: string): AuditEntryInput {
  return {
    kind,
    occurredAt: at.toISOString(),
    requestId: officer.requestId,
    subject: officer.subject,
    department: officer.department,
    roles: [...officer.roles],
    purpose: officer.purpose,
    mfa: officer.mfa,
    clientName: null,
    clientVersion: null,
    caseReference: null,
    operationName: null,
    operationHash: null,
    decision: eventDecision(kind),
    grantedFields: [],
    deniedFields: [],
    personIds: [],
    ruleVersion,
    errorCodes: [],
    detail: detail.slice(0, 4000),
  };
}

/** Validates files over a base (default: in force) without storing anything. */
export async function validateProposalFiles(versions: RuleVersionStore, input: readonly FileInput[], baseVersion?: string | null): Promise<{ valid: boolean; version: string; issues: readonly PolicyIssue[] }> {
  const base = baseVersion ? await versionOrThrow(versions, baseVersion) : (await inForceVersion(versions)).version;
  const files = filesOverBase(base.files, input);
  const result = validateFiles(files);
  return { valid: result.ok, version: versionOf(files), issues: result.ok ? [] : result.issues };
}

async function createProposal(deps: WorkflowDeps, officer: Officer, kind: ProposalKind, base: StoredVersion, files: RuleFiles, summary: string, extra: Partial<NewProposal> = {}): Promise<Proposal> {
  compileOrThrow(files);
  const proposedVersion = versionOf(files);
  const inForce = await inForceVersion(deps.versions);
  if (proposedVersion === inForce.version.id) throw new RuleWorkflowError('RULE_PROPOSAL_UNCHANGED', 'the proposal equals the rules in force');
  const at = deps.now();
  const proposal: NewProposal = {
    id: randomUUID(),
    kind,
    status: 'PENDING',
    summary,
    author: officer.subject,
    authorDepartment: officer.department,
    proposedAt: at.toISOString(),
    baseVersion: base.id,
    proposedVersion,
    files,
    changedFiles: changedFiles(base.files, files),
    ...extra,
  };
  await deps.audit([event('RULE_PROPOSED', officer, at, officer.ruleVersion, `proposed: ${describeProposal({ ...proposal, revokedSubject: null, restoresVersion: proposal.restoresVersion ?? null })}`)]);
  await deps.versions.insertProposal(deps.versions.db, proposal);
  return (await deps.versions.proposal(proposal.id))!;
}

export async function proposeChange(deps: WorkflowDeps, officer: Officer, input: { files: readonly FileInput[]; baseVersion?: string | null; summary: string }): Promise<Proposal> {
  const summary = textOf(input.summary, 'summary', MAX_SUMMARY)!;
  const base = input.baseVersion ? await versionOrThrow(deps.versions, input.baseVersion) : (await inForceVersion(deps.versions)).version;
  return createProposal(deps, officer, 'CHANGE', base, filesOverBase(base.files, input.files), summary);
}

/** The revocation list (失効者一覧): who may no longer use the system, whatever the rules. */
const REVOCATIONS_FILE = 'revocations.yaml' satisfies PolicyFileName;

/**
 * Proposes an earlier version's rules, with the revocations in force. A restore is about rules;
 * a revocation is about a person and was confirmed by two officers of its own: taking the earlier
 * version's revocations.yaml would quietly give a revoked user their access back under the name
 * of a restore. Lifting a revocation is a change of revocations.yaml (proposeChange), named as such.
 */
export async function proposeRestore(deps: WorkflowDeps, officer: Officer, versionId: string, summaryText: string): Promise<Proposal> {
  const summary = textOf(summaryText, 'summary', MAX_SUMMARY)!;
  const target = await versionOrThrow(deps.versions, versionId);
  const base = (await inForceVersion(deps.versions)).version;
  if (target.id === base.id) throw new RuleWorkflowError(RULE_WORKFLOW_CODES.unchanged, `version ${short(target.id)} is the rules in force`);
  const files = restoredFiles(target.files, base.files);
  if (versionOf(files) === base.id) {
    throw new RuleWorkflowError(
      RULE_WORKFLOW_CODES.unchanged,
      `version ${short(target.id)} differs from the rules in force only in ${REVOCATIONS_FILE}, and a restore keeps the revocations in force: lift a revocation by a change of ${REVOCATIONS_FILE}, revoke by revokeAccess`,
    );
  }
  return createProposal(deps, officer, 'RESTORE', base, files, summary, { restoresVersion: target.id });
}

/** An earlier version's rules with the revocation list of `revocationsFrom` (see proposeRestore). */
function restoredFiles(rules: RuleFiles, revocationsFrom: RuleFiles): RuleFiles {
  return { ...rules, [REVOCATIONS_FILE]: revocationsFrom[REVOCATIONS_FILE] };
}

/** revocations.yaml with one more entry (comments and layout kept). */
export function withRevocation(text: string, entry: { subject: string; revokedAt: string; reason: string; approvedBy: string }): string {
  const document = parseDocument(text);
  const list = document.get('revoked', true);
  if (!isSeq(list) || list.flow) document.set('revoked', document.createNode([...(isSeq(list) ? (list.toJSON() as unknown[]) : [])]));
  document.addIn(['revoked'], document.createNode(entry));
  return String(document);
}

/** Revokes a user at once: a new version in force now, then awaiting a second officer's confirmation. */
export function revokeAccess(deps: WorkflowDeps, officer: Officer, input: { subject: string; reason: string }): Promise<Proposal> {
  return oneAtATime(deps, () => revokeNow(deps, officer, input));
}

async function revokeNow(deps: WorkflowDeps, officer: Officer, input: { subject: string; reason: string }): Promise<Proposal> {
  const subject = input.subject.trim();
  if (!SUBJECT.test(subject)) throw bad('subject must be a user id (token subject)');
  if (subject === officer.subject) throw bad('an officer cannot revoke their own access here');
  const reason = textOf(input.reason, 'reason', MAX_REASON)!;
  const { version: base, sequence: baseSequence } = await inForceVersion(deps.versions);
  const baseRules = compileOrThrow(base.files);
  if (baseRules.revocations.has(subject)) throw bad('the user is revoked already');
  const at = deps.now();
  const revokedAt = at.toISOString();
  const files = { ...base.files, [REVOCATIONS_FILE]: withRevocation(base.files[REVOCATIONS_FILE], { subject, revokedAt, reason, approvedBy: 'pending: second security officer' }) };
  compileOrThrow(files);
  const id = versionOf(files);
  const proposal: NewProposal = {
    id: randomUUID(),
    kind: 'REVOCATION',
    status: 'AWAITING_CONFIRMATION',
    summary: `revoke ${subject}: ${reason}`.slice(0, MAX_SUMMARY),
    author: officer.subject,
    authorDepartment: officer.department,
    proposedAt: revokedAt,
    baseVersion: base.id,
    proposedVersion: id,
    files,
    changedFiles: [REVOCATIONS_FILE],
    revokedSubject: subject,
    appliedVersion: id,
    appliedAt: revokedAt,
  };
  await deps.audit([event('RULE_REVOKED', officer, at, id, `revoked at once, awaiting a second officer: ${describeProposal({ ...proposal, restoresVersion: null, revokedSubject: subject })}; in force ${short(base.id)} → ${short(id)}`)]);
  await deps.versions.writeTransaction(async (trx) => {
    await deps.versions.insertVersion(trx, { id, files, origin: 'REVOCATION', createdAt: revokedAt, createdBy: officer.subject, proposalId: proposal.id });
    if (!(await deps.versions.putInForce(trx, { versionId: id, appliedAt: revokedAt, appliedBy: officer.subject, proposalId: proposal.id }, baseSequence))) throw changedMeanwhile('revoke');
    await deps.versions.insertProposal(trx, proposal);
  });
  return (await deps.versions.proposal(proposal.id))!;
}

function requireSecondOfficer(officer: Officer, proposal: Proposal, verb: string): void {
  if (!officer.mfa || !officer.roles.includes('security-officer')) {
    throw new RuleWorkflowError('MFA_REQUIRED', `a security officer signed in with MFA (IC card and password) ${verb} rule proposals`);
  }
  if (officer.subject === proposal.author) throw new RuleWorkflowError('SELF_APPROVAL_FORBIDDEN', `the author of a proposal cannot ${verb.replace(/s$/, '')} it: a second security officer does`);
}

function notPending(proposal: Proposal): RuleWorkflowError {
  return new RuleWorkflowError('RULE_PROPOSAL_NOT_PENDING', `the proposal is ${proposal.status}, not awaiting a decision`);
}

/**
 * What approving the proposal now would put in force (approval, the dry run and shadow runs all
 * read it here): a restore with the revocation list of its base — one stored before restores kept
 * the revocations carries the earlier version's list, set aside here too — merged over the rules
 * in force.
 */
export function proposalOverInForce(proposal: Pick<Proposal, 'kind' | 'files'>, base: RuleFiles, inForce: RuleFiles): ReturnType<typeof mergeOverInForce> {
  return mergeOverInForce(base, proposal.kind === 'RESTORE' ? restoredFiles(proposal.files, base) : proposal.files, inForce);
}

/**
 * Files over the rules in force: a file the proposal left as in its base is taken from the rules in
 * force (a revocation applied meanwhile stays); a file both changed → stale.
 */
function mergeOverInForce(base: RuleFiles, proposed: RuleFiles, inForce: RuleFiles): { ok: true; files: RuleFiles } | { ok: false; conflicts: PolicyFileName[] } {
  const files = {} as Record<PolicyFileName, string>;
  const conflicts: PolicyFileName[] = [];
  for (const name of POLICY_FILE_NAMES) {
    if (proposed[name] === base[name]) files[name] = inForce[name];
    else if (inForce[name] === base[name] || inForce[name] === proposed[name]) files[name] = proposed[name];
    else conflicts.push(name);
  }
  return conflicts.length ? { ok: false, conflicts } : { ok: true, files };
}

/**
 * Decisions run one at a time: each reads the rules in force and the proposal's status, records
 * the step in the trail, then changes the store. Two steps interleaved would put in force files
 * merged over rules no longer in force (a revocation made meanwhile lost) and record both. In this
 * process, a queue; across the audit subgraph's replicas on PostgreSQL, a transaction-scoped
 * advisory lock held for the whole step (one key per schema). Behind both, the store puts a
 * version in force only over the one the step read (putInForce), so a step that still overlaps
 * another (processes on one SQLite file) fails with RULE_PROPOSAL_STALE after its record was
 * written, and changes nothing.
 */
let decisions: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(deps: WorkflowDeps, run: () => Promise<T>): Promise<T> {
  const step = () => acrossProcesses(deps.versions, run);
  const next = decisions.then(step, step);
  decisions = next.catch(() => undefined);
  return next;
}

async function acrossProcesses<T>(versions: RuleVersionStore, run: () => Promise<T>): Promise<T> {
  if (versions.dialect !== 'postgresql') return run();
  // The lock's transaction writes nothing; the step's own reads and writes use other connections.
  // It ends by rollback whatever the step did: a lock connection lost meanwhile (the lock gone
  // with it; putInForce still refuses an overlapping step) must not fail a step that committed.
  const lock = await versions.db.transaction();
  try {
    // A step stuck on another replica holds the others for at most this long.
    await lock.raw("SET LOCAL lock_timeout = '30s'");
    try {
      await lock.raw("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':rule-workflow'))");
    } catch (error) {
      if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
      throw new RuleWorkflowError(RULE_WORKFLOW_CODES.stale, 'another rule step is still running on another replica; nothing was changed: try again');
    }
    return await run();
  } finally {
    await lock.rollback().catch(() => undefined);
  }
}

/** PostgreSQL's SQLSTATE when lock_timeout ends a wait. */
const LOCK_NOT_AVAILABLE = '55P03';

function changedMeanwhile(step: 'approve' | 'revoke'): RuleWorkflowError {
  return new RuleWorkflowError(RULE_WORKFLOW_CODES.stale, `another step put rules in force while this one was being recorded; nothing was changed: ${step} again`);
}

/** A second officer approves: a change or restore is put in force; a revocation is confirmed. */
export function approve(deps: WorkflowDeps, officer: Officer, id: string, commentText?: string | null): Promise<Proposal> {
  return oneAtATime(deps, () => approveNow(deps, officer, id, commentText));
}

async function approveNow(deps: WorkflowDeps, officer: Officer, id: string, commentText?: string | null): Promise<Proposal> {
  const comment = textOf(commentText, 'comment', MAX_SUMMARY, false);
  const proposal = await proposalOrThrow(deps.versions, id);
  requireSecondOfficer(officer, proposal, 'approves');
  const at = deps.now();
  const decided = { decided_by: officer.subject, decided_at: at.toISOString(), decision_comment: comment };
  if (proposal.kind === 'REVOCATION') {
    if (proposal.status !== 'AWAITING_CONFIRMATION') throw notPending(proposal);
    await deps.audit([event('RULE_REVOCATION_CONFIRMED', officer, at, officer.ruleVersion, `confirmed by ${officer.subject}: ${describeProposal(proposal)}${comment ? `; comment: ${comment}` : ''}`)]);
    if (!(await deps.versions.updateProposal(deps.versions.db, id, 'AWAITING_CONFIRMATION', { status: 'CONFIRMED', ...decided }))) throw notPending(proposal);
    return (await deps.versions.proposal(id))!;
  }
  if (proposal.status !== 'PENDING') throw notPending(proposal);
  const base = await versionOrThrow(deps.versions, proposal.baseVersion);
  const inForce = await inForceVersion(deps.versions);
  const merged = proposalOverInForce(proposal, base.files, inForce.version.files);
  if (!merged.ok) {
    throw new RuleWorkflowError('RULE_PROPOSAL_STALE', `changed in force since the proposal was made: ${merged.conflicts.join(', ')}; propose again from the rules in force`, { files: merged.conflicts });
  }
  compileOrThrow(merged.files);
  const applied = versionOf(merged.files);
  if (proposal.kind === 'RESTORE' && applied === inForce.version.id) {
    throw new RuleWorkflowError(RULE_WORKFLOW_CODES.unchanged, `nothing to apply: the restore differs from the rules in force only in ${REVOCATIONS_FILE}, which a restore keeps as in force`);
  }
  const appliedAt = at.toISOString();
  const detail = `${describeProposal(proposal)}; approved by ${officer.subject} [${officer.department}]${comment ? `; comment: ${comment}` : ''}`;
  await deps.audit([
    event('RULE_APPROVED', officer, at, officer.ruleVersion, `approved: ${detail}`),
    event('RULE_APPLIED', officer, at, applied, `applied: ${detail}; in force ${short(inForce.version.id)} → ${short(applied)} (${applied})`),
  ]);
  await deps.versions.writeTransaction(async (trx) => {
    if (!(await deps.versions.updateProposal(trx, id, 'PENDING', { status: 'APPLIED', ...decided, applied_version: applied, applied_at: appliedAt, shadow_until_ms: null }))) throw notPending(proposal);
    await deps.versions.insertVersion(trx, { id: applied, files: merged.files, origin: proposal.kind === 'RESTORE' ? 'RESTORE' : 'CHANGE', createdAt: appliedAt, createdBy: officer.subject, proposalId: id });
    if (!(await deps.versions.putInForce(trx, { versionId: applied, appliedAt, appliedBy: officer.subject, proposalId: id }, inForce.sequence))) throw changedMeanwhile('approve');
  });
  return (await deps.versions.proposal(id))!;
}

async function close(deps: WorkflowDeps, officer: Officer, id: string, reasonText: string, status: ProposalStatus & ('REJECTED' | 'WITHDRAWN')): Promise<Proposal> {
  const reason = textOf(reasonText, 'reason', MAX_REASON)!;
  const proposal = await proposalOrThrow(deps.versions, id);
  if (status === 'REJECTED') requireSecondOfficer(officer, proposal, 'rejects');
  else if (officer.subject !== proposal.author) throw new RuleWorkflowError('NOT_PROPOSAL_AUTHOR', 'only the author withdraws a proposal; a second officer rejects it');
  if (proposal.status !== 'PENDING') throw notPending(proposal);
  const at = deps.now();
  const kind: RuleChangeKind = status === 'REJECTED' ? 'RULE_REJECTED' : 'RULE_WITHDRAWN';
  await deps.audit([event(kind, officer, at, officer.ruleVersion, `${status === 'REJECTED' ? `rejected by ${officer.subject}` : 'withdrawn by its author'}: ${describeProposal(proposal)}; reason: ${reason}`)]);
  if (!(await deps.versions.updateProposal(deps.versions.db, id, 'PENDING', { status, decided_by: officer.subject, decided_at: at.toISOString(), decision_comment: reason, shadow_until_ms: null }))) {
    throw notPending(proposal);
  }
  return (await deps.versions.proposal(id))!;
}

export const reject = (deps: WorkflowDeps, officer: Officer, id: string, reason: string) => oneAtATime(deps, () => close(deps, officer, id, reason, 'REJECTED'));
export const withdraw = (deps: WorkflowDeps, officer: Officer, id: string, reason: string) => oneAtATime(deps, () => close(deps, officer, id, reason, 'WITHDRAWN'));

export async function startShadow(deps: WorkflowDeps, officer: Officer, id: string, until: string): Promise<Proposal> {
  const proposal = await proposalOrThrow(deps.versions, id);
  if (proposal.status !== 'PENDING') throw notPending(proposal);
  const untilMs = Date.parse(until);
  if (!INSTANT.test(until) || Number.isNaN(untilMs)) throw bad('until must be an ISO 8601 instant with an offset (2026-12-31T17:00:00+09:00)');
  const at = deps.now();
  if (untilMs <= at.getTime()) throw bad('until must be in the future');
  if (untilMs - at.getTime() > MAX_SHADOW_DAYS * DAY_MS) throw bad(`a shadow run lasts at most ${MAX_SHADOW_DAYS} days`);
  await deps.audit([event('RULE_SHADOW', officer, at, officer.ruleVersion, `shadow run started by ${officer.subject} until ${until}: ${describeProposal(proposal)}`)]);
  await deps.versions.updateProposal(deps.versions.db, id, 'PENDING', { shadow_from: proposal.shadowFrom ?? at.toISOString(), shadow_until: new Date(untilMs).toISOString(), shadow_until_ms: untilMs });
  return (await deps.versions.proposal(id))!;
}

export async function stopShadow(deps: WorkflowDeps, officer: Officer, id: string): Promise<Proposal> {
  const proposal = await proposalOrThrow(deps.versions, id);
  if (!proposal.shadowFrom) throw bad('the proposal never ran in shadow mode');
  const at = deps.now();
  await deps.audit([event('RULE_SHADOW', officer, at, officer.ruleVersion, `shadow run stopped by ${officer.subject}: ${describeProposal(proposal)}`)]);
  await deps.versions.endShadow(id, at);
  return (await deps.versions.proposal(id))!;
}

/** The shadow period as shown: active while pending and before `until`. */
export function shadowOf(proposal: Proposal, now: Date): { from: string; until: string; active: boolean } | null {
  if (!proposal.shadowFrom || !proposal.shadowUntil) return null;
  return { from: proposal.shadowFrom, until: proposal.shadowUntil, active: proposal.status === 'PENDING' && Date.parse(proposal.shadowUntil) > now.getTime() };
}
