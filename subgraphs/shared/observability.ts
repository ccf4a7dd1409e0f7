/**
 * A subgraph's side of readiness and tracing.
 *
 * `/readyz`: the subgraph's database answers (a `SELECT 1`, bounded in time); 503 naming it
 * otherwise. `/healthz` stays "the process lives".
 *
 * Tracing: a request continues the trace of the gateway's call (`traceparent`, W3C), in a span
 * `subgraph.request` naming the subgraph. Only the gateway's context is continued: the identity
 * check refuses anyone else's request before any resolver runs. No SDK is installed here unless
 * the process configures a collector (lib/tracing.ts); without one the span is a no-op.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import type { SubgraphName } from '../../lib/subgraphs';

const DATABASE_TIMEOUT_MS = 2000;
/** A result is reused this long, and concurrent probes share one query: a flood of /readyz is not a flood of queries. */
const CACHE_MS = 1000;

type DatabaseStatus = 'ok' | 'timeout' | 'unreachable';

export function subgraphReadiness(name: SubgraphName, db: Knex): RequestHandler {
  let cached: { status: DatabaseStatus; durationMs: number; at: number } | undefined;
  let running: Promise<{ status: DatabaseStatus; durationMs: number; at: number }> | undefined;
  const probe = () => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      db.raw('SELECT 1').then(() => 'ok' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), DATABASE_TIMEOUT_MS))),
    ])
      .catch(() => 'unreachable' as const)
      .then((status) => {
        clearTimeout(timer);
        cached = { status, durationMs: Date.now() - started, at: Date.now() };
        return cached;
      });
  };
  return (_req: Request, res: Response) => {
    const current = cached && Date.now() - cached.at < CACHE_MS ? Promise.resolve(cached) : (running ??= probe().finally(() => (running = undefined)));
    void current.then(({ status, durationMs }) => {
      const ready = status === 'ok';
      res
        .status(ready ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json({ status: ready ? 'ready' : 'degraded', subgraph: name, degraded: ready ? [] : ['database'], checks: { database: { status, durationMs } } });
    });
  };
}

/** Continues the gateway's trace for one request to this subgraph. */
export function subgraphSpanMiddleware(name: SubgraphName): RequestHandler {
  const tracer = trace.getTracer('ward-subgraph');
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan('subgraph.request', { kind: SpanKind.SERVER, attributes: { 'subgraph.name': name, 'http.request.method': req.method } }, parent);
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    res.once('close', () => span.end());
    const active = trace.setSpan(parent, span);
    context.bind(active, req);
    context.with(active, next);
  };
}
