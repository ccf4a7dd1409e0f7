import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** The header that carries the gateway's request id: in its response, and to the subgraphs (subgraph-data-source.ts). */
export const REQUEST_ID_HEADER = 'x-request-id';

const requestIds = new WeakMap<Request, string>();

/**
 * Gives every request an id the gateway generates (a random UUID), returned in the response's
 * X-Request-Id so a caller can quote it to support, sent to the subgraphs, and recorded as the
 * audit record's `requestId`. A client's own X-Request-Id is never taken for it (a reused or
 * forged id would make two requests one in the trail): the trail keeps it apart, as the client's
 * claim (`claimedRequestId`, gateway/audit/client-text.ts).
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const id = randomUUID();
  requestIds.set(req, id);
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

export function requestIdOf(req: Request): string {
  const id = requestIds.get(req);
  if (id === undefined) throw new Error('request id middleware did not run for this request');
  return id;
}
