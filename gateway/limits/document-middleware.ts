import { parse as parseUrl } from 'node:url';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { refuse } from '../http/refuse';
import type { DocumentBudgets } from './document-budgets';
import { checkDocument } from './document-check';
import { OPERATION_RESOLUTION_FAILURE, operationProblem } from './document-operation';
import { newWork, type DocumentWork } from './document-work';

/** What the guard has done since the gateway started: the tests' measure of bounded work. */
export interface DocumentGuardStats {
  readonly checked: number;
  readonly refused: number;
  /** Summed over every document checked. */
  readonly work: Readonly<DocumentWork>;
  /** The most recent document's work, and its length in characters. */
  readonly last: { readonly work: Readonly<DocumentWork>; readonly length: number } | undefined;
}

export interface DocumentGuard {
  /** After body parsing, before Apollo Server: refuses what does not fit, with HTTP 400. */
  readonly middleware: RequestHandler;
  stats(): DocumentGuardStats;
}

/**
 * The document budgets at the HTTP edge: the GraphQL text Apollo Server would run — a POST body's
 * `query`, or a GET's single `query` search parameter, read exactly as Apollo reads them — is
 * checked (gateway/limits/document-check.ts) BEFORE Apollo parses and validates it, because
 * graphql-js's own validation rules expand fragments and compare fields and are not all linear.
 * A refusal is HTTP 400 with `extensions.code` and is recorded by the audit middleware in front
 * (through `refuse`, gateway/http/refuse.ts), like every refusal before Apollo. A request without a query text is
 * left to Apollo Server, which refuses it with its own 400.
 */
export function documentGuard(budgets: DocumentBudgets): DocumentGuard {
  let checked = 0;
  let refused = 0;
  const total = newWork();
  let last: DocumentGuardStats['last'];

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'POST' && req.body === undefined) {
      // No JSON parser took the body (another content type): 415, as GraphQL over HTTP says (Apollo answered 400).
      refuse(req, res, { status: 415, code: 'BAD_REQUEST', reason: 'unsupported_media_type', message: 'POST a GraphQL request as application/json' });
      return;
    }
    if (asksForPersistedQuery(req)) {
      // Automatic persisted queries are off (server.ts); Apollo would say so with HTTP 200.
      refuse(req, res, { status: 400, code: 'PERSISTED_QUERY_NOT_SUPPORTED', reason: 'persisted_query', message: 'Persisted queries are not supported: send the query text' });
      return;
    }
    const request = graphQLRequestOf(req);
    if (request === undefined) {
      next();
      return;
    }
    const result = checkDocument(request.query, budgets);
    checked += 1;
    for (const key of ['tokens', 'nodes', 'edges'] as const) total[key] += result.work[key];
    last = { work: result.work, length: request.query.length };
    if (!result.ok) {
      refused += 1;
      const { code, reason, message, budget, limit } = result.refusal;
      refuse(req, res, { status: 400, code, reason, message, ...(budget !== undefined && limit !== undefined ? { extensions: { budget, limit } } : {}) });
      return;
    }
    const problem = operationProblem(result.document, request.operationName);
    if (problem !== undefined) {
      refused += 1;
      refuse(req, res, { status: 400, code: OPERATION_RESOLUTION_FAILURE, reason: 'operation_name', message: problem });
      return;
    }
    next();
  };

  return {
    middleware,
    stats: () => ({ checked, refused, work: { ...total }, last }),
  };
}

/** The query text and operation name Apollo Server will read, when they are well-formed strings. */
function graphQLRequestOf(req: Request): { query: string; operationName: string | undefined } | undefined {
  if (req.method === 'POST') {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const { query, operationName } = body as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string') return undefined;
    return { query, operationName: typeof operationName === 'string' ? operationName : undefined };
  }
  if (req.method === 'GET') {
    // As @as-integrations/express5 and Apollo Server read it: a parameter given twice is Apollo's 400.
    const search = searchOf(req);
    const queries = search.getAll('query');
    if (queries.length !== 1) return undefined;
    const names = search.getAll('operationName');
    return { query: queries[0]!, operationName: names.length === 1 ? names[0] : undefined };
  }
  return undefined;
}

/** Whether the request carries `extensions.persistedQuery` (POST body, or GET's JSON `extensions` parameter). */
function asksForPersistedQuery(req: Request): boolean {
  let extensions: unknown;
  if (req.method === 'POST') {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
    extensions = (body as { extensions?: unknown }).extensions;
  } else if (req.method === 'GET') {
    const values = searchOf(req).getAll('extensions');
    if (values.length !== 1) return false;
    try {
      extensions = JSON.parse(values[0]!);
    } catch {
      return false;
    }
  }
  return typeof extensions === 'object' && extensions !== null && 'persistedQuery' in extensions;
}

/** A GET's search parameters, parsed as @as-integrations/express5 hands them to Apollo Server. */
function searchOf(req: Request): URLSearchParams {
  return new URLSearchParams(parseUrl(req.url).search ?? '');
}
