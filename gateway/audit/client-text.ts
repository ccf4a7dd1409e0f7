import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { CLIENT_TEXT_LIMITS, clientTextProblem, cutClientText, type ClientTextMember, type TextProblem } from '../../lib/audit/limits';

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

/** The client's texts as the trail records them: valid ones as sent, others cut (null when absent). */
export interface ClaimedTexts {
  readonly claimedRequestId: string | null;
  readonly clientName: string | null;
  readonly clientVersion: string | null;
  readonly caseReference: string | null;
  readonly operationName: string | null;
}

interface HeaderRule {
  /** Lower-case header names, first present wins (as the authenticator reads them). */
  readonly headers: readonly string[];
  readonly member: ClientTextMember;
}

const HEADER_RULES: readonly HeaderRule[] = [
  { headers: ['x-request-id'], member: 'claimedRequestId' },
  { headers: ['apollographql-client-name', 'x-client-name'], member: 'clientName' },
  { headers: ['apollographql-client-version', 'x-client-version'], member: 'clientVersion' },
  { headers: ['x-case-id'], member: 'caseReference' },
];

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

function headerValue(req: Request, name: string): string | undefined {
  const raw = req.headers[name];
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  return value === undefined ? undefined : value.trim();
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
export function headerRefusal(req: Request, member: ClientTextMember): ClientTextRefusal | null {
  const limit = CLIENT_TEXT_LIMITS[member];
  for (const rule of HEADER_RULES) {
    if (rule.member !== member) continue;
    for (const name of rule.headers) {
      const value = headerValue(req, name);
      if (value === undefined || value === '') continue;
      const problem = headerProblem(value, limit);
      if (problem) return { field: DISPLAY[name] ?? name, problem, limit };
    }
  }
  return null;
}

/** The first client text of the request the trail may not take, or null. */
export function clientTextRefusal(req: Request): ClientTextRefusal | null {
  for (const rule of HEADER_RULES) {
    const refusal = headerRefusal(req, rule.member);
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

function cutHeader(req: Request, rule: HeaderRule): string | null {
  for (const name of rule.headers) {
    const value = headerValue(req, name);
    if (value === undefined || value === '') continue;
    // Latin-1 read bytes beyond ASCII become U+FFFD, as controls do: the trail keeps only text meant as such.
    return cutClientText(value, CLIENT_TEXT_LIMITS[rule.member]).replace(/[^\x20-\x7e]/g, '\ufffd');
  }
  return null;
}

/** What the trail records of the client's texts: each one valid as sent, or cut to its limit and made well-formed. */
export function claimedTextsOf(req: Request): ClaimedTexts {
  const [requestId, name, version, caseReference] = HEADER_RULES.map((rule) => cutHeader(req, rule));
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

/** The refusal's GraphQL error body (never the value itself). */
export function clientTextErrorBody(refusal: ClientTextRefusal): string {
  return JSON.stringify({
    errors: [
      {
        message: clientTextMessage(refusal),
        extensions: { code: INVALID_CLIENT_TEXT_CODE, reason: `${refusal.field} ${refusal.problem}`, field: refusal.field, limit: refusal.limit },
      },
    ],
  });
}

/**
 * On the GraphQL path after the body is parsed: refuses (400 INVALID_CLIENT_TEXT) a request whose
 * client texts the trail may not take. auditRefusalsMiddleware records the refusal.
 */
export function clientTextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const refusal = clientTextRefusal(req);
  if (!refusal) {
    next();
    return;
  }
  refuseClientText(req, res, refusal);
}

/** Sends the 400 INVALID_CLIENT_TEXT answer. */
export function refuseClientText(req: Request, res: Response, refusal: ClientTextRefusal): void {
  res.setHeader('Cache-Control', 'no-store');
  const type =
    req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json'
      ? 'application/graphql-response+json; charset=utf-8'
      : 'application/json; charset=utf-8';
  res.status(400).type(type).send(clientTextErrorBody(refusal));
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
