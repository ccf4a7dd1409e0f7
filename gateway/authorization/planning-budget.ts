// Types only: @apollo/query-planner is @apollo/gateway's own planner (same version, 2.14.4).
import type { PlanNode, SubscriptionNode, QueryPlan, QueryPlanCache, QueryPlanner, QueryPlannerConfig } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';
import { LruCache } from '../../lib/bounded-cache';

/**
 * What one query plan may cost, in the query planner's own units (README "Planning budget").
 *
 * @apollo/query-planner first computes, for every leaf of the operation, the options (subgraph
 * paths) that reach it, then evaluates the product of those options and keeps the cheapest
 * plan. Its own limits:
 * - `debug.maxEvaluatedPlans`: above it the planner drops options until the product fits and
 *   returns a plan anyway (not the best one); it never refuses. Each drop at most halves the
 *   product, so a product that had to be cut ends at more than half the cap.
 * - `debug.pathsLimit`: the options of one selection; above it planning throws.
 * The gateway sets the cap to twice the budget, reads each new plan's evaluated-plan count
 * (`QueryPlanner.lastGeneratedPlanStatistics()`) and refuses, before any subgraph call, a plan
 * that needed more than the budget (so every plan the planner had to cut is refused, as is any
 * plan that evaluated more than the budget); the refusal is remembered with the plan, so the
 * same operation by the same profile is not planned again.
 */
export interface PlanningBudget {
  /** Plans the planner may evaluate for one operation; more → 400 QUERY_PLAN_TOO_COMPLEX. */
  readonly evaluatedPlans: number;
  /** Options (subgraph paths) for one selection; more → 400 QUERY_PLAN_TOO_COMPLEX. */
  readonly pathsPerSelection: number;
  /**
   * Subgraph fetches in the plan (what one execution may call); more → 400
   * QUERY_PLAN_TOO_COMPLEX. The planner does not share fetches between aliases of a root field:
   * 50 aliases of `resident(id:)` × 6 hops plan 351 fetches.
   */
  readonly subgraphFetches: number;
}

export const DEFAULT_PLANNING_BUDGET: PlanningBudget = { evaluatedPlans: 64, pathsPerSelection: 64, subgraphFetches: 64 };

export const QUERY_PLAN_TOO_COMPLEX_CODE = 'QUERY_PLAN_TOO_COMPLEX';

/** Plans kept (ApolloGateway's own default store is 30 MiB; this one counts plans). */
const PLANS_KEPT = 1000;

/** The planner's evaluation statistics of one plan, as the planner reported them when it built it. */
export interface PlanStatistics {
  /** Plans the planner evaluated to choose this one (`evaluatedPlanCount`). */
  readonly evaluatedPlans: number;
  /** Fetch nodes: the subgraph calls one execution makes at most (an entity fetch with no representations is skipped). */
  readonly fetches: number;
}

/**
 * ApolloGateway's plan store (`queryPlannerConfig.cache`) that also remembers what each plan
 * cost: ApolloGateway stores a plan right after building it (synchronously, before its first
 * await), which is when the planner's `lastGeneratedPlanStatistics()` is that plan's.
 */
export class BudgetedPlanStore implements QueryPlanCache {
  private readonly plans = new LruCache<QueryPlan>(PLANS_KEPT);
  // A WeakMap on purpose: it annotates ApolloGateway's own plan objects (which have no slot of
  // ours) and forgets a plan's cost with the plan; not per-request state.
  private readonly statistics = new WeakMap<QueryPlan, PlanStatistics>();
  /** Plans the planner built (a plan is stored once, when built). */
  built = 0;
  /** Plans evaluated over all plans built. */
  evaluated = 0;

  constructor(private readonly planner: () => QueryPlanner | undefined) {}

  async get(key: string): Promise<QueryPlan | undefined> {
    return this.plans.get(key);
  }

  async set(key: string, plan: QueryPlan): Promise<void> {
    const evaluatedPlans = this.planner()?.lastGeneratedPlanStatistics()?.evaluatedPlanCount ?? 0;
    const statistics = { evaluatedPlans, fetches: plan.node ? fetchCount(plan.node) : 0 };
    this.statistics.set(plan, statistics);
    this.built += 1;
    this.evaluated += evaluatedPlans;
    this.plans.set(key, plan);
  }

  async delete(key: string): Promise<boolean | void> {
    return this.plans.delete(key);
  }

  clear(): void {
    this.plans.clear();
  }

  statisticsOf(plan: object): PlanStatistics | undefined {
    return this.statistics.get(plan as QueryPlan);
  }
}

function fetchCount(node: PlanNode | SubscriptionNode): number {
  switch (node.kind) {
    case 'Subscription':
      return 1 + (node.rest ? fetchCount(node.rest) : 0);
    case 'Fetch':
      return 1;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.reduce((sum, child) => sum + fetchCount(child), 0);
    case 'Flatten':
      return fetchCount(node.node);
    case 'Condition':
      return (node.ifClause ? fetchCount(node.ifClause) : 0) + (node.elseClause ? fetchCount(node.elseClause) : 0);
    case 'Defer':
      return (node.primary.node ? fetchCount(node.primary.node) : 0) + node.deferred.reduce((sum, deferred) => sum + (deferred.node ? fetchCount(deferred.node) : 0), 0);
  }
}

/** The `queryPlannerConfig` of an ApolloGateway held to `budget`. */
export function budgetedPlannerConfig(budget: PlanningBudget, store: BudgetedPlanStore): QueryPlannerConfig {
  return {
    cache: store,
    debug: { maxEvaluatedPlans: budget.evaluatedPlans * 2, pathsLimit: budget.pathsPerSelection },
  };
}

/** Thrown from the plan hook (before any subgraph call) for a plan over budget. */
export class PlanTooComplexError extends Error {
  constructor(readonly statistics: PlanStatistics) {
    super(`query plan over budget: ${statistics.evaluatedPlans} plans evaluated, ${statistics.fetches} fetches`);
  }
}

/** Whether a plan's statistics exceed the budget. */
export function overBudget(statistics: PlanStatistics, budget: PlanningBudget): boolean {
  return statistics.evaluatedPlans > budget.evaluatedPlans || statistics.fetches > budget.subgraphFetches;
}

/** `pathsLimit` exceeded: the planner's own error (query-planner buildPlan.ts handleOpenBranch). */
export function isPathsLimitError(error: unknown): boolean {
  return error instanceof Error && /^Too many options generated for /.test(error.message);
}

/** What the client gets for a plan over budget: 400, a code, the budget; never the operation's text. */
export function planTooComplexError(detail: { statistics?: PlanStatistics; budget: PlanningBudget }): GraphQLError {
  return new GraphQLError(
    'The operation needs a query plan more complex than the planning budget allows (see the README, "Planning budget"): ask for fewer fields or aliases of the same person, or split it.',
    {
      extensions: {
        code: QUERY_PLAN_TOO_COMPLEX_CODE,
        budget: { ...detail.budget },
        ...(detail.statistics ? { plan: { ...detail.statistics } } : {}),
        http: { status: 400 },
      },
    },
  );
}
