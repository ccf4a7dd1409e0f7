import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { refuse } from './refuse';

/**
 * Cross-origin access for browser apps on another origin (a department's web app, the DX
 * dashboard), by an allow-list in configuration: GATEWAY_CORS_ORIGINS, exact origins
 * (`https://dashboard.ward.example`), comma-separated. Default: none, so no browser on another
 * origin may call the gateway.
 *
 * A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, BEFORE
 * authentication: a browser never sends credentials on a preflight, so asking for a token there
 * (the old 401) made every cross-origin call fail. An allowed origin gets only the methods and
 * headers below; any other origin 403 CORS_ORIGIN_NOT_ALLOWED and no Access-Control-* header.
 * The preflight reaches no audit record (it carries no identity and asks for nothing); the real
 * request that follows is authenticated and audited as any other. No cookies are used (bearer
 * tokens), so Access-Control-Allow-Credentials is never sent.
 */

/** What a browser app may send: the GraphQL-over-HTTP methods and the headers the gateway reads. */
export const CORS_ALLOWED_METHODS = ['GET', 'POST'] as const;
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'x-purpose',
  'x-case-id',
  'x-request-id',
  'x-bulk-approval',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-client-name',
  'x-client-version',
  'apollo-require-preflight',
] as const;
/** What a browser app may read of an answer besides the simple headers. */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'] as const;
/** How long a browser may keep a preflight's answer. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * GATEWAY_CORS_ORIGINS → the allowed origins. Each must be an origin exactly as a browser sends
 * it (scheme, host, port when not the default; no path, no trailing slash, no `*`), so the
 * comparison is a string equality with no pattern a crafted origin could satisfy.
 */
export function parseCorsOrigins(value: string | undefined, problems: string[]): readonly string[] {
  if (value === undefined) return [];
  const origins: string[] = [];
  for (const raw of value.split(',')) {
    const origin = raw.trim();
    if (origin === '') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || origin.includes('*') || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
      problems.push(`GATEWAY_CORS_ORIGINS: '${origin}' is not an origin (scheme://host[:port], lower-case, no path, no trailing slash, no wildcard)`);
      continue;
    }
    origins.push(origin);
  }
  return origins;
}

function headerOf(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Answers preflights and marks answers to allowed origins; on the GraphQL path, before authentication. */
export function corsMiddleware(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = headerOf(req, 'origin');
    if (origin === undefined) {
      next();
      return;
    }
    // The answer differs by Origin: caches must key on it.
    res.vary('Origin');
    const isAllowed = allowed.has(origin);
    if (req.method === 'OPTIONS' && headerOf(req, 'access-control-request-method') !== undefined) {
      if (!isAllowed) {
        refuse(req, res, { status: 403, code: 'CORS_ORIGIN_NOT_ALLOWED', reason: 'cors_origin', message: 'This origin may not call the gateway from a browser (GATEWAY_CORS_ORIGINS).' });
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS.join(', '));
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
      res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
      res.setHeader('Cache-Control', 'no-store');
      res.status(204).end();
      return;
    }
    if (isAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
    }
    next();
  };
}
