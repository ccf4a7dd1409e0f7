import { parse as parseUrl } from 'node:url';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import { recordRefusal } from './refuse';

/**
 * Apollo Server on the Express path, as @as-integrations/express5 mounts it, plus one thing: an
 * answer of Apollo's own ≥ 400 that no plugin recorded is handed to the refusal recorder before it
 * is sent. Apollo answers outside its request pipeline (where the audit plugin records) only for a
 * request it cannot take — a BadRequestError (400/405, BAD_REQUEST: no query, a batch, CSRF) — or a
 * context that failed (500, INTERNAL_SERVER_ERROR): the code follows from the status, so the body
 * is never read back.
 */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: (args: { req: Request; res: Response }) => Promise<TContext>,
): RequestHandler {
  server.assertStarted('apolloHandler()');
  return async (req: Request, res: Response): Promise<void> => {
    if (!('body' in req)) {
      // As the integration answers: no JSON parser ran (a wiring bug).
      await recordRefusal(req, { status: 500, code: null, reason: null });
      res.status(500).send('`req.body` is not set; this probably means you forgot to set up the `json` middleware before the Apollo Server middleware.');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: parseUrl(req.url).search ?? '', body: req.body },
      context: () => context({ req, res }),
    });
    const status = response.status ?? 200;
    if (status >= 400) await recordRefusal(req, { status, code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST', reason: null });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = status;
    if (response.body.kind === 'complete') {
      res.send(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      const flush = (res as Response & { flush?: () => void }).flush;
      if (typeof flush === 'function') flush.call(res);
    }
    res.end();
  };
}
