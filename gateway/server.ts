// First: vendor telemetry off before @apollo/gateway loads (issue 10, "Nothing leaves the machine").
import { disableVendorTelemetry } from './vendor-telemetry';
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
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { createAuthenticator, type Authenticator } from './auth/authenticate';
import { authenticationMiddleware, authorizationOf, identityOf, permissionProfileMiddleware } from './auth/middleware';
import { AuthorizingGateway } from './authorization';
import type { GatewayConfig } from './config';
import type { GatewayContext } from './context';
import { ideRoutes } from './ide/routes';
import { documentGuard, type DocumentGuard } from './limits/document-middleware';
import { knownOperationTypesRule } from './limits/document-operation-types';
import { CostEstimator } from './limits/cost-estimator';
import { costLimitPlugin } from './limits/cost-plugin';
import { UserLimiter } from './limits/rate-limiter';
import { userLimitsMiddleware } from './limits/rate-middleware';
import { openLimitsRedis } from './limits/rate-redis';
import type { Redis } from 'ioredis';
import { createLogger } from '../lib/logger';
import { requestIdMiddleware, requestIdOf } from './request-id';
import { GRAPHQL_PATH, HEALTH_PATH, isSubgraphName } from '../lib/subgraphs';
import { SubgraphDataSource } from './subgraph-data-source';
import { createIdentitySigner, type IdentitySigner } from './identity-signing';
import { createSubgraphDispatcher, DEFAULT_SUBGRAPH_TIMEOUT_MS } from './subgraph-transport';
import { createSupergraphSource, type FileSupergraphSource } from './supergraph-source';
import { prepareSupergraphForGateway } from './supergraph-security';
import { contractOfSupergraph } from '../lib/contracts/files';
import { createPolicyStore, type PolicyStore } from '../lib/policy/store';
import { randomUUID } from 'node:crypto';
import { openThreadedAuditStore } from '../lib/audit/threaded-store';
import { BudgetedPlanStore, DEFAULT_PLANNING_BUDGET, RESIDENT_PERSON_KEYS, budgetedPlannerConfig, type PlanningBudget } from './authorization';
import {
  auditPlugin,
  auditRefusalsMiddleware,
  auditStateOf,
  AuditWriter,
  caseReferenceMiddleware,
  caseReferenceOf,
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
  readonly gateway: Gateway;
  stop(): Promise<void>;
}

const MAX_BODY = '1mb';

/**
 * Builds the gateway and loads the supergraph (a missing or invalid supergraph fails here),
 * without listening yet.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const authenticator = await createAuthenticator(config.auth);
  // Signs the caller's identity into every subgraph request (subgraphs answer 401 without it).
  const identitySigner = await createIdentitySigner(config.identitySigning, { lifetimeSeconds: config.identityWindow.lifetimeSeconds });
  // One pool for all subgraph calls; trusts SUBGRAPH_CA_FILE for https subgraphs.
  const subgraphDispatcher = createSubgraphDispatcher(config.subgraphTls);

  const supergraph = createSupergraphSource({
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

  // Rules are data: loaded (and validated) now, so invalid rules refuse to start the gateway.
  const ownsRules = options.ruleStore === undefined;
  const rules =
    options.ruleStore ??
    createPolicyStore({ logger: logger.child({ component: 'access-rules' }), ...(options.policyDir !== undefined ? { dir: options.policyDir } : {}) });

  // The audit trail: opened before anything is served (an unreachable store refuses to start).
  let auditSink: AuditSink | undefined;
  let ownsAudit = false;
  if (options.audit === false) {
    logger.warn('running WITHOUT an audit trail (benchmark baseline only)');
  } else if (options.audit !== undefined) {
    auditSink = options.audit;
  } else {
    try {
      // SQLite on a worker thread: its synchronous commits (fsync) no longer stall every request.
      auditSink = await openThreadedAuditStore({ env: { ...config.audit.env } });
      ownsAudit = true;
    } catch (error) {
      if (ownsRules) rules.stop();
      throw error;
    }
  }
  const auditLogger = logger.child({ component: 'audit' });
  // The store groups appends that arrive while it commits (one transaction for them all), so the
  // writer hands them over as they come instead of holding them until the last commit resolved.
  // Bulk output only with prior approval (promise 7): counts persons per user, purpose and day in
  // the audit database, so every replica shares them. Needs the trail's person keys.
  let bulkLedger: BulkLedger | undefined;
  let ownsBulk = false;
  if (auditSink && options.bulk !== false) {
    if (options.bulk !== undefined) bulkLedger = options.bulk;
    else {
      try {
        bulkLedger = await openBulkLedger(auditDatabaseConfig({ ...config.audit.env }));
        ownsBulk = true;
      } catch (error) {
        if (ownsRules) rules.stop();
        if (ownsAudit && 'close' in auditSink && typeof auditSink.close === 'function') await (auditSink.close as () => Promise<void>)();
        throw error;
      }
    }
  } else if (auditSink) logger.warn('running WITHOUT the bulk-output check (bulk: false)');
  // The trusted-document registry: in the audit database, shared by every replica.
  let trustedStore: TrustedDocumentLookup | undefined;
  let ownedTrustedStore: TrustedDocumentStore | undefined;
  if (options.trustedDocuments !== undefined) trustedStore = options.trustedDocuments || undefined;
  else if (auditSink) {
    try {
      trustedStore = ownedTrustedStore = await openTrustedDocumentStore(auditDatabaseConfig({ ...config.audit.env }));
    } catch (error) {
      if (ownsRules) rules.stop();
      if (ownsBulk) await bulkLedger?.close();
      if (ownsAudit && 'close' in auditSink && typeof auditSink.close === 'function') await (auditSink.close as () => Promise<void>)();
      throw error;
    }
  }
  if (config.trustedDocuments.mode !== 'enforce') logger.warn({ mode: config.trustedDocuments.mode }, 'trusted documents not enforced: operations that no officer approved run (TRUSTED_DOCUMENTS)');
  const auditWriter = auditSink ? new AuditWriter({ sink: auditSink, logger: auditLogger, ...(ownsAudit ? { maxInFlight: 8 } : {}) }) : undefined;
  const recordRuleEvent = (entry: Parameters<AuditWriter['write']>[0]) =>
    auditWriter?.write(entry).catch(() => auditLogger.error({ kind: entry.kind, ruleVersion: entry.ruleVersion }, 'rule event not written to the audit trail'));
  recordRuleEvent(rulesInForceEntry(rules.current().version, new Date(), randomUUID()));
  const unsubscribeRuleEvents = auditWriter ? rules.onChange((event) => void recordRuleEvent(ruleEventEntry(event, randomUUID()))) : () => undefined;

  const apolloLogger = logger.child({ component: 'apollo' });
  // Assigned right below: ApolloGateway reports each query plan it resolves to the first line,
  // which counts the plans it builds per permission profile.
  let authorization: AuthorizingGateway | undefined;
  // Read by the constructor: set again here, so no way of starting the gateway can miss it.
  disableVendorTelemetry();
  // The planning budget (README "Planning budget"): the plan store records what each plan cost.
  const planningBudget = options.planningBudget ?? DEFAULT_PLANNING_BUDGET;
  const planStore = new BudgetedPlanStore(() => gateway.__testing().queryPlanner);
  const gateway: ApolloGateway = new ApolloGateway({
    supergraphSdl: supergraph,
    logger: apolloLogger,
    queryPlannerConfig: budgetedPlannerConfig(planningBudget, planStore),
    experimental_didResolveQueryPlan: (resolved) => authorization?.didResolveQueryPlan(resolved),
    buildService: ({ name, url }) => {
      // Configuration wins over the URL composed into the supergraph, so one supergraph file
      // serves every environment.
      const configured = isSubgraphName(name) ? config.subgraphUrls[name] : undefined;
      if (configured === undefined) logger.warn({ subgraph: name }, 'subgraph not known to the configuration; using the supergraph URL');
      const target = configured ?? url;
      if (target === undefined) throw new Error(`subgraph "${name}" has no URL in the supergraph or the configuration`);
      const timeoutMs = isSubgraphName(name) ? config.subgraphTimeoutsMs[name] : DEFAULT_SUBGRAPH_TIMEOUT_MS;
      return new SubgraphDataSource(name, target, identitySigner, { timeoutMs, dispatcher: subgraphDispatcher });
    },
  });

  // The first line: every operation is decided against the caller's permission profile before
  // the planner sees it (gateway/authorization/).
  authorization = new AuthorizingGateway({
    inner: gateway,
    classifications: () => supergraph.classifications(),
    logger: logger.child({ component: 'authorization' }),
    ...(options.decisionCacheSize !== undefined ? { decisionCacheSize: options.decisionCacheSize } : {}),
    // The audit trail names every person a response carries: the first line fetches their 宛名番号.
    ...(auditWriter ? { personKeys: RESIDENT_PERSON_KEYS } : {}),
    planning: { budget: planningBudget, store: planStore },
  });

  const app = express();
  const httpServer = http.createServer(app);
  // GATEWAY_AUTHORIZATION=off (benchmark baseline only; refused in production by gateway/config.ts):
  // operations go to the planner without the first line's decision.
  const rulesOff = config.authorization === 'off';
  const costEstimator = new CostEstimator();
  // Per-user counters: in this process, or in Redis shared by every replica (GATEWAY_LIMITS_REDIS_URL).
  const limitsRedis: Redis | undefined = config.limits.redisUrl ? openLimitsRedis(config.limits.redisUrl, logger.child({ component: 'limits' })) : undefined;
  const userLimiter = new UserLimiter({ keyPrefix: config.limits.keyPrefix, ...(limitsRedis ? { redis: limitsRedis } : {}) });
  if (rulesOff) logger.warn('running WITHOUT the gateway field rules (GATEWAY_AUTHORIZATION=off, benchmark baseline only)');
  const apollo = new ApolloServer<GatewayContext>({
    gateway: rulesOff ? gateway : authorization,
    logger: apolloLogger,
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
      // The IDE is ours (served from node_modules); Apollo's default page loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // Nothing about operations leaves the ward, even if an APOLLO_KEY is in the environment.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      // Bulk output: counted after execution, withheld over the budget, before the audit entry is written.
      ...(bulkLedger ? [bulkOutputPlugin({ ledger: bulkLedger, rules: () => rules.current(), ...(options.bulkClock ? { now: options.bulkClock } : {}) })] : []),
      // Demand control before planning (policy/limits.yaml budgets); before the audit plugin,
      // whose entry records the estimate and the actual cost.
      costLimitPlugin({ estimator: costEstimator, limits: () => rules.current().limits }),
      // Last: the entry is written after everything else has shaped the response, before it is sent.
      ...(auditWriter ? [auditPlugin({ writer: auditWriter, classifications: () => supergraph.classifications() })] : []),
    ],
  });
  const closeAudit = async () => {
    unsubscribeRuleEvents();
    await auditWriter?.drain();
    if (ownsAudit && auditSink && 'close' in auditSink && typeof auditSink.close === 'function') await (auditSink.close as () => Promise<void>)();
    if (ownsBulk) await bulkLedger?.close();
    await ownedTrustedStore?.close();
  };
  try {
    await apollo.start();
  } catch (error) {
    if (ownsRules) rules.stop();
    await closeAudit();
    await subgraphDispatcher.close();
    limitsRedis?.disconnect();
    throw error;
  }

  const documents = documentGuard(config.documentBudgets);
  const trustedDocuments = trustedDocumentGate(config.trustedDocuments, trustedStore, logger.child({ component: 'trusted-documents' }));
  configureRoutes(app, { apollo, authenticator, logger, supergraph, rules, auditWriter, documents, userLimiter, trustedDocuments, contract: config.contract });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Drains HTTP connections, stops the gateway and with it the supergraph watcher.
      await apollo.stop();
      if (ownsRules) rules.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // After the last response: every entry handed to the writer is appended, then the store closes.
      await closeAudit();
      await subgraphDispatcher.close();
      limitsRedis?.disconnect();
    })();
    return stopping;
  };

  const instance: Gateway = {
    app,
    httpServer,
    apollo,
    supergraph,
    authorization,
    rules,
    logger,
    auditWriter,
    documents,
    identitySigner,
    costEstimator,
    userLimiter,
    trustedDocuments,
    stop,
    listen: (port = config.port, host = config.host) =>
      new Promise<RunningGateway>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address() as AddressInfo;
          const origin = `http://${formatHost(host)}:${address.port}`;
          resolve({ url: `${origin}${GRAPHQL_PATH}`, origin, port: address.port, gateway: instance, stop });
        });
      }),
  };
  return instance;
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
  readonly trustedDocuments: TrustedDocumentGate;
  readonly contract: string;
}

function configureRoutes(app: Express, { apollo, authenticator, logger, supergraph, rules, auditWriter, documents, userLimiter, trustedDocuments, contract }: RouteDependencies): void {
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(accessLog(logger));

  app.get(HEALTH_PATH, (_req, res) => {
    const status = supergraph.status();
    res.set('Cache-Control', 'no-store').json({
      status: 'ok',
      // Which schema this gateway serves (policy/contracts.yaml; `full` is the uncut graph).
      contract,
      supergraph: { sha256: status.sha256, loadedAt: status.loadedAt, lastRejected: status.lastRejected ? { sha256: status.lastRejected.sha256, at: status.lastRejected.at } : undefined },
    });
  });

  const ide = ideRoutes({ endpoint: GRAPHQL_PATH });
  app.use(ide.router);
  // A browser opening the endpoint itself gets the IDE rather than a GraphQL error.
  app.get(GRAPHQL_PATH, (req: Request, res: Response, next: NextFunction) => {
    const wantsHtml = req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (wantsHtml && req.query['query'] === undefined) ide.sendPage(req, res);
    else next();
  });

  const passThrough = (_req: Request, _res: Response, next: NextFunction) => next();
  app.all(
    GRAPHQL_PATH,
    // First: whatever is refused below (401/400/403, a bad body) is audited before it is sent.
    auditWriter ? auditRefusalsMiddleware(auditWriter, () => rules.current(), logger.child({ component: 'audit' })) : passThrough,
    // Authentication before body parsing: an anonymous caller costs no parsing and gets no answer.
    authenticationMiddleware(authenticator, logger.child({ component: 'auth' })),
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
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<GatewayContext> => {
        const identity = identityOf(req);
        const { principal, profile } = authorizationOf(req);
        const requestId = requestIdOf(req);
        const audit = auditStateOf(req);
        return {
          identity,
          principal,
          profile,
          requestId,
          receivedAt: audit.receivedAt,
          caseReference: caseReferenceOf(req),
          audit,
          usage: { estimatedCost: null, costBudget: null, rowsReturned: null, personsReturned: null },
          logger: logger.child({ requestId, subject: identity.subject }),
        };
      },
    }),
  );

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  });
  app.use(errorHandler(logger));
}

function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const quiet = req.path === HEALTH_PATH || req.path.startsWith('/ide/');
      // Path only: a GET operation's query string carries variables, i.e. person data.
      logger[quiet ? 'debug' : 'info'](
        {
          requestId: requestIdOf(req),
          method: req.method,
          path: req.path,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const status = httpStatusOf(error);
    if (status >= 500) logger.error({ requestId: requestIdOf(req), err: error }, 'unhandled error');
    // Body-parser messages can quote the request body; answer with a fixed text instead.
    const message = status === 413 ? 'Request body too large' : status < 500 ? 'Malformed request body' : 'Internal server error';
    if (res.headersSent) {
      next(error);
      return;
    }
    res.status(status).json({
      errors: [{ message, extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR', requestId: requestIdOf(req) } }],
    });
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
