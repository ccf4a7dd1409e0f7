import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { REQUEST_ID_HEADER } from './subgraph-data-source';

const requestIds = new WeakMap<Request, string>();
/** A proxy's id is kept for correlation only if it cannot smuggle anything into logs. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Gives every request an id, echoed in the response so a caller can quote it to support. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  requestIds.set(req, id);
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

export function requestIdOf(req: Request): string {
  const id = requestIds.get(req);
  if (id === undefined) throw new Error('request id middleware did not run for this request');
  return id;
}
