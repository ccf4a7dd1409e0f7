import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { CLIENT_TEXT_LIMITS, clientTextProblem, cutClientText, type TextProblem } from '../../lib/audit/limits';
import type { ClaimedTexts } from '../context';
import type { ClientHeader, ClientHeaders } from '../http/client-headers';
import { refuse } from '../http/refuse';
import { requestStateOf } from '../http/request-state';

/**
 * What the client CLAIMS, checked before it reaches the audit trail (監査証跡): the texts a caller
 * chooses and the trail keeps — the operation's name, the client's name and version, the case
 * reference (X-Case-Id) and its own request id (X-Request-Id). Each has a limit and a character
 * set (lib/audit/limits.ts); outside them the request is refused with HTTP 400
 * INVALID_CLIENT_TEXT naming the header or field, and the refusal is recorded with the value cut
 * to its limit and made well-formed (`claimedTextsOf`). The trail keeps these as claims: nothing
 * verifies that a case "APPROVED BY DIRECTOR" was approved; the gateway's own facts (who, by the
 * signed token; its own request id; what was granted) are separate members of the record.
 */
export const INVALID_CLIENT_TEXT_CODE = 'INVALID_CLIENT_TEXT';

export type { ClaimedTexts } from '../context';

/** The client headers the trail keeps, in the order they are checked (read once: gateway/http/client-headers.ts). */
type HeaderMember = 'claimedRequestId' | 'clientName' | 'clientVersion' | 'caseReference';
const HEADER_MEMBERS: readonly HeaderMember[] = ['claimedRequestId', 'clientName', 'clientVersion', 'caseReference'];

/** Header names as the refusal names them. */
const DISPLAY: Record<string, string> = {
  'x-request-id': 'X-Request-Id',
  'apollographql-client-name': 'apollographql-client-name',
  'x-client-name': 'X-Client-Name',
  'apollographql-client-version': 'apollographql-client-version',
  'x-client-version': 'X-Client-Version',
  'x-case-id': 'X-Case-Id',
};

/** A GraphQL Name (spec §2.1.9): any other operationName can never name an operation. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

type Problem = TextProblem | 'not_printable_ascii' | 'not_a_graphql_name';

export interface ClientTextRefusal {
  /** The header or body field, as the client sent it. */
  readonly field: string;
  readonly problem: Problem;
  readonly limit: number;
}

/**
 * An HTTP header carries bytes, which Node reads as Latin-1: only printable ASCII (U+0020–U+007E)
 * is text a client meant (a kanji case number arrives as mojibake, a CR or NUL as a forgery).
 */
function headerProblem(value: string, limit: number): Problem | null {
  return clientTextProblem(value, limit) ?? (/^[\x20-\x7e]*$/.test(value) ? null : 'not_printable_ascii');
}

function clientHeadersOf(req: Request): ClientHeaders {
  return requestStateOf(req).client;
}

/** The request's operationName: the JSON body's (POST) or the query string's (GET); a batch's first refused one. */
function operationNames(req: Request): unknown[] {
  const body: unknown = req.body;
  const fromBody = Array.isArray(body) ? body : body !== null && typeof body === 'object' ? [body] : [];
  const names = fromBody.map((operation) => (operation !== null && typeof operation === 'object' ? (operation as Record<string, unknown>)['operationName'] : undefined));
  const query = req.query?.['operationName'];
  if (query !== undefined) names.push(Array.isArray(query) ? query.join(',') : query);
  return names.filter((name) => name !== undefined && name !== null);
}

export function operationNameProblem(name: string): Problem | null {
  const limit = CLIENT_TEXT_LIMITS.operationName;
  return clientTextProblem(name, limit) ?? (GRAPHQL_NAME.test(name) ? null : 'not_a_graphql_name');
}

/** Why a header of the member may not be recorded, or null. */
export function headerRefusal(req: Request, member: HeaderMember): ClientTextRefusal | null {
  const limit = CLIENT_TEXT_LIMITS[member];
  const sent = clientHeadersOf(req)[member];
  if (sent === null) return null;
  const problem = headerProblem(sent.value, limit);
  return problem ? { field: DISPLAY[sent.header] ?? sent.header, problem, limit } : null;
}

/** The first client text of the request the trail may not take, or null. */
export function clientTextRefusal(req: Request): ClientTextRefusal | null {
  for (const member of HEADER_MEMBERS) {
    const refusal = headerRefusal(req, member);
    if (refusal) return refusal;
  }
  for (const name of operationNames(req)) {
    // A name of another type is Apollo's to refuse (400); it never reaches the trail.
    if (typeof name !== 'string') continue;
    const problem = operationNameProblem(name);
    if (problem) return { field: 'operationName', problem, limit: CLIENT_TEXT_LIMITS.operationName };
  }
  return null;
}

function cutHeader(sent: ClientHeader | null, member: HeaderMember): string | null {
  if (sent === null) return null;
  // Latin-1 read bytes beyond ASCII become U+FFFD, as controls do: the trail keeps only text meant as such.
  return cutClientText(sent.value, CLIENT_TEXT_LIMITS[member]).replace(/[^\x20-\x7e]/g, '\ufffd');
}

/** What the trail records of the client's texts: each one valid as sent, or cut to its limit and made well-formed. */
export function claimedTextsOf(req: Request): ClaimedTexts {
  const sent = clientHeadersOf(req);
  const [requestId, name, version, caseReference] = HEADER_MEMBERS.map((member) => cutHeader(sent[member], member));
  const operationName = operationNames(req).find((value): value is string => typeof value === 'string');
  return {
    claimedRequestId: requestId ?? null,
    clientName: name ?? null,
    clientVersion: version ?? null,
    caseReference: caseReference ?? null,
    operationName: operationName === undefined ? null : cutClientText(operationName, CLIENT_TEXT_LIMITS.operationName),
  };
}

export function clientTextMessage(refusal: ClientTextRefusal): string {
  const what: Record<Problem, string> = {
    too_long: `is longer than ${refusal.limit} characters`,
    not_well_formed: 'is not well-formed Unicode (a lone surrogate)',
    control_character: 'holds a control character',
    not_printable_ascii: 'holds a character other than printable ASCII',
    not_a_graphql_name: 'is not a GraphQL name',
  };
  return `${refusal.field} ${what[refusal.problem]}: it is recorded in the audit trail and must be at most ${refusal.limit} characters of its character set`;
}

/**
 * On the GraphQL path after the body is parsed: refuses (400 INVALID_CLIENT_TEXT) a request whose
 * client texts the trail may not take. `refuse` records the refusal.
 */
export function clientTextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const refusal = clientTextRefusal(req);
  if (!refusal) {
    next();
    return;
  }
  refuseClientText(req, res, refusal);
}

/** Refuses with 400 INVALID_CLIENT_TEXT, naming the header or field (never the value itself). */
export function refuseClientText(req: Request, res: Response, refusal: ClientTextRefusal): void {
  refuse(req, res, {
    status: 400,
    code: INVALID_CLIENT_TEXT_CODE,
    reason: `${refusal.field} ${refusal.problem}`,
    message: clientTextMessage(refusal),
    extensions: { field: refusal.field, limit: refusal.limit },
  });
}

/**
 * The operation's name as the document gives it (when the body named none): a GraphQL name, but
 * of any length. Refused over the limit, from the audit plugin (the operation is not executed).
 */
export function documentOperationNameError(name: string | null | undefined): GraphQLError | null {
  if (name === null || name === undefined) return null;
  const problem = operationNameProblem(name);
  if (!problem) return null;
  const refusal: ClientTextRefusal = { field: 'operationName', problem, limit: CLIENT_TEXT_LIMITS.operationName };
  return new GraphQLError(clientTextMessage(refusal), {
    extensions: { code: INVALID_CLIENT_TEXT_CODE, reason: `operationName ${problem}`, field: 'operationName', limit: refusal.limit, http: { status: 400 } },
  });
}
