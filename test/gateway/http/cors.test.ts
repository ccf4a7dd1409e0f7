import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig, ConfigError } from '../../../gateway/config';
import { corsMiddleware } from '../../../gateway/http/cors';
import { requestIdMiddleware } from '../../../gateway/request-id';
import { acceptsOnlyJson } from '../../../gateway/http/request-error-status';

/** GATEWAY_CORS_ORIGINS: validated at start; by default no origin may call from a browser. */

test('default configuration: no origin, and every preflight is refused (403, no Access-Control header)', async () => {
  expect(loadConfig({}).corsOrigins).toEqual([]);
  const app = express();
  app.use(requestIdMiddleware, corsMiddleware(loadConfig({}).corsOrigins), (_req, res) => res.status(401).end());
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    server.close();
  }
});

test('origins are exact: a path, a wildcard, a trailing slash or a non-http scheme is a configuration error naming it', () => {
  expect(loadConfig({ GATEWAY_CORS_ORIGINS: 'https://a.example, http://127.0.0.1:8080' }).corsOrigins).toEqual(['https://a.example', 'http://127.0.0.1:8080']);
  for (const bad of ['*', 'https://a.example/', 'https://a.example/app', 'ftp://a.example', 'https://*.example', 'HTTPS://A.EXAMPLE']) {
    let error: unknown;
    try {
      loadConfig({ GATEWAY_CORS_ORIGINS: bad });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(`GATEWAY_CORS_ORIGINS: '${bad}' is not an origin`);
  }
});

test('"accepts only application/json": the only type listed (q=0 aside)', () => {
  expect(acceptsOnlyJson('application/json')).toBe(true);
  expect(acceptsOnlyJson('application/json; charset=utf-8')).toBe(true);
  expect(acceptsOnlyJson('application/json, application/graphql-response+json;q=0')).toBe(true);
  expect(acceptsOnlyJson(undefined)).toBe(false);
  expect(acceptsOnlyJson('application/graphql-response+json, application/json;q=0.9')).toBe(false);
  expect(acceptsOnlyJson('application/json, */*')).toBe(false);
  expect(acceptsOnlyJson('text/html')).toBe(false);
  // A client that also takes a multipart answer is not a legacy application/json client.
  expect(acceptsOnlyJson('multipart/mixed; subscriptionSpec=1.0, application/json')).toBe(false);
});
