/**
 * Rule versions in the audit subgraph (issue 12): the glue between the graph and
 * lib/rule-versions/ — the version store (POLICY_STORE=database) or the policy folder (dir), the
 * acting officer from the signed identity, the trail the workflow records every step in, the
 * supergraph's classifications the readable views and dry runs decide fields with.
 */
import fs from 'node:fs';
import { GraphQLError } from 'graphql';
import { DEFAULT_POLICY_DIR } from '../../lib/policy/files';
import type { PolicySet } from '../../lib/policy/types';
import type { FieldClassification } from '../../lib/authorization/types';
import type { AuditStore } from '../../lib/audit/store';
import { MAX_PAGE_SIZE } from '../../lib/audit/store';
import type { AuditCalendar } from '../../lib/audit/calendar';
import { DEFAULT_SUPERGRAPH_FILE, loadClassifications } from '../../lib/rule-versions/decide';
import { compileFiles, readFilesFromDir, sha256Of, headerVersion, versionOf, type RuleFiles } from '../../lib/rule-versions/files';
import { ImpactTally, MAX_REPLAY_RECORDS, OperationComparer, replay, type ReplayResult } from '../../lib/rule-versions/impact';
import type { PolicyStoreMode } from '../../lib/rule-versions/open';
import type { Proposal, RuleVersionStore, StoredVersion } from '../../lib/rule-versions/version-store';
import { inForceVersion, proposalOverInForce, RuleWorkflowError, type Officer, type WorkflowDeps } from '../../lib/rule-versions/workflow';
import { dryRunMatrix, type DryRunMatrix } from '../../lib/rule-versions/views';
import type { SubgraphAuth } from '../shared/identity';
import { badUserInput } from '../shared/errors';
import { periodOf } from './adapter';
import type { RuleVersionRecord } from './records';

export interface RuleVersionSource {
  readonly mode: PolicyStoreMode;
  /** The version store (database mode); opened on first use. */
  versions(): Promise<RuleVersionStore>;
  /** The folder (dir mode); default policy/. */
  readonly policyDir?: string;
  /** The composed supergraph the classifications are read from; default schema/supergraph.graphql. */
  readonly supergraphFile?: string;
}

export interface RuleVersionContext {
  readonly source: RuleVersionSource;
  readonly officer: Officer;
  classifications(): ReadonlyMap<string, FieldClassification>;
  deps(): Promise<WorkflowDeps>;
  store(): Promise<AuditStore>;
  calendar(): AuditCalendar;
  now(): Date;
}

/** Classifications per supergraph file, re-read when the file changes (compose writes a new one). */
const classificationCache = new Map<string, { key: string; value: ReadonlyMap<string, FieldClassification> }>();
export function classificationsOf(file: string = DEFAULT_SUPERGRAPH_FILE): ReadonlyMap<string, FieldClassification> {
  const stat = fs.statSync(file);
  const key = `${stat.mtimeMs}:${stat.size}`;
  const cached = classificationCache.get(file);
  if (cached && cached.key === key) return cached.value;
  const value = loadClassifications(file);
  classificationCache.set(file, { key, value });
  return value;
}

export function officerOf(auth: SubgraphAuth): Officer {
  const { identity } = auth;
  return {
    subject: identity.sub,
    department: identity.department,
    roles: [...identity.roles],
    purpose: identity.purpose,
    mfa: identity.mfa,
    requestId: identity.requestId,
    ruleVersion: identity.ruleVersion,
  };
}

/** A workflow refusal as the graph answers it (the code a client acts on; never person data). */
export function asGraphQLError(error: unknown): never {
  if (error instanceof RuleWorkflowError) throw new GraphQLError(error.message, { extensions: { code: error.code, ...error.extensions } });
  if (error instanceof RangeError) throw badUserInput(error.message);
  throw error;
}

export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return asGraphQLError(error);
  }
}

export function requireStore(context: RuleVersionContext): Promise<RuleVersionStore> {
  if (context.source.mode !== 'database') {
    throw new GraphQLError('rule proposals need the version store: run with POLICY_STORE=database (README "Rule versions")', { extensions: { code: 'POLICY_STORE_DISABLED' } });
  }
  return context.source.versions();
}

const compiled = new Map<string, PolicySet>();
/** Compiled rules per version id (immutable: the id is the files' hash); a few dozen at most. */
function rulesOfFiles(id: string, files: RuleFiles): PolicySet {
  let rules = compiled.get(id);
  if (!rules) {
    rules = compileFiles(files);
    if (compiled.size > 64) compiled.clear();
    compiled.set(id, rules);
  }
  return rules;
}

export function versionRecord(version: StoredVersion, inForceId: string, appliedAt: string | null): RuleVersionRecord {
  return { ...version, inForce: version.id === inForceId, appliedAt, rules: () => rulesOfFiles(version.id, version.files) };
}

function directoryRecord(dir: string | undefined): RuleVersionRecord {
  const files = readFilesFromDir(dir);
  const id = versionOf(files);
  const stat = fs.statSync(dir ?? DEFAULT_POLICY_DIR);
  return {
    sequence: 0,
    id,
    origin: 'DIRECTORY',
    createdAt: stat.mtime.toISOString(),
    createdBy: 'policy folder',
    proposalId: null,
    inForce: true,
    appliedAt: null,
    files,
    rules: () => rulesOfFiles(id, files),
  };
}

export async function rulesInForce(context: RuleVersionContext): Promise<RuleVersionRecord> {
  if (context.source.mode === 'dir') return directoryRecord(context.source.policyDir);
  const versions = await context.source.versions();
  const { version } = await inForceVersion(versions);
  return versionRecord(version, version.id, await versions.lastApplied(version.id));
}

export async function ruleVersionById(context: RuleVersionContext, id: string): Promise<RuleVersionRecord | null> {
  if (context.source.mode === 'dir') {
    const record = directoryRecord(context.source.policyDir);
    return record.id === id ? record : null;
  }
  if (!/^[0-9a-f]{64}$/.test(id)) return null;
  const versions = await context.source.versions();
  const version = await versions.version(id);
  if (!version) return null;
  const head = await versions.inForce();
  return versionRecord(version, head?.versionId ?? '', await versions.lastApplied(id));
}

export async function ruleVersionPage(context: RuleVersionContext, first: number, after: string | null | undefined) {
  checkFirst(first);
  if (context.source.mode === 'dir') return { versions: [], pageInfo: { hasNextPage: false, endCursor: null } };
  const versions = await context.source.versions();
  const head = await versions.inForce();
  const page = await versions.versions(first, after ?? null);
  const applied = await versions.lastAppliedOf(page.versions.map((v) => v.id));
  const records = page.versions.map((v) => versionRecord(v, head?.versionId ?? '', applied.get(v.id) ?? null));
  return { versions: records, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}

export function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`);
}

export function fileViews(files: RuleFiles) {
  return (Object.keys(files) as (keyof RuleFiles)[]).map((name) => ({ name, content: files[name], sha256: sha256Of(files[name]), headerVersion: headerVersion(files[name]) }));
}

async function proposalOrThrow(versions: RuleVersionStore, id: string): Promise<Proposal> {
  const proposal = /^[0-9a-f-]{36}$/.test(id) ? await versions.proposal(id) : undefined;
  if (!proposal) throw new RuleWorkflowError('RULE_PROPOSAL_NOT_FOUND', 'no such rule proposal');
  return proposal;
}

/** The rules in force and what approving the proposal now would put in force (merged as approval merges). */
async function comparedRules(versions: RuleVersionStore, proposal: Proposal): Promise<{ inForce: PolicySet; inForceId: string; proposed: PolicySet; proposedId: string }> {
  const { version: inForce } = await inForceVersion(versions);
  const base = await versions.version(proposal.baseVersion);
  const merged = base ? proposalOverInForce(proposal, base.files, inForce.files) : { ok: false as const, conflicts: [] };
  const files = merged.ok ? merged.files : proposal.files;
  const proposedId = versionOf(files);
  return { inForce: rulesOfFiles(inForce.id, inForce.files), inForceId: inForce.id, proposed: rulesOfFiles(proposedId, files), proposedId };
}

export async function proposalDryRun(context: RuleVersionContext, id: string, changedOnly: boolean): Promise<DryRunMatrix & { proposalId: string; inForceVersion: string; proposedVersion: string; changedFiles: readonly string[] }> {
  const versions = await requireStore(context);
  const proposal = await proposalOrThrow(versions, id);
  const { inForce, inForceId, proposed, proposedId } = await comparedRules(versions, proposal);
  const matrix = dryRunMatrix(inForce, proposed, context.classifications(), changedOnly);
  return { ...matrix, proposalId: proposal.id, inForceVersion: inForceId, proposedVersion: proposedId, changedFiles: proposal.changedFiles };
}

async function* auditPages(store: AuditStore, from: string, to: string) {
  let after: string | null = null;
  for (;;) {
    const page = await store.query({ from, to }, { first: MAX_PAGE_SIZE, ...(after ? { after } : {}) });
    yield page.records;
    if (!page.hasNextPage || page.endCursor === null) return;
    after = page.endCursor;
  }
}

export async function proposalReplay(context: RuleVersionContext, id: string, from: string, to: string): Promise<ReplayResult & { proposalId: string; from: string; to: string }> {
  const versions = await requireStore(context);
  const period = periodOf(context.calendar(), from, to);
  const proposal = await proposalOrThrow(versions, id);
  const { inForce, proposed } = await comparedRules(versions, proposal);
  const result = await replay(new OperationComparer(inForce, proposed, context.classifications()), auditPages(await context.store(), period.from, period.to), MAX_REPLAY_RECORDS);
  return { ...result, proposalId: proposal.id, from: period.from, to: period.to };
}

/** Shadow differences read back at most this many (a 31-day run of a busy ward: use the replay). */
const MAX_SHADOW_ROWS = 200_000;

export async function shadowReport(context: RuleVersionContext, id: string) {
  const versions = await requireStore(context);
  const proposal = await proposalOrThrow(versions, id);
  const refused = new ImpactTally();
  const allowed = new ImpactTally();
  for (const diff of await versions.shadowDiffs(proposal.id, MAX_SHADOW_ROWS)) {
    (diff.direction === 'REFUSED' ? refused : allowed).add({ subject: diff.subject, department: diff.department, personIds: diff.personIds }, diff.coordinates);
  }
  return { proposal, operationsCompared: await versions.shadowCompared(proposal.id), newlyRefused: refused.result(), newlyAllowed: allowed.result() };
}
