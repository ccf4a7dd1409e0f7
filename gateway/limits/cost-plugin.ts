/**
 * Demand control as an Apollo Server plugin: after validation and before the gateway plans or
 * calls any subgraph (didResolveOperation), the operation's estimated cost is checked against
 * the budget of the caller's limit profile (policy/limits.yaml). Over budget → HTTP 400
 * COST_LIMIT_EXCEEDED with the estimate and the budget (enforce), or answered and logged
 * (measure). The estimate, the budget and the actual cost (objects and distinct persons
 * returned) go into the request's usage, which the audit entry records; this plugin must
 * therefore be registered before the audit plugin.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { LimitPolicy } from '../../lib/policy/types';
import { authorizationOutcomeOf } from '../authorization';
import type { GatewayContext } from '../context';
import type { CostEstimator } from './cost-estimator';
import { limitProfileFor } from './limit-profile';

export const COST_LIMIT_EXCEEDED_CODE = 'COST_LIMIT_EXCEEDED';

export interface CostLimitPluginOptions {
  readonly estimator: CostEstimator;
  /** The limits in force (the rule store's current limits.yaml). */
  readonly limits: () => LimitPolicy;
}

export function costLimitPlugin({ estimator, limits }: CostLimitPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema, coreSupergraphSdl }) {
          if (coreSupergraphSdl !== undefined) estimator.update(apiSchema, coreSupergraphSdl);
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { contextValue: context, document, operation, queryHash } = requestContext;
          if (!operation) return; // no operation to run: Apollo answers 400 itself
          const key = `${queryHash}\0${requestContext.operationName ?? ''}`;
          const estimate = estimator.estimate(key, document, operation, requestContext.request.variables ?? {});
          if (estimate === null) return;
          const profile = limitProfileFor(limits(), context.principal);
          context.usage.estimatedCost = estimate;
          context.usage.costBudget = profile.costBudget;
          if (estimate <= profile.costBudget) return;
          if (profile.costMode === 'measure') {
            context.logger.warn({ estimatedCost: estimate, costBudget: profile.costBudget, limitProfile: profile.id }, 'operation over its cost budget (measure mode: answered)');
            return;
          }
          throw new GraphQLError(
            `The operation's estimated cost ${estimate} exceeds the budget ${profile.costBudget} of limit profile "${profile.id}": ask for fewer rows (first:) or fewer nested lists, or split the operation.`,
            { extensions: { code: COST_LIMIT_EXCEEDED_CODE, estimatedCost: estimate, costBudget: profile.costBudget, limitProfile: profile.id, http: { status: 400 } } },
          );
        },
        async willSendResponse(requestContext) {
          // Synchronous up to the end: the audit plugin's willSendResponse (registered after this
          // one) reads the usage in its own synchronous part.
          const context = requestContext.contextValue;
          const { body } = requestContext.response;
          const result = body.kind === 'single' ? body.singleResult : body.initialResult;
          context.usage.rowsReturned = result.data ? countObjects(result.data) : 0;
          const outcome = authorizationOutcomeOf(context);
          context.usage.personsReturned = outcome ? new Set(outcome.personIds).size : 0;
        },
      };
    },
  };
}

/** Objects in an answer below its root (each list element an object counts once): the actual cost. */
export function countObjects(data: unknown): number {
  let count = 0;
  const stack: unknown[] = [data];
  let root = true;
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      if (!root) count += 1;
      root = false;
      for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return count;
}
