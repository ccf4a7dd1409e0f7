// First: vendor telemetry off before @apollo/gateway loads (issue 10, "Nothing leaves the machine").
import { disableVendorTelemetry } from './vendor-telemetry';
import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { createAuthenticator, type Authenticator } from './auth/authenticate';
import { authenticationMiddleware, authorizationOf, identityOf, permissionProfileMiddleware } from './auth/middleware';
import { AuthorizingGateway } from './authorization';
import type { GatewayConfig } from './config';
import type { GatewayContext } from './context';
import { ideRoutes } from './ide/routes';
import { consoleRoutes } from './console/routes';
import { documentGuard, type DocumentGuard } from './limits/document-middleware';
import { knownOperationTypesRule } from './limits/document-operation-types';
import { CostEstimator } from './limits/cost-estimator';
import { costLimitPlugin } from './limits/cost-plugin';
import { UserLimiter } from './limits/rate-limiter';
import { userLimitsMiddleware } from './limits/rate-middleware';
import { openLimitsRedis } from './limits/rate-redis';
import { createLogger } from '../lib/logger';
import { requestIdMiddleware, requestIdOf } from './request-id';
import { GRAPHQL_PATH, HEALTH_PATH, READY_PATH, isSubgraphName } from '../lib/subgraphs';
import { SubgraphDataSource, type SubgraphTransport } from './subgraph-data-source';
import { createIdentitySigner, type IdentitySigner } from './identity-signing';
import { createSubgraphDispatcher, DEFAULT_SUBGRAPH_TIMEOUT_MS } from './subgraph-transport';
import { createSupergraphSource, type FileSupergraphSource } from './supergraph-source';
import { prepareSupergraphForGateway } from './supergraph-security';
import { contractOfSupergraph } from '../lib/contracts/files';
import { createPolicyStore, type PolicyStore } from '../lib/policy/store';
import { isVersionedRuleStore, openRuleStore } from '../lib/rule-versions/open';
import { ShadowRules, shadowRulesPlugin } from './rules/shadow';
import { randomUUID } from 'node:crypto';
import { openBulkLedgerOnStoreThread, openThreadedAuditStore } from '../lib/audit/threaded-store';
import type { AuditStore } from '../lib/audit/store-contract';
import { BudgetedPlanStore, DEFAULT_PLANNING_BUDGET, RESIDENT_PERSON_KEYS, budgetedPlannerConfig, type PersonKeys, type PlanningBudget } from './authorization';
import {
  auditPlugin,
  auditRefusalsMiddleware,
  AuditWriter,
  caseReferenceMiddleware,
  caseReferenceOf,
  claimedTextsOf,
  clientTextMiddleware,
  ruleEventEntry,
  rulesInForceEntry,
  type AuditSink,
} from './audit';
import { bulkOutputPlugin } from './bulk';
import { openBulkLedger, type BulkLedger } from '../lib/bulk/ledger';
import { auditDatabaseConfig } from '../lib/audit/config';
import { openTrustedDocumentStore, type TrustedDocumentStore } from '../lib/trusted-documents/store';
import { trustedDocumentGate, type TrustedDocumentGate, type TrustedDocumentLookup } from './trusted-documents/middleware';
import { apolloHandler } from './http/apollo-handler';
import { refuse } from './http/refuse';
import { corsMiddleware } from './http/cors';
import { accessFactsPlugin, accessLog } from './http/access-log';
import { errorCause } from '../lib/log-cause';
import { maybeRequestStateOf } from './http/request-state';
import { requestErrorStatusPlugin } from './http/request-error-status';
import { suggestionsPlugin } from './authorization/suggestions';
import { requestStateOf } from './http/request-state';
import { OwnedResources } from './lifecycle';
import { openPersonAttribution, personReferenceSeal } from './audit/register-attribution';
import type { PersonAttribution } from './audit/attribution';
import { GatewayMetrics, observe, openObservability, openOpsListener, phaseMiddleware, Readiness, readinessRoute, requestSpanMiddleware } from './observability';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Defaults to a pino logger at `config.logLevel`. */
  readonly logger?: Logger;
  /** Supergraph watch debounce; tests shorten it. */
  readonly supergraphDebounceMs?: number;
  /**
   * The access rules in force. Default: a store over `policyDir` (default `policy/`), watched and
   * reloaded without a restart, stopped with the gateway. A store passed in is not stopped.
   */
  readonly ruleStore?: PolicyStore;
  readonly policyDir?: string;
  /** Decisions kept per (operation, permission profile); default 1000. */
  readonly decisionCacheSize?: number;
  /** What one query plan may cost (README "Planning budget"); default DEFAULT_PLANNING_BUDGET. */
  readonly planningBudget?: PlanningBudget;
  /**
   * Where the audit trail is written. Default: the store from `config.audit` (AUDIT_DB_*; SQLite
   * data/audit.sqlite), opened now (an unreachable store refuses to start) and closed with the
   * gateway. A sink passed in is not closed. `false` runs WITHOUT an audit trail: for the
   * benchmark's baseline only, never in service.
   */
  readonly audit?: AuditSink | false;
  /**
   * The bulk-output ledger (policy/bulk-output.yaml, gateway/bulk/). Default: opened on the audit
   * database (AUDIT_DB_*) whenever the gateway keeps an audit trail, closed with the gateway; a
   * ledger passed in is not closed. `false` (or `audit: false`) runs without the bulk-output check.
   */
  readonly bulk?: BulkLedger | false;
  /** The bulk-output check's clock (tests pin the day); default the system's. */
  readonly bulkClock?: () => Date;
  /**
   * The trusted-document registry (gateway/trusted-documents/). Default: opened on the audit
   * database (AUDIT_DB_*) whenever the gateway keeps an audit trail, closed with the gateway; one
   * passed in is not closed. `false`: no registry (every document id is unknown).
   */
  readonly trustedDocuments?: TrustedDocumentLookup | false;
  /**
   * Whether this gateway records the rules in force and every reload in the trail (default true).
   * With GATEWAY_WORKERS > 1 one worker does, so each change is recorded once, not once per worker.
   */
  readonly recordRuleEvents?: boolean;
  /**
   * Whether this process sweeps the audit database for operations whose persons were left
   * unattributed (gateway/audit/attribution.ts). Default: when it owns the trail; one worker of
   * several (gateway/main.ts).
   */
  readonly sweepAttributions?: boolean;
}

export interface Gateway {
  readonly app: Express;
  readonly httpServer: http.Server;
  readonly apollo: ApolloServer<GatewayContext>;
  readonly supergraph: FileSupergraphSource;
  /** The first line of authorization around @apollo/gateway (decision and plan counts: `stats()`). */
  readonly authorization: AuthorizingGateway;
  readonly rules: PolicyStore;
  readonly logger: Logger;
  /** The audit trail's writer (its counters: `stats()`); undefined when run without a trail. */
  /** Resolves, after each response, the persons its entry names by 住民票コード (gateway/audit/attribution.ts). */
  readonly attribution: PersonAttribution | undefined;
  readonly auditWriter: AuditWriter | undefined;
  /** The document budgets' guard (its counters of work done: `stats()`). */
  readonly documents: DocumentGuard;
  /** Signs the identity into each subgraph call (its count: `signatures()`). */
  readonly identitySigner: IdentitySigner;
  /** Demand control's cost estimates (counters: `stats()`). */
  readonly costEstimator: CostEstimator;
  /** Per-user rate and concurrency limits (counters: `stats()`). */
  readonly userLimiter: UserLimiter;
  /** The trusted-documents gate (counters: `stats()`). */
  readonly trustedDocuments: TrustedDocumentGate;
  /** Prometheus metrics (served on the operations listener: README "Operating it"). */
  readonly metrics: GatewayMetrics;
  /** `/readyz`'s checks. */
  readonly readiness: Readiness;
  /** Starts listening; resolves once the port is bound. */
  listen(port?: number, host?: string): Promise<RunningGateway>;
  stop(): Promise<void>;
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  /** Scheme, host and port, e.g. http://127.0.0.1:4000 (the IDE lives at its root). */
  readonly origin: string;
  readonly port: number;
  /** The operations listener (/metrics, /readyz), e.g. http://127.0.0.1:9464; undefined with GATEWAY_METRICS_PORT=off. */
  readonly opsUrl: string | undefined;
  readonly gateway: Gateway;
  stop(): Promise<void>;
}

const MAX_BODY = '1mb';

/**
 * Builds the gateway and loads the supergraph (a missing or invalid supergraph fails here),
 * without listening yet. What it opens itself is closed when Apollo Server stops (lifecycle.ts).
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const owned = new OwnedResources();
  // Metrics, and the tracing SDK when a collector is configured (off by default).
  const metrics = await openObservability(config.observability, owned);
  const authenticator = await createAuthenticator(config.auth);
  // Signs the caller's identity into every subgraph request (subgraphs answer 401 without it).
  const identitySigner = await createIdentitySigner(config.identitySigning, { lifetimeSeconds: config.identityWindow.lifetimeSeconds });
  // One pool for all subgraph calls; trusts SUBGRAPH_CA_FILE for https subgraphs.
  const subgraphDispatcher = owned.own(createSubgraphDispatcher(config.subgraphTls), (dispatcher) => dispatcher.close());
  const supergraph = supergraphSourceOf(options, logger);
  // Rules are data: loaded (and validated) now, so invalid rules refuse to start the gateway.
  // A folder given explicitly is watched as before; otherwise POLICY_STORE chooses the folder or
  // the version store (lib/rule-versions/open.ts).
  const rulesLogger = logger.child({ component: 'access-rules' });
  const rules =
    options.ruleStore ??
    (options.policyDir !== undefined
      ? owned.own(createPolicyStore({ logger: rulesLogger, dir: options.policyDir }), (store) => store.stop())
      : await owned.open(() => openRuleStore({ logger: rulesLogger, env: { ...config.audit.env } }), (store) => store.stop()));
  // Shadow mode (issue 12.2): only with the version store, where proposals live; stopped (its last
  // observations written) before the store it writes to.
  const shadowRules = isVersionedRuleStore(rules)
    ? owned.own(new ShadowRules(rules.versions, () => rules.current(), () => supergraph.classifications(), logger.child({ component: 'shadow-rules' })), (shadow) => shadow.stop())
    : undefined;
  const trail = await openAuditTrail(options, logger, owned);
  const bulkLedger = await openBulkOutputLedger(options, trail, logger, owned);
  const auditLogger = logger.child({ component: 'audit' });
  const writer = trail && new AuditWriter({ sink: trail.sink, logger: auditLogger, onAppend: (seconds, ok) => metrics.auditAppended(seconds, ok), ...(trail.owned || trail.sink.groupsAppends ? { maxInFlight: 8 } : {}) });
  const auditWriter = writer && recordRuleEvents(writer, rules, auditLogger, owned, options.recordRuleEvents ?? true);
  const subgraphTransport = { dispatcher: subgraphDispatcher, observer: metrics };
  // Persons a response names by 住民票コード: sealed wherever persons are kept, resolved to 宛名番号
  // after the response (README "Person attribution after the response").
  const referenceSeal = personReferenceSeal(identitySigner);
  const attribution =
    auditWriter &&
    openPersonAttribution({
      config,
      writer: auditWriter,
      seal: referenceSeal,
      signer: identitySigner,
      transport: subgraphTransport,
      sweep: options.sweepAttributions ?? trail?.owned === true,
      logger: auditLogger,
      owned,
    });
  const trustedStore = await openTrustedDocumentRegistry(options, trail !== undefined, owned);
  if (config.trustedDocuments.mode !== 'enforce') logger.warn({ mode: config.trustedDocuments.mode }, 'trusted documents not enforced: operations that no officer approved run (TRUSTED_DOCUMENTS)');
  // Read by the constructor: set again here, so no way of starting the gateway can miss it.
  disableVendorTelemetry();
  const personKeys: PersonKeys | undefined = auditWriter && { ...RESIDENT_PERSON_KEYS, sealReference: (field, value) => referenceSeal.seal(field, value) };
  const { gateway, authorization } = federatedGateway(options, logger, supergraph, identitySigner, subgraphTransport, personKeys);
  const app = express();
  const httpServer = http.createServer(app);
  const costEstimator = new CostEstimator();
  // Per-user counters: in this process, or in Redis shared by every replica (GATEWAY_LIMITS_REDIS_URL).
  const limitsRedis = config.limits.redisUrl ? owned.own(openLimitsRedis(config.limits.redisUrl, logger.child({ component: 'limits' })), (redis) => redis.disconnect()) : undefined;
  const userLimiter = new UserLimiter({ keyPrefix: config.limits.keyPrefix, ...(limitsRedis ? { redis: limitsRedis } : {}) });
  // GATEWAY_AUTHORIZATION=off (benchmark baseline only; refused in production by gateway/config.ts):
  // operations go to the planner without the first line's decision.
  const rulesOff = config.authorization === 'off';
  if (rulesOff) logger.warn('running WITHOUT the gateway field rules (GATEWAY_AUTHORIZATION=off, benchmark baseline only)');
  const apollo = apolloServer(options, logger, {
    gateway: rulesOff ? gateway : authorization,
    httpServer, owned, rules, supergraph, costEstimator, auditWriter, attribution, bulkLedger, shadowRules, metrics,
  });
  try {
    await apollo.start();
  } catch (error) {
    await owned.close();
    throw error;
  }

  const documents = documentGuard(config.documentBudgets);
  const trustedDocuments = trustedDocumentGate(config.trustedDocuments, trustedStore, logger.child({ component: 'trusted-documents' }));
  // /readyz's checks, and what the metrics read when scraped (gateway/observability/).
  const readiness = observe(metrics, {
    config, signer: identitySigner, dispatcher: subgraphDispatcher, supergraph, rules, authorization, auditWriter,
    ...(trail ? { auditSink: trail.sink } : {}), ...(limitsRedis ? { limitsRedis } : {}),
  });
  configureRoutes(app, { apollo, authenticator, logger, supergraph, rules, auditWriter, documents, userLimiter, auth: config.auth, trustedDocuments, contract: config.contract, metrics, readiness, corsOrigins: config.corsOrigins });
  // Drains HTTP connections, stops the gateway (and with it the supergraph watcher), then closes what it owns.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= apollo.stop());
  const instance: Gateway = {
    app,
    httpServer,
    apollo,
    supergraph,
    authorization,
    rules,
    logger,
    auditWriter,
    attribution,
    documents,
    identitySigner,
    costEstimator,
    userLimiter,
    trustedDocuments,
    metrics,
    readiness,
    stop,
    listen: (port = config.port, host = config.host) =>
      new Promise<RunningGateway>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address() as AddressInfo;
          const origin = `http://${formatHost(host)}:${address.port}`;
          // /metrics on its own listener (loopback by default), closed with the gateway.
          openOpsListener(config.observability, metrics, readiness, owned).then(
            (ops) => resolve({ url: `${origin}${GRAPHQL_PATH}`, origin, port: address.port, opsUrl: ops?.url, gateway: instance, stop }),
            reject,
          );
        });
      }),
  };
  return instance;
}

function supergraphSourceOf(options: GatewayOptions, logger: Logger): FileSupergraphSource {
  const { config } = options;
  return createSupergraphSource({
    path: config.supergraphPath,
    logger: logger.child({ component: 'supergraph' }),
    watch: config.supergraphWatch,
    // The gateway enforces @authenticated/@requiresScopes/@policy itself; the planner gets the
    // supergraph without them, and a security feature nobody enforces is refused.
    // A contract gateway (GATEWAY_CONTRACT) serves only a supergraph built for its contract.
    prepare: (sdl: string) => {
      const built = contractOfSupergraph(sdl);
      if (built !== config.contract) throw new Error(`the supergraph file was built for contract "${built}", this gateway serves "${config.contract}" (GATEWAY_CONTRACT)`);
      return prepareSupergraphForGateway(sdl);
    },
    ...(options.supergraphDebounceMs !== undefined ? { debounceMs: options.supergraphDebounceMs } : {}),
  });
}

/** Where the entries go; `store` when the gateway opened the store itself (and owns it). */
interface AuditTrail {
  readonly sink: AuditSink;
  readonly owned: boolean;
  readonly store?: AuditStore;
}

/**
 * The audit trail: the sink passed in (not closed by the gateway), or the store from
 * `config.audit`, opened before anything is served (an unreachable store refuses to start) and
 * owned; undefined with `audit: false`.
 */
async function openAuditTrail(options: GatewayOptions, logger: Logger, owned: OwnedResources): Promise<AuditTrail | undefined> {
  if (options.audit === false) {
    logger.warn('running WITHOUT an audit trail (benchmark baseline only)');
    return undefined;
  }
  if (options.audit !== undefined) return { sink: options.audit, owned: false };
  // SQLite on a worker thread: its synchronous commits (fsync) no longer stall every request.
  const store = await owned.open(() => openThreadedAuditStore({ env: { ...options.config.audit.env } }), (opened) => opened.close());
  return { sink: store, owned: true, store };
}

/**
 * Bulk output only with prior approval (promise 7): counts persons per user, purpose and day in the
 * audit database, so every replica shares them. Needs the trail's person keys.
 */
async function openBulkOutputLedger(options: GatewayOptions, trail: AuditTrail | undefined, logger: Logger, owned: OwnedResources): Promise<BulkLedger | undefined> {
  if (!trail) return undefined;
  if (options.bulk === false) {
    logger.warn('running WITHOUT the bulk-output check (bulk: false)');
    return undefined;
  }
  if (options.bulk !== undefined) return options.bulk;
  const { store } = trail;
  // SQLite: on the store's thread, off the request thread (lib/audit/threaded-store.ts).
  const open = () => (store ? openBulkLedgerOnStoreThread(store) : undefined) ?? openBulkLedger(auditDatabaseConfig({ ...options.config.audit.env }));
  return owned.open(open, (ledger) => ledger.close());
}

/**
 * The trusted-document registry (gateway/trusted-documents/): the one passed in, or opened on the
 * audit database (AUDIT_DB_*), shared by every replica, and owned; none without a trail.
 */
async function openTrustedDocumentRegistry(options: GatewayOptions, withTrail: boolean, owned: OwnedResources): Promise<TrustedDocumentLookup | undefined> {
  if (options.trustedDocuments !== undefined) return options.trustedDocuments || undefined;
  if (!withTrail) return undefined;
  return owned.open(() => openTrustedDocumentStore(auditDatabaseConfig({ ...options.config.audit.env })), (store: TrustedDocumentStore) => store.close());
}

/**
 * Records the rules in force now and every reload or rejected reload. The writer is the gateway's:
 * when it stops, it stops listening and drains (every entry handed over is appended) before the
 * store closes.
 */
function recordRuleEvents(writer: AuditWriter, rules: PolicyStore, logger: Logger, owned: OwnedResources, enabled: boolean): AuditWriter {
  const record = (entry: Parameters<AuditWriter['write']>[0]) =>
    writer.write(entry).catch(() => logger.error({ kind: entry.kind, ruleVersion: entry.ruleVersion }, 'rule event not written to the audit trail'));
  if (enabled) void record(rulesInForceEntry(rules.current().version, new Date(), randomUUID()));
  const unsubscribe = enabled ? rules.onChange((event) => void record(ruleEventEntry(event, randomUUID()))) : () => undefined;
  return owned.own(writer, async () => {
    unsubscribe();
    await writer.drain();
  });
}

interface ApolloDependencies {
  /** The first line of authorization, or @apollo/gateway itself with GATEWAY_AUTHORIZATION=off. */
  readonly gateway: ApolloGateway | AuthorizingGateway;
  readonly httpServer: http.Server;
  readonly owned: OwnedResources;
  readonly rules: PolicyStore;
  readonly supergraph: FileSupergraphSource;
  readonly costEstimator: CostEstimator;
  readonly auditWriter: AuditWriter | undefined;
  readonly attribution: PersonAttribution | undefined;
  readonly bulkLedger: BulkLedger | undefined;
  readonly shadowRules: ShadowRules | undefined;
  readonly metrics: GatewayMetrics;
}

/** Apollo Server with the gateway's plugins, in the order they must see a request. */
function apolloServer(options: GatewayOptions, logger: Logger, deps: ApolloDependencies): ApolloServer<GatewayContext> {
  const { config } = options;
  const { httpServer, owned, rules, supergraph, costEstimator, auditWriter, attribution, bulkLedger, shadowRules, metrics } = deps;
  return new ApolloServer<GatewayContext>({
    gateway: deps.gateway,
    logger: logger.child({ component: 'apollo' }),
    // Open at this level: the authorization walk removes __schema / __type for every profile the
    // access rules do not allow introspection (and for everyone in production by default).
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The document budgets are checked before Apollo parses (documentGuard, in configureRoutes);
    // the same token budget here keeps Apollo's own parse bounded should anything reach it first.
    parseOptions: { maxTokens: config.documentBudgets.maxTokens },
    // No automatic persisted queries: their cache is shared by every caller, so a hash-only
    // request would tell anyone whether someone else ran a query text (README "Document budgets").
    persistedQueries: false,
    validationRules: [knownOperationTypesRule],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // After the HTTP server drained: what the gateway opened closes (the audit writer drains first).
      owned.plugin(),
      // The IDE is ours (served from node_modules); Apollo's default page loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // Nothing about operations leaves the ward, even if an APOLLO_KEY is in the environment.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      // "Did you mean …?" is the schema's text: only for callers who may introspect.
      suggestionsPlugin(),
      // Parse, validation and coercion errors: 200 for clients that accept only application/json (GraphQL over HTTP).
      requestErrorStatusPlugin(),
      // Bulk output: counted after execution, withheld over the budget, before the audit entry is written.
      ...(bulkLedger ? [bulkOutputPlugin({ ledger: bulkLedger, rules: () => rules.current(), ...(options.bulkClock ? { now: options.bulkClock } : {}) })] : []),
      // Demand control before planning (policy/limits.yaml budgets); before the audit plugin,
      // whose entry records the estimate and the actual cost.
      costLimitPlugin({ estimator: costEstimator, limits: () => rules.current().limits }),
      // Decides each operation again under proposals in shadow mode; the answer is not changed.
      ...(shadowRules ? [shadowRulesPlugin(shadowRules)] : []),
      // Last: the entry is written after everything else has shaped the response, before it is sent.
      ...(auditWriter ? [auditPlugin({ writer: auditWriter, classifications: () => supergraph.classifications(), ...(attribution ? { attribution } : {}) })] : []),
      // After the audit (which may withhold the answer): the operation and the codes the answer carries, for the metrics.
      metrics.plugin(),
      // The access line's operation name, decision, codes and cause (read when the line is written, after the audit may have withheld the answer).
      accessFactsPlugin(() => supergraph.classifications()),
    ],
  });
}

/** @apollo/gateway behind the first line of authorization (gateway/authorization/). */
function federatedGateway(
  options: GatewayOptions,
  logger: Logger,
  supergraph: FileSupergraphSource,
  identitySigner: IdentitySigner,
  transport: Pick<SubgraphTransport, 'dispatcher' | 'observer'>,
  personKeys: PersonKeys | undefined,
): { gateway: ApolloGateway; authorization: AuthorizingGateway } {
  const { config } = options;
  // ApolloGateway reports each query plan it resolves to the first line (assigned right below),
  // which counts the plans it builds per permission profile.
  let authorization: AuthorizingGateway | undefined;
  // The planning budget (README "Planning budget"): the plan store records what each plan cost.
  const planningBudget = options.planningBudget ?? DEFAULT_PLANNING_BUDGET;
  const planStore = new BudgetedPlanStore(() => gateway.__testing().queryPlanner);
  const gateway: ApolloGateway = new ApolloGateway({
    supergraphSdl: supergraph,
    logger: logger.child({ component: 'apollo' }),
    queryPlannerConfig: budgetedPlannerConfig(planningBudget, planStore),
    experimental_didResolveQueryPlan: (resolved) => authorization?.didResolveQueryPlan(resolved),
    // Its spans (gateway.request, gateway.plan, gateway.fetch …) go to our collector, if tracing is on:
    // never the operation's text, never an exception's message (it may quote a value).
    telemetry: { includeDocument: false, recordExceptions: false },
    buildService: ({ name, url }) => {
      // Configuration wins over the URL composed into the supergraph, so one supergraph file
      // serves every environment.
      const configured = isSubgraphName(name) ? config.subgraphUrls[name] : undefined;
      if (configured === undefined) logger.warn({ subgraph: name }, 'subgraph not known to the configuration; using the supergraph URL');
      const target = configured ?? url;
      if (target === undefined) throw new Error(`subgraph "${name}" has no URL in the supergraph or the configuration`);
      const timeoutMs = isSubgraphName(name) ? config.subgraphTimeoutsMs[name] : DEFAULT_SUBGRAPH_TIMEOUT_MS;
      return new SubgraphDataSource(name, target, identitySigner, { timeoutMs, ...transport });
    },
  });
  // Every operation is decided against the caller's permission profile before the planner sees it.
  authorization = new AuthorizingGateway({
    inner: gateway,
    classifications: () => supergraph.classifications(),
    logger: logger.child({ component: 'authorization' }),
    ...(options.decisionCacheSize !== undefined ? { decisionCacheSize: options.decisionCacheSize } : {}),
    // The audit trail names every person a response carries: the first line fetches their 宛名番号.
    ...(personKeys ? { personKeys } : {}),
    planning: { budget: planningBudget, store: planStore },
  });
  return { gateway, authorization };
}

/** Creates the gateway and listens on `config.port` (0 picks a free port). */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const gateway = await createGateway(options);
  try {
    return await gateway.listen();
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

interface RouteDependencies {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly supergraph: FileSupergraphSource;
  readonly rules: PolicyStore;
  readonly auditWriter: AuditWriter | undefined;
  readonly documents: DocumentGuard;
  readonly userLimiter: UserLimiter;
  /** For the console's dev-only persona picker. */
  readonly auth: GatewayConfig['auth'];
  readonly trustedDocuments: TrustedDocumentGate;
  readonly contract: string;
  readonly metrics: GatewayMetrics;
  readonly readiness: Readiness;
  readonly corsOrigins: readonly string[];
}

function configureRoutes(app: Express, { apollo, authenticator, logger, supergraph, rules, auditWriter, documents, userLimiter, auth, trustedDocuments, contract, metrics, readiness, corsOrigins }: RouteDependencies): void {
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(accessLog(logger));

  app.get(HEALTH_PATH, (_req, res) => {
    const status = supergraph.status();
    const ruleStatus = rules.status();
    res.set('Cache-Control', 'no-store').json({
      status: 'ok',
      // Which schema this gateway serves (policy/contracts.yaml; `full` is the uncut graph).
      contract,
      // Which worker answered, with GATEWAY_WORKERS > 1 (gateway/cluster/); absent in a single process.
      ...(cluster.isWorker && cluster.worker ? { worker: cluster.worker.id } : {}),
      supergraph: { sha256: status.sha256, loadedAt: status.loadedAt, lastRejected: status.lastRejected ? { sha256: status.lastRejected.sha256, at: status.lastRejected.at } : undefined },
      // The rule version in force (issue 12): its id is the ruleVersion of the audit records.
      rules: {
        version: ruleStatus.version,
        loadedAt: ruleStatus.loadedAt,
        mode: ruleStatus.store ? 'database' : 'dir',
        ...(ruleStatus.store ? { sequence: ruleStatus.store.sequence, appliedAt: ruleStatus.store.appliedAt, proposalId: ruleStatus.store.proposalId } : {}),
        ...(ruleStatus.lastRejected ? { lastRejected: { version: ruleStatus.lastRejected.version, at: ruleStatus.lastRejected.at } } : {}),
      },
    });
  });

  // Every subgraph with the composed schema, the audit store writable, the rules and shared services there (503 + what is degraded otherwise).
  app.get(READY_PATH, readinessRoute(readiness));

  const ide = ideRoutes({ endpoint: GRAPHQL_PATH });
  app.use(ide.router);
  // The security officers' console (/console/): static, it calls /graphql with the officer's token.
  app.use(consoleRoutes({ auth, logger: logger.child({ component: 'console' }) }));
  // A browser opening the endpoint itself gets the IDE rather than a GraphQL error.
  app.get(GRAPHQL_PATH, (req: Request, res: Response, next: NextFunction) => {
    const wantsHtml = req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (wantsHtml && req.query['query'] === undefined) ide.sendPage(req, res);
    else next();
  });

  const passThrough = (_req: Request, _res: Response, next: NextFunction) => next();
  app.all(
    GRAPHQL_PATH,
    // The request's trace (when tracing is on) and its count in the metrics, when its answer is complete.
    requestSpanMiddleware(),
    metrics.requestMiddleware(),
    // Cross-origin: a preflight is answered here, before authentication (it never carries a token).
    corsMiddleware(corsOrigins),
    // Then: whatever is refused below (401/400/403/429, a bad body) is recorded by `refuse` before it is sent.
    auditWriter ? auditRefusalsMiddleware(auditWriter, () => rules.current(), logger.child({ component: 'audit' })) : passThrough,
    // Authentication before body parsing: an anonymous caller costs no parsing and gets no answer.
    phaseMiddleware('gateway.authenticate', authenticationMiddleware(authenticator, logger.child({ component: 'auth' }))),
    // Then the access rules: revoked → 401, unknown department → 403, purpose not registered → 400.
    permissionProfileMiddleware(() => rules.current(), logger.child({ component: 'access-rules' })),
    // Per-user rate and concurrency (policy/limits.yaml): 429 before the body is even parsed.
    userLimitsMiddleware(userLimiter, () => rules.current().limits, logger.child({ component: 'limits' })),
    // X-Case-Id: read, and required where the rules make it mandatory for the purpose (400).
    caseReferenceMiddleware(() => rules.current()),
    express.json({ limit: MAX_BODY }),
    // The client's texts the trail keeps (operationName, client name, X-Case-Id, X-Request-Id): bounded, or 400.
    clientTextMiddleware,
    // Trusted documents: a document id becomes the registered text; in enforce mode only approved documents pass (403).
    trustedDocuments.middleware,
    // Every document within its budgets (400) before Apollo parses, validates or plans it.
    documents.middleware,
    apolloHandler(apollo, async ({ req }) => contextOf(req, logger)),
  );

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  });
  app.use(errorHandler(logger));
}

/** The Apollo context: the request state the front filled in (gateway/http/request-state.ts), read once. */
function contextOf(req: Request, logger: Logger): GatewayContext {
  const state = requestStateOf(req);
  const identity = identityOf(req);
  const { principal, profile } = authorizationOf(req);
  return {
    identity,
    principal,
    profile,
    requestId: state.requestId,
    receivedAt: state.receivedAt,
    caseReference: caseReferenceOf(req),
    audit: state.audit,
    claims: claimedTextsOf(req),
    usage: { estimatedCost: null, costBudget: null, rowsReturned: null, personsReturned: null },
    results: {},
    access: state.access,
    logger: logger.child({ requestId: state.requestId, subject: identity.subject }),
  };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const status = httpStatusOf(error);
    // Its cause goes on the request's error-level access line (class, code, safe message; no stack).
    const state = maybeRequestStateOf(req);
    if (status >= 500 && state && state.access.cause === null) state.access.cause = errorCause(error);
    else if (status >= 500 && !state) logger.error({ error: errorCause(error) }, 'unhandled error');
    // Body-parser messages can quote the request body; answer with a fixed text instead.
    const message = status === 413 ? 'Request body too large' : status < 500 ? 'Malformed request body' : 'Internal server error';
    if (res.headersSent) {
      next(error);
      return;
    }
    refuse(req, res, { status, code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR', message, extensions: { requestId: requestIdOf(req) } });
  };
}

function httpStatusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' && error.status >= 400 && error.status < 600) {
    return error.status;
  }
  return 500;
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
