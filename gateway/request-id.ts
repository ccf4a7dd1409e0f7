import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { createRequestState, requestStateOf } from './http/request-state';

/** The header that carries the gateway's request id: in its response, and to the subgraphs (subgraph-data-source.ts). */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Gives every request an id the gateway generates (a random UUID), returned in the response's
 * X-Request-Id so a caller can quote it to support, sent to the subgraphs, and recorded as the
 * audit record's `requestId`. A client's own X-Request-Id is never taken for it (a reused or
 * forged id would make two requests one in the trail): the trail keeps it apart, as the client's
 * claim (`claimedRequestId`, gateway/audit/client-text.ts). First on every path: it creates the
 * request's state (gateway/http/request-state.ts), which carries the id.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const id = randomUUID();
  createRequestState(req, id);
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

export function requestIdOf(req: Request): string {
  return requestStateOf(req).requestId;
}
