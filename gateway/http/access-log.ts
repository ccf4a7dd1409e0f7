import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { CLIENT_TEXT_LIMITS, cutClientText } from '../../lib/audit/limits';
import type { FieldClassification } from '../../lib/authorization/types';
import { errorCause } from '../../lib/log-cause';
import { HEALTH_PATH, READY_PATH } from '../../lib/subgraphs';
import { decisionOf } from '../audit/entry';
import { authorizationOutcomeOf } from '../authorization';
import type { GatewayContext } from '../context';
import { maybeRequestStateOf, type AccessFacts } from './request-state';

/**
 * One access line per request, for the operator (README "Logs"):
 *   {"level":30,"msg":"request","requestId":…,"method":"POST","path":"/graphql","status":200,
 *    "durationMs":12.3,"operationName":"ResidentCard","client":{"name":"madoguchi","version":"2.1"},
 *    "userId":"dev:registry-clerk","decision":"PARTIAL","errorCodes":["UNAUTHORIZED_FIELD_OR_TYPE"]}
 * `userId` is the token's subject (an account id, not a person's data). Never the query string, the
 * document, variables or a header value beyond the client's bounded name and version. A 5xx, or an
 * internal error inside an answer, is logged at error level with its cause (class, code, safe
 * message: lib/log-cause.ts); a FAILED decision otherwise at warn; health and IDE files at debug.
 */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const state = maybeRequestStateOf(req);
      const status = res.statusCode;
      const access: AccessFacts = state?.access ?? { operationName: null, decision: null, errorCodes: [], cause: null };
      access.settle?.();
      const decision = access.decision ?? (status >= 500 ? 'FAILED' : status >= 400 ? 'REFUSED' : null);
      const quiet = req.path === HEALTH_PATH || req.path === READY_PATH || req.path.startsWith('/ide/') || req.path.startsWith('/console/console.');
      const level = status >= 500 || access.cause !== null ? 'error' : decision === 'FAILED' ? 'warn' : quiet ? 'debug' : 'info';
      const client = state?.client;
      logger[level](
        {
          requestId: state?.requestId,
          method: req.method,
          // Path only: a GET operation's query string carries the document and variables.
          path: req.path,
          status,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          operationName: access.operationName,
          client: {
            name: client?.clientName ? cutClientText(client.clientName.value, CLIENT_TEXT_LIMITS.clientName) : null,
            version: client?.clientVersion ? cutClientText(client.clientVersion.value, CLIENT_TEXT_LIMITS.clientVersion) : null,
          },
          userId: state?.identity?.subject ?? null,
          decision,
          ...(access.errorCodes.length > 0 ? { errorCodes: access.errorCodes } : {}),
          ...(access.cause !== null ? { error: access.cause } : {}),
        },
        'request',
      );
    });
    next();
  };
}

/** Codes kept on the line: enough to tell what happened, bounded whatever the answer holds. */
const MAX_CODES = 5;

/**
 * Fills the access facts from Apollo Server's side: the operation's name, the decision (the audit
 * record's rule, gateway/audit/entry.ts), the answer's codes, and the cause of an internal error.
 */
export function accessFactsPlugin(classifications: () => ReadonlyMap<string, FieldClassification>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName }) {
          if (contextValue.access && operationName) contextValue.access.operationName = cutClientText(operationName, CLIENT_TEXT_LIMITS.operationName);
        },
        async didEncounterErrors({ contextValue, errors }) {
          const access = contextValue.access;
          if (!access || access.cause !== null) return;
          // An error the gateway did not mean to answer with: no code of its own, or a non-GraphQL error underneath.
          const internal = errors.find((error) => error.extensions?.['code'] === undefined || error.extensions['code'] === 'INTERNAL_SERVER_ERROR');
          if (internal) access.cause = errorCause(internal.originalError ?? internal);
        },
        async willSendResponse({ contextValue, response }) {
          const access = contextValue.access;
          if (!access) return;
          // Read when the line is written: the other plugins' hooks run beside this one and may still change the answer.
          access.settle = () => {
            const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
            const codes = (result.errors ?? []).map((error) => String(error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'));
            access.errorCodes = [...new Set(codes)].slice(0, MAX_CODES);
            access.decision = decisionOf(authorizationOutcomeOf(contextValue), codes, classifications());
          };
        },
      };
    },
  };
}
