import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { PolicySet } from '../../lib/policy/types';
import { APPROVAL_ID, approvalRefusal, BULK_CODES, type ApprovalRefusalCode } from '../../lib/bulk/approvals';
import { dayOf, type BulkLedger, type ChargeResult } from '../../lib/bulk/ledger';
import { authorizationOutcomeOf } from '../authorization';
import type { GatewayContext } from '../context';

/** The header naming the approval (端末機管理責任者の承認) a request relies on. */
export const BULK_APPROVAL_HEADER = 'x-bulk-approval';

export interface BulkOutputPluginOptions {
  readonly ledger: BulkLedger;
  readonly rules: () => PolicySet;
  /** The clock (tests pin it); default the system's. */
  readonly now?: () => Date;
}

const MESSAGES: Record<ApprovalRefusalCode | typeof BULK_CODES.exceeded | typeof BULK_CODES.required, string> = {
  [BULK_CODES.required]: "Bulk output needs the terminal manager's prior approval (大量出力には端末機管理責任者の事前承認が必要です): this answer would pass today's budget of distinct persons for the purpose; send X-Bulk-Approval with an approval issued to you",
  [BULK_CODES.unknown]: 'X-Bulk-Approval names no approval',
  [BULK_CODES.otherUser]: 'X-Bulk-Approval names an approval issued to another user',
  [BULK_CODES.otherPurpose]: 'X-Bulk-Approval names an approval for another purpose (事務)',
  [BULK_CODES.notYetValid]: 'X-Bulk-Approval names an approval whose period has not begun',
  [BULK_CODES.expired]: 'X-Bulk-Approval names an approval whose period has ended',
  [BULK_CODES.withdrawn]: 'X-Bulk-Approval names an approval that was withdrawn',
  [BULK_CODES.exceeded]: "This answer would pass the approval's maximum number of persons: ask the terminal manager for a new approval",
};

function bulkError(code: string, status: number, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status } } });
}

/**
 * Bulk output only with prior approval (promise 7; policy/bulk-output.yaml).
 *
 * - Before execution (didResolveOperation): an X-Bulk-Approval header must name an approval that
 *   this user may use for this purpose now (else 400 BULK_APPROVAL_MALFORMED, or 403 with the
 *   reason's code), so a bad approval costs no subgraph call.
 * - After execution, before the answer leaves (executionDidEnd, before the audit plugin writes
 *   the entry): the persons the answer carries (the audit's 宛名番号, authorizationOutcomeOf) are
 *   charged to the user's day for the purpose, or to the approval, in one locked transaction
 *   (lib/bulk/ledger.ts): exact, and shared by every replica. Over the budget (or the approval's
 *   maximum) the whole answer is withheld — `data: null`, one error, HTTP 403, as the audit's
 *   fail-closed withholds it — and nothing is counted. The ledger unreachable → 503
 *   BULK_COUNT_UNAVAILABLE, data withheld (fail closed).
 * The count is exact, not an estimate, so reading the same persons again stays possible after the
 * budget is spent; bounding the work a request may cause is the cost and rate limits' job.
 */
export function bulkOutputPlugin(options: BulkOutputPluginOptions): ApolloServerPlugin<GatewayContext> {
  const { ledger, rules } = options;
  const now = options.now ?? (() => new Date());
  return {
    async requestDidStart(start) {
      const header = start.request.http?.headers.get(BULK_APPROVAL_HEADER) ?? null;
      let approvalId: string | null = null;
      return {
        async didResolveOperation(requestContext) {
          if (header === null) return;
          const context = requestContext.contextValue;
          const value = header.trim().toLowerCase();
          if (!APPROVAL_ID.test(value)) throw bulkError(BULK_CODES.malformed, 400, 'X-Bulk-Approval must be one approval id (a UUID)');
          approvalId = value;
          context.audit.bulkApprovalId = value;
          let approval;
          try {
            approval = await ledger.approval(value);
          } catch {
            context.logger.error('bulk-output ledger unreachable: approval not checked');
            throw bulkError(BULK_CODES.unavailable, 503, 'Bulk-output approvals cannot be checked now. Try again later.');
          }
          const refusal = approvalRefusal(approval, context.identity.subject, context.identity.purpose, now());
          if (refusal) throw bulkError(refusal, 403, MESSAGES[refusal]);
        },
        async executionDidStart(requestContext) {
          return {
            async executionDidEnd(error) {
              if (error) return;
              await charge(requestContext, approvalId);
            },
          };
        },
      };
    },
  };

  async function charge(requestContext: GraphQLRequestContext<GatewayContext>, approvalId: string | null): Promise<void> {
    const context = requestContext.contextValue;
    const persons = authorizationOutcomeOf(context)?.personIds ?? [];
    if (persons.length === 0) return;
    const bulk = rules().bulkOutput;
    const purpose = context.identity.purpose;
    const at = now();
    let result: ChargeResult;
    try {
      result = await ledger.charge({
        subject: context.identity.subject,
        purpose,
        day: dayOf(at, bulk.utcOffsetMinutes),
        personIds: persons,
        budget: bulk.purposes.get(purpose)?.personsPerDay ?? bulk.defaultPersonsPerDay,
        approvalId,
        at,
      });
    } catch {
      context.logger.error({ persons: persons.length }, 'bulk-output ledger unreachable: person data withheld (fail closed)');
      withhold(requestContext, 503, { message: 'The persons in this answer cannot be counted now (bulk-output ledger): person data is withheld. Try again later.', extensions: { code: BULK_CODES.unavailable } });
      return;
    }
    if (result.ok) return;
    context.logger.warn({ code: result.code, used: result.used, limit: result.limit, fresh: result.fresh }, 'bulk output refused: person data withheld');
    const counts = result.code === BULK_CODES.required || result.code === BULK_CODES.exceeded ? { limit: result.limit, used: result.used, requested: result.fresh } : {};
    withhold(requestContext, 403, { message: MESSAGES[result.code], extensions: { code: result.code, ...counts } });
  }
}

/** The whole answer replaced by one error: no person data leaves, none is named as returned. */
function withhold(requestContext: GraphQLRequestContext<GatewayContext>, status: number, error: { message: string; extensions: Record<string, unknown> }): void {
  const context = requestContext.contextValue;
  context.audit.personsWithheld = true;
  requestContext.response.body = { kind: 'single', singleResult: { data: null, errors: [{ message: error.message, extensions: { ...error.extensions, requestId: context.requestId } }] } };
  requestContext.response.http.status = status;
  requestContext.response.http.headers.set('cache-control', 'no-store');
}
