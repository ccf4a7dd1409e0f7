import { parse as parseUrl } from 'node:url';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { documentHashOf, DOCUMENT_HASH } from '../../lib/trusted-documents/manifest';
import type { TrustedDocument } from '../../lib/trusted-documents/store';
import { refuse as refuseAtFront } from '../http/refuse';
import { requestStateOf } from '../http/request-state';
import type { TrustedDocumentsConfig } from './config';

/** The codes of this gate (README "Trusted documents"). */
export const TRUSTED_CODES = {
  notFound: 'PERSISTED_QUERY_NOT_FOUND',
  notTrusted: 'OPERATION_NOT_TRUSTED',
  hashMismatch: 'PERSISTED_QUERY_HASH_MISMATCH',
} as const;

/** What the gate can ask of the registry (lib/trusted-documents/store.ts). */
export interface TrustedDocumentLookup {
  find(hash: string): Promise<TrustedDocument | undefined>;
}

/** The document a request ran (or was refused for), as its audit record names it. */
export interface TrustedDocumentNote {
  readonly hash: string;
  /** `app@version` of the registration the request is attributed to; null when unregistered. */
  readonly app: string | null;
  readonly status: TrustedDocument['status'] | 'UNREGISTERED';
}

export interface TrustedDocumentGateStats {
  /** Registry reads (cache misses). */
  readonly lookups: number;
  readonly refused: number;
  /** Requests that ran a stored document by its id alone. */
  readonly byId: number;
}

export interface TrustedDocumentGate {
  readonly middleware: RequestHandler;
  stats(): TrustedDocumentGateStats;
}

const CACHE_ENTRIES = 1000;

/**
 * Trusted documents at the HTTP front, after the body parser and before the document budgets:
 *
 * - A request may name its document by id alone — `documentId` (GraphQL over HTTP persisted
 *   documents, as Hive: `sha256:<hex>` or `<hex>`) or `extensions.persistedQuery.sha256Hash`
 *   (Apollo) — and the registry's text takes the place of `query`, so the budgets, validation
 *   and rules that follow judge the stored text. An unknown id is 400 PERSISTED_QUERY_NOT_FOUND;
 *   clients never register anything (no automatic persisted queries).
 * - An id sent together with a text that does not hash to it is 400
 *   PERSISTED_QUERY_HASH_MISMATCH; a stored text that no longer hashes to its id (changed in the
 *   database) is 403 OPERATION_NOT_TRUSTED, in every mode.
 * - A text sent without an id is looked up by its sha256 (unless the mode is `off`).
 * - `enforce`: a document not APPROVED is 403 OPERATION_NOT_TRUSTED (`reason`: not_registered,
 *   not_approved, rejected); `audit`: it runs and its record says so; `off`: it runs.
 * Refusals are recorded REFUSED by the audit middleware in front, naming the document.
 */
export function trustedDocumentGate(config: TrustedDocumentsConfig, lookup: TrustedDocumentLookup | undefined, logger: Logger): TrustedDocumentGate {
  let lookups = 0;
  let refused = 0;
  let byId = 0;
  // Approved documents only: a rejection reaches this replica within cacheMs.
  const cache = new Map<string, { document: TrustedDocument; until: number }>();

  const find = async (hash: string): Promise<TrustedDocument | undefined> => {
    const cached = cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.document;
    cache.delete(hash);
    if (!lookup) return undefined;
    lookups += 1;
    const document = await lookup.find(hash);
    if (document?.status === 'APPROVED' && config.cacheMs > 0) {
      cache.set(hash, { document, until: Date.now() + config.cacheMs });
      if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    }
    return document;
  };

  const refuse = (req: Request, res: Response, status: 400 | 403, code: string, reason: string, message: string): void => {
    refused += 1;
    refuseAtFront(req, res, { status, code, reason, message });
  };

  const handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const request = readRequest(req);
    if (request === undefined) {
      next();
      return;
    }
    if (request.problem) {
      refuse(req, res, 400, TRUSTED_CODES.notFound, 'malformed_document_id', request.problem);
      return;
    }
    const { id, query } = request;
    if (id !== undefined && query !== undefined && documentHashOf(query) !== id) {
      refuse(req, res, 400, TRUSTED_CODES.hashMismatch, 'hash_mismatch', 'The query text does not hash to the document id sent with it');
      return;
    }
    if (id === undefined && (query === undefined || config.mode === 'off')) {
      next();
      return;
    }
    const hash = id ?? documentHashOf(query!);
    const document = await find(hash);
    const state = requestStateOf(req).audit;
    state.trustedDocument = { hash, app: document ? attributedApp(document, req) : null, status: document?.status ?? 'UNREGISTERED' };
    if (document && documentHashOf(document.document) !== hash) {
      // The registry's text was changed after it was registered: nobody approved this text.
      logger.error({ hash }, 'trusted document: the stored text does not hash to its id');
      refuse(req, res, 403, TRUSTED_CODES.notTrusted, 'stored_hash_mismatch', 'The registered document was changed after registration: it is not trusted');
      return;
    }
    if (id !== undefined && query === undefined) {
      if (!document) {
        refuse(req, res, 400, TRUSTED_CODES.notFound, 'not_registered', 'No registered document has this id: register the app (npm run app:register) or send the query text');
        return;
      }
    }
    if (document?.status !== 'APPROVED' && config.mode === 'enforce') {
      const reason = !document ? 'not_registered' : document.status === 'REJECTED' ? 'rejected' : 'not_approved';
      const message = !document
        ? 'This operation is not a registered document of an app: only approved documents run here'
        : document.status === 'REJECTED'
          ? 'A security officer rejected this document'
          : 'This document awaits a security officer\'s approval';
      refuse(req, res, 403, TRUSTED_CODES.notTrusted, reason, message);
      return;
    }
    if (id !== undefined && query === undefined && document) {
      byId += 1;
      substituteQuery(req, document.document);
    }
    next();
  };

  return {
    middleware: (req, res, next) => {
      handle(req, res, next).catch(next);
    },
    stats: () => ({ lookups, refused, byId }),
  };
}

interface ReadRequest {
  readonly id?: string;
  readonly query?: string;
  readonly problem?: string;
}

/**
 * The document id and query text of a POST body or GET parameters; removes the id members so
 * Apollo Server (which has APQ off) never sees them. undefined: not a GraphQL request shape.
 */
function readRequest(req: Request): ReadRequest | undefined {
  if (req.method === 'POST') {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const record = body as Record<string, unknown>;
    const ids = idsOf(record['documentId'], record['extensions']);
    delete record['documentId'];
    if (typeof record['extensions'] === 'object' && record['extensions'] !== null) {
      delete (record['extensions'] as Record<string, unknown>)['persistedQuery'];
    }
    return withQuery(ids, typeof record['query'] === 'string' ? record['query'] : undefined);
  }
  if (req.method === 'GET') {
    const search = new URLSearchParams(parseUrl(req.url).search ?? '');
    const documentIds = search.getAll('documentId');
    const extensionValues = search.getAll('extensions');
    let extensions: unknown;
    if (extensionValues.length === 1) {
      try {
        extensions = JSON.parse(extensionValues[0]!);
      } catch {
        extensions = undefined;
      }
    }
    if (documentIds.length > 1) return { problem: 'documentId given more than once' };
    const ids = idsOf(documentIds[0], extensions);
    if (ids.problem || ids.id === undefined) {
      const queries = search.getAll('query');
      return withQuery(ids, queries.length === 1 ? queries[0] : undefined);
    }
    // Rewritten below (substituteQuery) once the id is known; the id members go now.
    search.delete('documentId');
    if (typeof extensions === 'object' && extensions !== null && 'persistedQuery' in extensions) {
      const { persistedQuery: _dropped, ...rest } = extensions as Record<string, unknown>;
      if (Object.keys(rest).length > 0) search.set('extensions', JSON.stringify(rest));
      else search.delete('extensions');
    }
    const queries = search.getAll('query');
    rewriteSearch(req, search);
    return withQuery(ids, queries.length === 1 ? queries[0] : undefined);
  }
  return undefined;
}

function withQuery(ids: { id?: string; problem?: string }, query: string | undefined): ReadRequest {
  if (ids.problem) return { problem: ids.problem };
  return { ...(ids.id !== undefined ? { id: ids.id } : {}), ...(query !== undefined ? { query } : {}) };
}

/** `documentId` and/or `extensions.persistedQuery`: one id (both must agree), or a problem. */
function idsOf(documentId: unknown, extensions: unknown): { id?: string; problem?: string } {
  const ids: string[] = [];
  if (documentId !== undefined) {
    const id = typeof documentId === 'string' ? hashOfId(documentId) : undefined;
    if (id === undefined) return { problem: 'documentId must be "sha256:<64 hex digits>" (or the 64 hex digits alone)' };
    ids.push(id);
  }
  if (typeof extensions === 'object' && extensions !== null && 'persistedQuery' in extensions) {
    const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
    const hash = typeof persisted === 'object' && persisted !== null ? (persisted as { sha256Hash?: unknown; version?: unknown }) : undefined;
    const id = hash && hash.version === 1 && typeof hash.sha256Hash === 'string' ? hashOfId(hash.sha256Hash) : undefined;
    if (id === undefined) return { problem: 'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 hex digits>" }' };
    ids.push(id);
  }
  if (ids.length === 2 && ids[0] !== ids[1]) return { problem: 'documentId and extensions.persistedQuery name different documents' };
  return ids.length > 0 ? { id: ids[0]! } : {};
}

function hashOfId(value: string): string | undefined {
  const hex = value.startsWith('sha256:') ? value.slice('sha256:'.length) : value;
  return DOCUMENT_HASH.test(hex) ? hex : undefined;
}

/** The stored text becomes the request's query, where Apollo Server (and the budgets) read it. */
function substituteQuery(req: Request, document: string): void {
  if (req.method === 'POST') {
    (req.body as Record<string, unknown>)['query'] = document;
    return;
  }
  const search = new URLSearchParams(parseUrl(req.url).search ?? '');
  search.set('query', document);
  rewriteSearch(req, search);
}

function rewriteSearch(req: Request, search: URLSearchParams): void {
  const pathname = parseUrl(req.url).pathname ?? '';
  const text = search.toString();
  req.url = text === '' ? pathname : `${pathname}?${text}`;
}

/**
 * The registration a request is attributed to: the app version the client names
 * (apollographql-client-name / -version) when it registered this document, else the newest.
 */
function attributedApp(document: TrustedDocument, req: Request): string | null {
  if (document.apps.length === 0) return null;
  const name = header(req, 'apollographql-client-name') ?? header(req, 'x-client-name');
  const version = header(req, 'apollographql-client-version') ?? header(req, 'x-client-version');
  const claimed = document.apps.find((app) => app.app === name && (version === undefined || app.version === version));
  const app = claimed ?? document.apps[document.apps.length - 1]!;
  return `${app.app}@${app.version}`;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
