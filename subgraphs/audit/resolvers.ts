import { badUserInput } from '../shared/errors';
import type { Resolvers } from './generated/resolvers-types';
import type { AuditContext } from './context';
import { storeFilter } from './adapter';
import { issueApproval, listApprovals, withdrawApproval } from './approvals';
import { approvalStatus } from '../../lib/bulk/approvals';
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
    trustedDocuments: (_parent, { filter, first, after }, context) => listTrustedDocuments(context.trusted, filter, first ?? 50, after),
  },
  Mutation: {
    issueBulkApproval: (_parent, { input }, context) => issueApproval(context.approvals, input),
    withdrawBulkApproval: (_parent, { id, reason }, context) => withdrawApproval(context.approvals, id, reason),
    approveTrustedDocument: (_parent, { hash, reason }, context) => decideTrustedDocument(context.trusted, hash, 'APPROVED', reason),
    rejectTrustedDocument: (_parent, { hash, reason }, context) => decideTrustedDocument(context.trusted, hash, 'REJECTED', reason),
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
