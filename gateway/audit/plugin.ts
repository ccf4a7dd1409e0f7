import type { ApolloServerPlugin } from '@apollo/server';
import type { FieldClassification } from '../../lib/authorization/types';
import { AUDIT_UNAVAILABLE_CODE } from '../../lib/audit/types';
import { authorizationOutcomeOf } from '../authorization';
import type { GatewayContext } from '../context';
import { CLIENT_TEXT_LIMITS, cutClientText } from '../../lib/audit/limits';
import { documentOperationNameError } from './client-text';
import { errorCause } from '../../lib/log-cause';
import { operationEntry, reachOf } from './entry';
import type { AuditWriter } from './writer';
import type { PersonAttribution } from './attribution';

export interface AuditPluginOptions {
  readonly writer: AuditWriter;
  /** Classifications of the supergraph in force. */
  readonly classifications: () => ReadonlyMap<string, FieldClassification>;
  /** Resolves, after the response, the persons an entry names by reference (attribution.ts). */
  readonly attribution?: Pick<PersonAttribution, 'attributeLater'>;
}

export const AUDIT_UNAVAILABLE_MESSAGE = 'The access could not be recorded in the audit trail: person data is withheld. Try again later.';

/**
 * Writes each operation's audit entry before its response leaves (willSendResponse is awaited
 * by Apollo Server before the body is serialized and sent).
 *
 * - Audited: every operation that asked for a classified coordinate (granted or denied,
 *   statistics included) and every operation that failed (parse, validation, execution);
 *   not audited: an operation that succeeded asking only for introspection or `__typename`.
 * - Fail closed: when the entry cannot be written and the operation was granted a person-level
 *   coordinate (any @policy other than `statistics`), the whole `data` is withheld: `data: null`,
 *   one AUDIT_UNAVAILABLE error, HTTP 503 with Retry-After. Nothing of the answer is left, so
 *   503 rather than 200 (the request can be retried as is). A statistics-only operation goes on
 *   (its missing entry is logged as an error).
 */
export function auditPlugin(options: AuditPluginOptions): ApolloServerPlugin<GatewayContext> {
  const { writer, classifications } = options;
  return {
    async requestDidStart() {
      let operationName: string | null = null;
      return {
        async didResolveOperation(requestContext) {
          const name = requestContext.operationName ?? null;
          // The name in the document is the client's text too: bounded before it is recorded
          // (the body's operationName was checked by clientTextMiddleware).
          operationName = name === null ? null : cutClientText(name, CLIENT_TEXT_LIMITS.operationName);
          const refused = documentOperationNameError(name);
          if (refused) throw refused;
        },
        async willSendResponse(requestContext) {
          const context = requestContext.contextValue;
          if (context.audit.handled) return;
          context.audit.handled = true;
          const { body } = requestContext.response;
          const result = body.kind === 'single' ? body.singleResult : body.initialResult;
          const errorCodes = (result.errors ?? []).map((error) => String(error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'));
          const outcome = authorizationOutcomeOf(context);
          const current = classifications();
          const reach = reachOf(outcome, current);
          if (!reach.classified && errorCodes.length === 0) return;
          const entry = operationEntry({
            context,
            outcome,
            classifications: current,
            operationName: operationName ?? (typeof requestContext.request.operationName === 'string' ? cutClientText(requestContext.request.operationName, CLIENT_TEXT_LIMITS.operationName) : null),
            source: requestContext.source ?? requestContext.request.query,
            errorCodes,
          });
          try {
            await writer.write(entry);
          } catch (error) {
            // The cause (class, code, safe message) for the operator, here and on the request's access line.
            const cause = errorCause(error);
            if (context.access && context.access.cause === null) context.access.cause = cause;
            if (!reach.personData) {
              context.logger.error({ decision: entry.decision, error: cause }, 'audit entry not written; the operation reads no person data and goes on');
              return;
            }
            context.logger.error({ decision: entry.decision, persons: entry.personIds.length, error: cause }, 'audit entry not written: person data withheld (fail closed)');
            const withheld = { data: null, errors: [{ message: AUDIT_UNAVAILABLE_MESSAGE, extensions: { code: AUDIT_UNAVAILABLE_CODE, requestId: context.requestId } }] };
            if (body.kind === 'single') body.singleResult = withheld;
            else requestContext.response.body = { kind: 'single', singleResult: withheld };
            requestContext.response.http.status = 503;
            requestContext.response.http.headers.set('retry-after', '5');
            requestContext.response.http.headers.set('cache-control', 'no-store');
            return;
          }
          // Committed: the persons it names by 住民票コード get their 宛名番号 in a linked record, off this response's path.
          options.attribution?.attributeLater(entry);
        },
      };
    },
  };
}
