import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
  GatewayExecutionResult,
} from '@apollo/server-gateway-interface';
import { GraphQLError, getVariableValues } from 'graphql';
import type { Logger } from 'pino';
import type { FieldClassification, PermissionProfile } from '../../lib/authorization/types';
import type { GatewayContext } from '../context';
import type { AuthorizationOutcome } from './outcome';
import { completeResponse } from './complete';
import { decideOperation } from './decide';
import { LruCache } from '../../lib/bounded-cache';
import type { OperationDecision } from './decision';
import type { PersonKeys } from './rewrite';
import { stripInjectedKeys } from './strip-injected';
import { pathThroughInjected } from './strip-plan';
import { PlanTooComplexError, isPathsLimitError, overBudget, planTooComplexError, type BudgetedPlanStore, type PlanningBudget } from './planning-budget';
import type { AuthorizationRule } from './rules';
import { inPhase } from '../observability/spans';

export const DEFAULT_DECISION_CACHE_SIZE = 1000;
const MAX_PROFILES_COUNTED = 1000;

export interface AuthorizingGatewayOptions {
  /** The planner and executor (ApolloGateway over the supergraph without security directives). */
  readonly inner: GatewayInterface;
  /** `Type.field` → classification of the supergraph in force (supergraph-source `classifications()`). */
  readonly classifications: () => ReadonlyMap<string, FieldClassification>;
  readonly logger: Logger;
  /** Decisions kept (LRU); default 1000. */
  readonly decisionCacheSize?: number;
  /** Default: AUTHORIZATION_RULES. */
  readonly rules?: readonly AuthorizationRule[];
  /**
   * Person keys to fetch for the audit trail even when the client did not ask for them (never
   * returned): the outcome then names the persons a response carries. Default: none.
   */
  readonly personKeys?: PersonKeys;
  /**
   * The planning budget and ApolloGateway's plan store that records each plan's cost
   * (planning-budget.ts): a plan over budget is refused (400 QUERY_PLAN_TOO_COMPLEX) before any
   * subgraph call. Default: none (the planner's own defaults).
   */
  readonly planning?: { readonly budget: PlanningBudget; readonly store: BudgetedPlanStore };
}

export interface ProfileCounts {
  /** Operations decided for this profile (decision-cache misses). */
  decisions: number;
  /** Decisions served from the cache. */
  cacheHits: number;
  /** Query plans the planner built for this profile. */
  plansBuilt: number;
}

export interface AuthorizationStats extends ProfileCounts {
  /** Query plans resolved for execution, built or from the plan cache (resolved − built = plan-cache hits). */
  readonly plansResolved: number;
  /** Plans the planner evaluated to build them (its `evaluatedPlanCount`, summed; with `planning`). */
  readonly plansEvaluated: number;
  /** Operations refused for a plan over the planning budget (QUERY_PLAN_TOO_COMPLEX). */
  readonly plansRefused: number;
  /** Decisions currently cached. */
  readonly cachedDecisions: number;
  /** Per permission-profile key. */
  readonly byProfile: ReadonlyMap<string, Readonly<ProfileCounts>>;
}

/** The authorization outcome of a request, once its operation has been executed (kept in its context). */
export function authorizationOutcomeOf(context: GatewayContext): AuthorizationOutcome | undefined {
  return context.results.authorization;
}

/**
 * The gateway's first line, as a GatewayInterface around @apollo/gateway: Apollo Server hands it
 * each validated operation; it decides every requested field against the caller's permission
 * profile BEFORE planning, hands the planner the operation without the refused fields (so no
 * subgraph is asked for them), and completes the answer against the client's original
 * operation (null + an UNAUTHORIZED_FIELD_OR_TYPE error per refused field).
 */
export class AuthorizingGateway implements GatewayInterface {
  private readonly cache: LruCache<OperationDecision>;
  // A WeakMap on purpose: a version per classification map by identity (each supergraph load makes a
  // new one), forgotten with the map; not per-request state.
  private readonly classificationVersions = new WeakMap<object, number>();
  private nextClassificationVersion = 1;
  private readonly seenPlans = new WeakSet<object>();
  private readonly counts: ProfileCounts = { decisions: 0, cacheHits: 0, plansBuilt: 0 };
  private plansRefused = 0;
  private plansResolved = 0;
  private readonly countsByProfile = new LruCache<ProfileCounts>(MAX_PROFILES_COUNTED);
  private unsubscribe: GatewayUnsubscriber | undefined;

  constructor(private readonly options: AuthorizingGatewayOptions) {
    this.cache = new LruCache(options.decisionCacheSize ?? DEFAULT_DECISION_CACHE_SIZE);
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    return this.options.inner.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    // A new supergraph means new classifications: earlier decisions no longer hold.
    this.unsubscribe ??= this.options.inner.onSchemaLoadOrUpdate(() => this.cache.clear());
    const { executor } = await this.options.inner.load(options);
    if (!executor) throw new Error('the gateway has no executor: the authorization walk cannot run');
    return { executor: (requestContext) => this.execute(requestContext, executor) };
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.options.inner.stop();
  }

  /**
   * ApolloGateway's `experimental_didResolveQueryPlan` hook: a plan object not seen before was
   * built by the planner (cached plans come back as the same object).
   */
  readonly didResolveQueryPlan = (options: { readonly queryPlan: object; readonly requestContext: GatewayGraphQLRequestContext }): void => {
    this.plansResolved += 1;
    if (!this.seenPlans.has(options.queryPlan)) {
      this.seenPlans.add(options.queryPlan);
      this.counts.plansBuilt += 1;
      const profile = (options.requestContext.context as Partial<GatewayContext>).profile;
      if (profile) this.profileCounts(profile.key).plansBuilt += 1;
    }
    // Over budget: refused before the plan runs, every time it is resolved (it stays in the
    // store, so the same operation by the same profile is refused without planning again).
    const { planning } = this.options;
    const statistics = planning?.store.statisticsOf(options.queryPlan);
    if (planning && statistics && overBudget(statistics, planning.budget)) throw new PlanTooComplexError(statistics);
  };

  stats(): AuthorizationStats {
    return {
      ...this.counts,
      plansResolved: this.plansResolved,
      plansEvaluated: this.options.planning?.store.evaluated ?? 0,
      plansRefused: this.plansRefused,
      cachedDecisions: this.cache.size,
      // Oldest first, as counted.
      byProfile: new Map([...this.countsByProfile.rkeys()].map((key) => [key, { ...this.countsByProfile.peek(key)! }])),
    };
  }

  private async execute(requestContext: GatewayGraphQLRequestContext, inner: GatewayExecutor): Promise<GatewayExecutionResult> {
    const context = requestContext.context as Partial<GatewayContext>;
    const { profile } = context;
    // For the plugins after the first line (cost, bulk output, audit), in the request's context.
    const record = (outcome: AuthorizationOutcome) => {
      if (context.results) context.results.authorization = outcome;
    };
    if (!profile) {
      // Fail closed: an operation without a profile is a wiring bug, never "everything allowed".
      this.options.logger.error('operation reached the gateway executor without a permission profile');
      return { errors: [new GraphQLError('Request has no permission profile', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
    }

    const decision = inPhase('gateway.decide', () => this.decisionFor(requestContext, profile));
    let result: GatewayExecutionResult;
    try {
      result = await inner({
        ...requestContext,
        request: { ...requestContext.request, query: decision.source },
        document: decision.document,
        operation: decision.operation,
        source: decision.source,
        queryHash: decision.queryHash,
      });
    } catch (error) {
      const { planning } = this.options;
      if (!planning || !(error instanceof PlanTooComplexError || isPathsLimitError(error))) throw error;
      this.plansRefused += 1;
      this.options.logger.warn(
        { operationName: requestContext.operationName, profile: profile.key.slice(0, 12), plan: error instanceof PlanTooComplexError ? error.statistics : 'paths limit' },
        'operation refused: query plan over the planning budget',
      );
      record({ decision, denied: [], personIds: [] });
      const statistics = error instanceof PlanTooComplexError ? { statistics: error.statistics } : {};
      return { errors: [planTooComplexError({ ...statistics, budget: planning.budget })] };
    }

    return inPhase('gateway.complete', () => this.complete(requestContext, decision, result, record));
  }

  /** The client's answer from the planner's: refused fields completed, injected keys removed, persons collected. */
  private complete(
    requestContext: GatewayGraphQLRequestContext,
    decision: OperationDecision,
    result: GatewayExecutionResult,
    record: (outcome: AuthorizationOutcome) => void,
  ): GatewayExecutionResult {
    // A masked value is replaced by the completion: with masks, it always runs.
    const masks = decision.masked.size > 0;
    if (!masks && decision.denied.size === 0 && decision.strip) {
      // Nothing refused, at most keys injected: remove them in place, collect the persons (strip-injected.ts).
      const stripped = stripInjectedKeys(result.data, decision.strip);
      record({ decision, denied: [], personIds: stripped.personIds });
      return decision.rewritten ? withErrors(result, stripped.data, this.plannerErrors(result.errors, decision)) : result;
    }
    if (!masks && !decision.rewritten) {
      record({ decision, denied: [], personIds: [] });
      return result;
    }
    const coerced = getVariableValues(requestContext.schema, requestContext.operation.variableDefinitions ?? [], requestContext.request.variables ?? {});
    const completed = completeResponse({
      schema: requestContext.schema,
      document: requestContext.document,
      operation: requestContext.operation,
      variableValues: coerced.coerced ?? requestContext.request.variables ?? {},
      decision,
      data: result.data,
    });
    record({ decision, denied: completed.denied, personIds: completed.personIds });
    return withErrors(result, completed.data, [...completed.errors, ...this.plannerErrors(result.errors, decision)]);
  }

  /** The planner's errors the client may see: not those about a key it never asked for (the audit's person key). */
  private plannerErrors(errors: GatewayExecutionResult['errors'], decision: OperationDecision): GraphQLError[] {
    const all = (errors ?? []) as GraphQLError[];
    const { strip, personKeyKeys } = decision;
    if (strip) return all.filter((error) => !error.path || !pathThroughInjected(strip, error.path));
    if (!personKeyKeys) return all;
    // No strip plan (variables decide): the aliased keys are the rewrite's own; `id` may be the client's.
    const injected = new Set([personKeyKeys.via, personKeyKeys.reference, ...(personKeyKeys.id === personKeyKeys.keys.field ? [] : [personKeyKeys.id])]);
    return all.filter((error) => !error.path?.some((segment) => typeof segment === 'string' && injected.has(segment)));
  }

  private decisionFor(requestContext: GatewayGraphQLRequestContext, profile: PermissionProfile): OperationDecision {
    const classifications = this.options.classifications();
    const key = JSON.stringify([
      this.classificationVersion(classifications),
      requestContext.queryHash,
      requestContext.operationName ?? '',
      profile.key,
    ]);
    const counts = this.profileCounts(profile.key);
    const cached = this.cache.get(key);
    if (cached) {
      this.counts.cacheHits += 1;
      counts.cacheHits += 1;
      return cached;
    }
    const decision = decideOperation({
      schema: requestContext.schema,
      document: requestContext.document,
      operation: requestContext.operation,
      profile,
      classifications,
      ...(this.options.rules ? { rules: this.options.rules } : {}),
      ...(this.options.personKeys ? { personKeys: this.options.personKeys } : {}),
    });
    this.cache.set(key, decision);
    this.counts.decisions += 1;
    counts.decisions += 1;
    this.options.logger.debug(
      { operationName: requestContext.operationName, profile: profile.key.slice(0, 12), denied: [...decision.denied.keys()] },
      'operation decided',
    );
    return decision;
  }

  private classificationVersion(classifications: ReadonlyMap<string, FieldClassification>): number {
    let version = this.classificationVersions.get(classifications);
    if (version === undefined) {
      version = this.nextClassificationVersion++;
      this.classificationVersions.set(classifications, version);
    }
    return version;
  }

  private profileCounts(key: string): ProfileCounts {
    // peek, not get: the profile counted first is dropped first, however often it is counted.
    let counts = this.countsByProfile.peek(key);
    if (!counts) {
      counts = { decisions: 0, cacheHits: 0, plansBuilt: 0 };
      this.countsByProfile.set(key, counts);
    }
    return counts;
  }
}

/** The planner's result with the client's data and errors (no `errors` key when there are none, not even the planner's own). */
function withErrors(result: GatewayExecutionResult, data: Record<string, unknown> | null, errors: readonly GraphQLError[]): GatewayExecutionResult {
  const { errors: _plannerErrors, ...rest } = result;
  return { ...rest, data, ...(errors.length > 0 ? { errors } : {}) };
}
