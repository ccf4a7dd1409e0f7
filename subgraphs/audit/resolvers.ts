import { badUserInput } from '../shared/errors';
import type { Resolvers } from './generated/resolvers-types';
import type { AuditContext } from './context';
import { storeFilter } from './adapter';
import { issueApproval, listApprovals, withdrawApproval } from './approvals';
import { approvalStatus } from '../../lib/bulk/approvals';
import * as workflow from '../../lib/rule-versions/workflow';
import { validateFiles, versionOf } from '../../lib/rule-versions/files';
import { fieldRules, fieldsCsv, policyGrants, profileRules, profilesCsv } from '../../lib/rule-versions/views';
import {
  checkFirst,
  fileViews,
  guarded,
  proposalDryRun,
  proposalReplay,
  requireStore,
  ruleVersionById,
  ruleVersionPage,
  rulesInForce,
  shadowReport,
} from './rule-versions';
import { decideTrustedDocument, listTrustedDocuments } from './trusted-documents';

/** `first`: the SDL default for pages and for a finding's records. */
const DEFAULT_FINDING_RECORDS = 100;
const MAX_FINDING_RECORDS = 1000;

export const auditResolvers: Resolvers = {
  Query: {
    auditRecords: (_parent, { filter, first, after }, context) =>
      context.loaders.page.load({ filter: storeFilter(filter, context.calendar()), first: first ?? 50, after: after ?? null }),
    personAccessHistory: (_parent, { personId, first, after }, context) => {
      if (personId.trim() === '') throw badUserInput('personId must not be empty');
      return context.loaders.page.load({ filter: { personId: personId.trim() }, first: first ?? 50, after: after ?? null });
    },
    auditAnomalyReport: (_parent, { from, to }, context) => context.loaders.report.load({ from, to }),
    auditChainStatus: (_parent, _args, context: AuditContext) => context.loaders.chainStatus.load('head'),
    bulkApprovals: async (_parent, { filter, first, after }, context) => listApprovals(await context.approvals.book(), filter, first ?? 50, after),
    rulesInForce: (_parent, _args, context) => guarded(() => rulesInForce(context.ruleVersions)),
    ruleVersions: (_parent, { first, after }, context) => guarded(() => ruleVersionPage(context.ruleVersions, first ?? 50, after)),
    ruleVersion: (_parent, { id }, context) => guarded(() => ruleVersionById(context.ruleVersions, id)),
    ruleProposals: (_parent, { filter, first, after }, context) =>
      guarded(async () => {
        checkFirst(first ?? 50);
        if (context.ruleVersions.source.mode !== 'database') return { proposals: [], pageInfo: { hasNextPage: false, endCursor: null } };
        const versions = await context.ruleVersions.source.versions();
        const page = await versions.proposals(
          { ...(filter?.status ? { status: filter.status } : {}), ...(filter?.kind ? { kind: filter.kind } : {}), ...(filter?.author ? { author: filter.author.trim() } : {}) },
          first ?? 50,
          after ?? null,
        );
        return { proposals: page.proposals, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
      }),
    ruleProposal: (_parent, { id }, context) =>
      guarded(async () => {
        if (context.ruleVersions.source.mode !== 'database') return null;
        return (await (await context.ruleVersions.source.versions()).proposal(id)) ?? null;
      }),
    unconfirmedRevocations: (_parent, _args, context) =>
      guarded(async () => {
        if (context.ruleVersions.source.mode !== 'database') return [];
        const versions = await context.ruleVersions.source.versions();
        return (await versions.proposals({ status: 'AWAITING_CONFIRMATION', kind: 'REVOCATION' }, 1000, null, 'asc')).proposals;
      }),
    validateRuleFiles: (_parent, { files, baseVersion }, context) =>
      guarded(async () => {
        if (context.ruleVersions.source.mode === 'database') {
          const result = await workflow.validateProposalFiles(await context.ruleVersions.source.versions(), files, baseVersion);
          return { valid: result.valid, version: result.version, issues: result.issues.map(issueView) };
        }
        const base = await rulesInForce(context.ruleVersions);
        const merged = workflow.filesOverBase(base.files, files);
        const result = validateFiles(merged);
        return { valid: result.ok, version: versionOf(merged), issues: result.ok ? [] : result.issues.map(issueView) };
      }),
    ruleProposalDryRun: (_parent, { id, changedOnly }, context) =>
      guarded(async () => {
        const result = await proposalDryRun(context.ruleVersions, id, changedOnly ?? true);
        return { ...result, fields: [...result.fields], rows: result.rows.map((row) => ({ ...row, newlyAllowed: [...row.newlyAllowed], newlyRefused: [...row.newlyRefused], policiesGained: [...row.policiesGained], policiesLost: [...row.policiesLost] })), revocationsAdded: [...result.revocationsAdded], revocationsRemoved: [...result.revocationsRemoved], changedFiles: [...result.changedFiles] };
      }),
    ruleProposalReplay: (_parent, { id, from, to }, context) =>
      guarded(async () => {
        const result = await proposalReplay(context.ruleVersions, id, from, to);
        return { ...result, newlyRefused: impactView(result.newlyRefused), newlyAllowed: impactView(result.newlyAllowed) };
      }),
    ruleShadowReport: (_parent, { id }, context) =>
      guarded(async () => {
        const report = await shadowReport(context.ruleVersions, id);
        return {
          proposalId: report.proposal.id,
          shadow: workflow.shadowOf(report.proposal, context.ruleVersions.now()),
          operationsCompared: report.operationsCompared,
          newlyRefused: impactView(report.newlyRefused),
          newlyAllowed: impactView(report.newlyAllowed),
        };
      }),
    trustedDocuments: (_parent, { filter, first, after }, context) => listTrustedDocuments(context.trusted, filter, first ?? 50, after),
  },
  Mutation: {
    issueBulkApproval: (_parent, { input }, context) => issueApproval(context.approvals, input),
    withdrawBulkApproval: (_parent, { id, reason }, context) => withdrawApproval(context.approvals, id, reason),
    proposeRuleChange: (_parent, { input }, context) => inWorkflow(context, (deps, officer) => workflow.proposeChange(deps, officer, input)),
    proposeRuleRestore: (_parent, { versionId, summary }, context) => inWorkflow(context, (deps, officer) => workflow.proposeRestore(deps, officer, versionId, summary)),
    revokeAccess: (_parent, { input }, context) => inWorkflow(context, (deps, officer) => workflow.revokeAccess(deps, officer, input)),
    approveRuleProposal: (_parent, { id, comment }, context) => inWorkflow(context, (deps, officer) => workflow.approve(deps, officer, id, comment)),
    rejectRuleProposal: (_parent, { id, reason }, context) => inWorkflow(context, (deps, officer) => workflow.reject(deps, officer, id, reason)),
    withdrawRuleProposal: (_parent, { id, reason }, context) => inWorkflow(context, (deps, officer) => workflow.withdraw(deps, officer, id, reason)),
    startRuleShadow: (_parent, { id, until }, context) => inWorkflow(context, (deps, officer) => workflow.startShadow(deps, officer, id, until)),
    stopRuleShadow: (_parent, { id }, context) => inWorkflow(context, (deps, officer) => workflow.stopShadow(deps, officer, id)),
    approveTrustedDocument: (_parent, { hash, reason }, context) => decideTrustedDocument(context.trusted, hash, 'APPROVED', reason),
    rejectTrustedDocument: (_parent, { hash, reason }, context) => decideTrustedDocument(context.trusted, hash, 'REJECTED', reason),
  },
  RuleVersion: {
    files: (version) => fileViews(version.files),
    fieldRules: (version, { coordinatePrefix, policy }, context) =>
      guarded(async () => fieldRules(version.rules(), context.ruleVersions.classifications(), { coordinatePrefix: coordinatePrefix ?? null, policy: policy ?? null }).map(fieldView)),
    profileRules: (version, { department, purpose }, context) =>
      guarded(async () =>
        profileRules(version.rules(), context.ruleVersions.classifications(), { department: department ?? null, purpose: purpose ?? null }).map((view) => ({
          profile: view.profile,
          policies: [...view.policies],
          readableFields: [...view.readableFields],
        })),
      ),
    policies: (version) =>
      [...version.rules().policies.values()].map((policy) => ({ name: policy.name, description: policy.description, classification: policy.classification, grants: policyGrants(version.rules(), policy.name).map(grantView) })),
    purposes: (version) => [...version.rules().purposes.values()].map((purpose) => ({ id: purpose.id, name: purpose.name, legalBasis: [...purpose.legalBasis], individualNumberWork: purpose.individualNumberWork })),
    csv: (version, { view }, context) => (view === 'FIELDS' ? fieldsCsv(version.rules(), context.ruleVersions.classifications()) : profilesCsv(version.rules(), context.ruleVersions.classifications())),
  },
  RuleProposal: {
    files: (proposal) => fileViews(proposal.files),
    changedFiles: (proposal) => [...proposal.changedFiles],
    decidableByMe: (proposal, _args, context) =>
      proposal.author !== context.ruleVersions.officer.subject &&
      (proposal.status === 'PENDING' || proposal.status === 'AWAITING_CONFIRMATION') &&
      context.ruleVersions.officer.mfa &&
      context.ruleVersions.officer.roles.includes('security-officer'),
    decisionComment: (proposal) => proposal.decisionComment,
    shadow: (proposal, _args, context) => workflow.shadowOf(proposal, context.ruleVersions.now()),
  },
  TrustedDocument: {
    operationName: (document) => document.apps[0]?.operationName ?? null,
    apps: (document) => document.apps.map((app) => ({ name: app.app, version: app.version, operationName: app.operationName, registeredAt: app.registeredAt })),
    fields: (document, _args, context) =>
      context.trusted.view().analyse(document.document).fields.map((field) => ({
        coordinate: field.coordinate,
        policies: (field.policies ?? []).map((alternative) => [...alternative]),
        classifications: [...field.classifications],
      })),
    profiles: (document, _args, context) => context.trusted.view().analyse(document.document).profiles.map((profile) => ({ ...profile, masked: [...profile.masked] })),
    problems: (document, _args, context) => [...context.trusted.view().analyse(document.document).errors],
  },
  AuditRecord: {
    // Stored only when something was masked (records before migration 003 have none).
    maskedFields: (record) => (record.maskedFields ?? []).map((field) => field.coordinate),
  },
  BulkApproval: {
    status: (approval, _args, context) => approvalStatus(approval, context.approvals.now()),
  },
  AnomalyFinding: {
    records: (finding, { first }) => {
      const count = first ?? DEFAULT_FINDING_RECORDS;
      if (!Number.isInteger(count) || count < 1 || count > MAX_FINDING_RECORDS) throw badUserInput(`first must be between 1 and ${MAX_FINDING_RECORDS}`);
      return finding.recordSequences.slice(0, count).map((sequence) => finding.recordsBySequence.get(sequence)!);
    },
  },
};

function inWorkflow<T>(context: AuditContext, run: (deps: workflow.WorkflowDeps, officer: workflow.Officer) => Promise<T>): Promise<T> {
  return guarded(async () => {
    await requireStore(context.ruleVersions);
    return run(await context.ruleVersions.deps(), context.ruleVersions.officer);
  });
}

function issueView(issue: { file: string; line: number; column: number; message: string }) {
  return { file: issue.file, line: issue.line, column: issue.column, message: issue.message, text: `${issue.file}:${issue.line}:${issue.column}: ${issue.message}` };
}

function grantView(grant: import('../../lib/rule-versions/views').GrantView) {
  return {
    policy: grant.policy,
    roles: grant.roles ? [...grant.roles] : null,
    departments: grant.departments ? [...grant.departments] : null,
    purposes: grant.purposes ? [...grant.purposes] : null,
    mfaRequired: grant.mfaRequired,
    mask: grant.mask,
    legalBasis: [...grant.legalBasis],
    source: grant.source,
  };
}

function fieldView(field: import('../../lib/rule-versions/views').FieldRuleView) {
  return {
    coordinate: field.coordinate,
    policies: field.policies.map((alternative) => [...alternative]),
    classification: field.classification,
    readers: field.readers.map(grantView),
    profiles: [...field.profiles],
  };
}

function impactView(impact: import('../../lib/rule-versions/impact').Impact) {
  return {
    accessCount: impact.accessCount,
    fieldAccessCount: impact.fieldAccessCount,
    personCount: impact.personCount,
    users: impact.users.map((user) => ({ ...user })),
    departments: impact.departments.map((department) => ({ ...department })),
    fields: impact.fields.map((field) => ({ ...field })),
    sampleSequences: [...impact.sampleSequences],
  };
}
