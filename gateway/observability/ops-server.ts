/**
 * The operations listener: /metrics (and /readyz, for the monitoring system's convenience) on GATEWAY_METRICS_HOST:GATEWAY_METRICS_PORT, apart from the port department apps
 * call (config.ts says who may read it).
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsListenerConfig } from './config';

export interface OpsServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface OpsRoutes {
  metrics(): Promise<string>;
  contentType: string;
  /** Answers /readyz: status code and JSON body. */
  readiness(): Promise<{ status: number; body: unknown }>;
}

export async function startOpsServer(config: MetricsListenerConfig, routes: OpsRoutes): Promise<OpsServer> {
  const expected = config.token !== undefined ? Buffer.from(`Bearer ${config.token}`) : undefined;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (expected !== undefined) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(401, 'text/plain; charset=utf-8', 'a bearer token is required\n');
      }
    }
    if (path === '/metrics') {
      routes.metrics().then(
        (text) => send(200, routes.contentType, text),
        () => send(500, 'text/plain; charset=utf-8', 'metrics could not be collected\n'),
      );
      return;
    }
    if (path === '/readyz') {
      routes.readiness().then(
        ({ status, body }) => send(status, 'application/json; charset=utf-8', JSON.stringify(body)),
        () => send(500, 'application/json; charset=utf-8', '{"status":"error"}'),
      );
      return;
    }
    send(404, 'text/plain; charset=utf-8', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
