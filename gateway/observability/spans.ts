/**
 * The gateway's spans (OpenTelemetry API only; the SDK is installed by lib/tracing.ts when a
 * collector is configured, otherwise every span here is a no-op). One trace per request, begun
 * here (a caller's `traceparent` is not continued: a department app does not choose the gateway's
 * trace ids or its sampling): `gateway.http` (the request), its phases `gateway.authenticate`,
 * `gateway.decide`, `gateway.complete`, `gateway.audit`; @apollo/gateway's own `gateway.request`,
 * `gateway.plan`, `gateway.execute`, `gateway.fetch`; under each fetch `gateway.subgraph_call`,
 * whose context goes to the subgraph in `traceparent`.
 *
 * Attributes name the phase, the subgraph, the HTTP status, the gateway's request id and the
 * operation type — never a user, a person, a value of a variable or the operation's text.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { maybeRequestStateOf } from '../http/request-state';

export const TRACER_NAME = 'ward-gateway';

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** A span under the active one; none when there is no active span (work outside a request). */
export function startPhase(name: string, attributes: Attributes = {}, kind: SpanKind = SpanKind.INTERNAL): Span | undefined {
  const parent = context.active();
  if (trace.getSpan(parent) === undefined) return undefined;
  return tracer().startSpan(name, { kind, attributes }, parent);
}

/** Runs `work` (sync or async) in a phase span, ended when it returns or settles. */
export function inPhase<T>(name: string, work: () => T, attributes: Attributes = {}): T {
  const span = startPhase(name, attributes);
  if (!span) return work();
  const fail = (error: unknown) => {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    throw error;
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    return fail(error);
  }
  if (result instanceof Promise) {
    return result.then((value) => {
      span.end();
      return value;
    }, fail) as T;
  }
  span.end();
  return result;
}

/**
 * First on the GraphQL path: the request's root span, active for everything after it. The
 * request's stream is bound to it, so the body parser's callbacks (socket events) stay inside it.
 */
export function requestSpanMiddleware(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = maybeRequestStateOf(req)?.requestId;
    const span = tracer().startSpan(
      'gateway.http',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path, ...(requestId ? { 'ward.request_id': requestId } : {}) } },
      ROOT_CONTEXT,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    const active = trace.setSpan(ROOT_CONTEXT, span);
    context.bind(active, req);
    context.with(active, next);
  };
}

/** A front middleware as a phase span, ended when it passes the request on or answers it. */
export function phaseMiddleware(name: string, inner: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const span = startPhase(name);
    if (!span) return inner(req, res, next);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.end();
    };
    res.once('close', end);
    const parent = context.active();
    return inner(req, res, (error?: unknown) => {
      if (res.headersSent || error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      end();
      context.with(parent, () => next(error as Parameters<NextFunction>[0]));
    });
  };
}
