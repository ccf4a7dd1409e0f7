/**
 * What an operator sees of the gateway (README "Operating it"): readiness (readiness.ts), metrics
 * (metrics.ts, served by ops-server.ts) and traces (spans.ts; the SDK: lib/tracing.ts). server.ts
 * wires these in; nothing here decides, plans or records a request.
 */
import type { Request, RequestHandler, Response } from 'express';
import { acquireTracing } from '../../lib/tracing';
import type { OwnedResources } from '../lifecycle';
import type { ObservabilityConfig } from './config';
import { GatewayMetrics } from './metrics';
import { startOpsServer, type OpsServer } from './ops-server';
import type { Readiness } from './readiness';

export { GatewayMetrics } from './metrics';
export { Readiness, type ReadinessReport } from './readiness';
export { loadObservabilityConfig, type ObservabilityConfig } from './config';
export { phaseMiddleware, requestSpanMiddleware } from './spans';

/** The metrics registry, and the tracing SDK when a collector is configured (released when the gateway stops). */
export async function openObservability(config: ObservabilityConfig, owned: OwnedResources): Promise<GatewayMetrics> {
  if (config.tracing) await owned.open(() => acquireTracing(config.tracing!), (handle) => handle.release());
  return new GatewayMetrics();
}

/** `/readyz`: 200 when every check passes, else 503; JSON naming what is degraded. */
export function readinessRoute(readiness: Readiness): RequestHandler {
  return (_req: Request, res: Response) => {
    readiness.report().then(
      (report) => {
        res
          .status(report.ready ? 200 : 503)
          .set('Cache-Control', 'no-store')
          .json({ status: report.ready ? 'ready' : 'degraded', ...report });
      },
      () => res.status(503).set('Cache-Control', 'no-store').json({ status: 'degraded', degraded: ['readiness'] }),
    );
  };
}

/** The operations listener (/metrics, /readyz), when configured; closed with the gateway. */
export async function openOpsListener(config: ObservabilityConfig, metrics: GatewayMetrics, readiness: Readiness, owned: OwnedResources): Promise<OpsServer | undefined> {
  if (!config.metrics) return undefined;
  const listener = config.metrics;
  return owned.open(
    () =>
      startOpsServer(listener, {
        metrics: () => metrics.scrape(),
        contentType: metrics.registry.contentType,
        readiness: async () => {
          const report = await readiness.report();
          return { status: report.ready ? 200 : 503, body: { status: report.ready ? 'ready' : 'degraded', ...report } };
        },
      }),
    (server) => server.close(),
  );
}
