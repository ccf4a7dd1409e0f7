import type { Knex } from 'knex';
import DataLoader from 'dataloader';
import { loadAuditCalendar, type AuditCalendar } from '../../lib/audit/calendar';
import type { AuditFilter as StoreFilter, AuditStore } from '../../lib/audit/store';
import type { SubgraphAuth } from '../shared/identity';
import { loadPolicy } from '../../lib/policy/load';
import { type PolicySet } from '../../lib/policy/types';
import type { ApprovalBook } from '../../lib/bulk/approvals';
import { anomalyReport, chainHead, findRecords, periodOf } from './adapter';
import { approvalBookOn, type ApprovalDeps } from './approvals';
import { officerView, type OfficerView } from '../../lib/trusted-documents/officer-view';
import { trustedDocumentsOn, type TrustedDocumentStore } from '../../lib/trusted-documents/store';
import type { TrustedDocumentDeps } from './trusted-documents';
import type { AnomalyReportRecord, AuditPageRecord, ChainStatusRecord } from './records';
import { classificationsOf, officerOf, type RuleVersionContext, type RuleVersionSource } from './rule-versions';

/**
 * One set of loaders per request. The store answers one filter per statement, so the loaders do
 * not merge different filters: they make the same page, report or head asked twice in one
 * operation (aliases, fragments) cost one statement.
 */
export interface AuditLoaders {
  page: DataLoader<PageKey, AuditPageRecord, string>;
  report: DataLoader<{ from: string; to: string }, AnomalyReportRecord, string>;
  chainStatus: DataLoader<'head', ChainStatusRecord>;
}

export interface PageKey {
  filter: StoreFilter;
  first: number;
  after: string | null;
}

export interface AuditContext {
  loaders: AuditLoaders;
  /** The calendar in force (policy/audit-calendar.yaml), read once per request that needs it. */
  calendar(): AuditCalendar;
  /** Bulk-output approvals (approvals.ts): the book, the trail, the rules, the caller. */
  approvals: ApprovalDeps;
  /** Rule versions, proposals, dry runs (rule-versions.ts, lib/rule-versions/). */
  ruleVersions: RuleVersionContext;
  /** Trusted documents (trusted-documents.ts): the registry, the trail, the officer's view, the caller. */
  trusted: TrustedDocumentDeps;
}

/** Where the subgraph's store comes from: one opened for it, or opened on first use. */
export interface AuditStoreSource {
  store(): Promise<AuditStore>;
  /** The calendar file; default policy/audit-calendar.yaml. */
  calendarFile?: string;
  /** The rule folder approvals are checked against (purposes, bulk-output.yaml); default policy/. */
  policyDir?: string;
  /** Where rule versions live (POLICY_STORE): the folder or the version store. */
  ruleVersions: RuleVersionSource;
  /** The supergraph the officer's view analyses documents against; default SUPERGRAPH_PATH or schema/supergraph.graphql. */
  supergraphFile?: string;
}

const books = new WeakMap<Knex, () => Promise<ApprovalBook>>();
const registries = new WeakMap<Knex, () => Promise<TrustedDocumentStore>>();

/** Each key on its own (one statement each), identical keys once. */
function eachLoader<K, V>(load: (key: K) => Promise<V>, cacheKeyFn: (key: K) => string): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>((keys) => Promise.all(keys.map((key) => load(key).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))))), {
    cacheKeyFn,
  });
}

/**
 * `db` is the knex the shared server opens for every subgraph (AUDIT_DB_*); this subgraph reads
 * the trail through the store instead, which owns the audit tables (and opened the same
 * database), and keeps the bulk-output approvals (lib/bulk/) through `db`.
 */
export function createAuditContext(source: AuditStoreSource, db: Knex, auth: SubgraphAuth): AuditContext {
  let calendar: AuditCalendar | undefined;
  const calendarOf = () => (calendar ??= loadAuditCalendar(source.calendarFile));
  let book = books.get(db);
  if (!book) books.set(db, (book = approvalBookOn(db)));
  let rules: PolicySet | undefined;
  const officer = officerOf(auth);
  const now = () => new Date();
  let registry = registries.get(db);
  if (!registry) registries.set(db, (registry = trustedDocumentsOn(db)));
  let view: OfficerView | undefined;
  return {
    ruleVersions: {
      source: source.ruleVersions,
      officer,
      classifications: () => classificationsOf(source.ruleVersions.supergraphFile),
      deps: async () => {
        const versions = await source.ruleVersions.versions();
        return { versions, audit: async (entries) => (await source.store()).append(entries), now };
      },
      store: () => source.store(),
      calendar: calendarOf,
      now,
    },
    trusted: {
      store: registry,
      trail: () => source.store(),
      // The supergraph and rules as they are now, read once per request that lists documents.
      view: () =>
        (view ??= officerView({
          ...(source.supergraphFile !== undefined ? { supergraphFile: source.supergraphFile } : {}),
          ...(source.policyDir !== undefined ? { policyDir: source.policyDir } : {}),
        })),
      auth,
      now: () => new Date(),
    },
    calendar: calendarOf,
    // Approvals are rare: the rules are read (and validated) when one is issued, never cached stale.
    approvals: { book, store: () => source.store(), rules: () => (rules ??= loadPolicy(source.policyDir)), auth, now: () => new Date() },
    loaders: {
      page: eachLoader(async ({ filter, first, after }) => findRecords(await source.store(), filter, first, after), (key) => JSON.stringify(key)),
      report: eachLoader(
        async ({ from, to }) => {
          const cal = calendarOf();
          return anomalyReport(await source.store(), cal, periodOf(cal, from, to));
        },
        ({ from, to }) => `${from}\u0000${to}`,
      ),
      chainStatus: eachLoader(async () => chainHead(await source.store()), () => 'head'),
    },
  };
}
