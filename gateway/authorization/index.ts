/**
 * The gateway's first line of authorization: decide every requested field against the caller's
 * permission profile before planning, remove the refused ones, complete the answer against the
 * client's operation. See README.md in this folder.
 */
export { AuthorizingGateway, authorizationOutcomeOf, DEFAULT_DECISION_CACHE_SIZE } from './authorizing-gateway';
export type { AuthorizationOutcome } from './outcome';
export type { AuthorizationStats, AuthorizingGatewayOptions, ProfileCounts } from './authorizing-gateway';
export { completeResponse } from './complete';
export type { CompletionInput, CompletionResult, DeniedOccurrence } from './complete';
export { decideOperation } from './decide';
export type { FieldDenial, OperationDecision } from './decision';
export { principalOf } from './principal';
export { BudgetedPlanStore, DEFAULT_PLANNING_BUDGET, QUERY_PLAN_TOO_COMPLEX_CODE, budgetedPlannerConfig } from './planning-budget';
export type { PlanningBudget, PlanStatistics } from './planning-budget';
export { rewriteOperation, RESIDENT_PERSON_KEYS } from './rewrite';
export type { PersonKeys, PersonKeyKeys } from './rewrite';
export { AuthorizationContext } from './rule-context';
export { AUTHORIZATION_RULES, FieldClassificationRule, IntrospectionRule, decideField } from './rules';
export type { AuthorizationRule } from './rules';
export { walkOperation } from './walk';
