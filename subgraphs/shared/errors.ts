import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { createLogger } from '../../lib/logger';
import { errorCause } from '../../lib/log-cause';
import { SUPPORT_MEASURE_RESTRICTED_CODE } from '../../lib/authorization/types';
import { STATISTICS_PERIOD_CODE } from './statistics';
import { RULE_WORKFLOW_CODES } from '../../lib/rule-versions/workflow';

const log = createLogger('subgraph');

/** Error codes a client may see from a subgraph; anything else is masked as INTERNAL_SERVER_ERROR. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'INVALID_INDIVIDUAL_NUMBER',
  'INVALID_LEGACY_DATE',
  'FORBIDDEN',
  SUPPORT_MEASURE_RESTRICTED_CODE,
  STATISTICS_PERIOD_CODE,
  'UNAUTHENTICATED',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  // Rule versions (lib/rule-versions/workflow.ts): refusals an officer's console acts on.
  ...Object.values(RULE_WORKFLOW_CODES),
]);

/** A client mistake with a clear message; safe to show (it never carries person data). */
export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}

/**
 * Row-level refusal (支援措置): the field of a person under a support measure is withheld from a
 * caller whose profile lacks `supportMeasureRecords`. The message names the field and the rule,
 * never the measure's kind or dates.
 */
export function supportMeasureRestricted(coordinate: string): GraphQLError {
  return new GraphQLError(
    `${coordinate} is withheld: this person is under a support measure (支援措置); only the roles named in rowRules.supportMeasure may see it`,
    { extensions: { code: SUPPORT_MEASURE_RESTRICTED_CODE, rule: 'rowRules.supportMeasure' } },
  );
}

/**
 * Masks unexpected errors: a database error can quote the SQL and its bound values, which may be
 * person data, so only errors raised deliberately with a known code keep their message.
 */
export function formatSubgraphError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code)) return formatted;
  const original = unwrapResolverError(error) as { code?: unknown } | undefined;
  if (original && typeof original.code === 'string' && CLIENT_CODES.has(original.code)) {
    return { ...formatted, extensions: { ...formatted.extensions, code: original.code } };
  }
  // At error level with its cause: class, code and the message's first line with quoted text and
  // digit runs masked (it may quote bound values: lib/log-cause.ts), never the stack.
  log.error({ path: formatted.path, error: errorCause(original ?? error) }, 'subgraph internal error');
  return { message: 'Internal error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
