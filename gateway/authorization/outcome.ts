import type { DeniedOccurrence } from './complete';
import type { OperationDecision } from './decision';

/**
 * What the first line decided for one request, for the plugins that come after it (cost, bulk
 * output, the audit trail): kept in the request's context (`GatewayContext.results`).
 */
export interface AuthorizationOutcome {
  readonly decision: OperationDecision;
  /** The refused fields the client asked for, with their response paths (after @include/@skip). */
  readonly denied: readonly DeniedOccurrence[];
  /** Keys (宛名番号) of the persons whose fields the response carries (with `personKeys`). */
  readonly personIds: readonly string[];
}
