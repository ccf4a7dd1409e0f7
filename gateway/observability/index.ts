/**
 * What an operator sees of the gateway (README "Operating it"): readiness (readiness.ts), metrics
 * (metrics.ts, served by ops-server.ts) and traces (spans.ts; the SDK: lib/tracing.ts). server.ts
 * wires these in; nothing here decides, plans or records a request.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Dispatcher } from 'undici';
import type { AuditStore } from '../../lib/audit/store';
import type { PolicyStore } from '../../lib/policy/store';
import { acquireTracing } from '../../lib/tracing';
import type { AuditSink, AuditWriter } from '../audit';
import type { AuthorizingGateway } from '../authorization';
import type { GatewayConfig } from '../config';
import type { IdentitySigner } from '../identity-signing';
import type { OwnedResources } from '../lifecycle';
import type { FileSupergraphSource } from '../supergraph-source';
import type { ObservabilityConfig } from './config';
import { GatewayMetrics } from './metrics';
import { startOpsServer, type OpsServer } from './ops-server';
import { Readiness } from './readiness';

export { GatewayMetrics } from './metrics';
export { Readiness, type ReadinessReport } from './readiness';
export { loadObservabilityConfig, type ObservabilityConfig } from './config';
export { phaseMiddleware, requestSpanMiddleware } from './spans';

/** The metrics registry, and the tracing SDK when a collector is configured (released when the gateway stops). */
export async function openObservability(config: ObservabilityConfig, owned: OwnedResources): Promise<GatewayMetrics> {
  if (config.tracing) await owned.open(() => acquireTracing(config.tracing!), (handle) => handle.release());
  return new GatewayMetrics();
}

/** The gateway's parts readiness checks and metrics read. */
export interface ObservedParts {
  readonly config: GatewayConfig;
  readonly signer: IdentitySigner;
  readonly dispatcher: Dispatcher;
  readonly supergraph: FileSupergraphSource;
  readonly rules: PolicyStore;
  readonly authorization: AuthorizingGateway;
  readonly auditWriter: AuditWriter | undefined;
  /** The trail's sink (its `healthy()` probe, when it is a store); undefined without a trail. */
  readonly auditSink?: AuditSink;
  readonly limitsRedis?: { ping(): Promise<unknown> };
  /** Other shared services /readyz checks, by name (true = answers). */
  readonly services?: Readonly<Record<string, () => Promise<boolean>>>;
}

/** Readiness over the gateway's parts, and the metrics' sources attached; returns the readiness. */
export function observe(metrics: GatewayMetrics, parts: ObservedParts): Readiness {
  const { config, supergraph, rules, auditWriter, auditSink } = parts;
  const readiness = new Readiness({
    subgraphUrls: config.subgraphUrls,
    signer: parts.signer,
    dispatcher: parts.dispatcher,
    supergraph: () => ({ text: supergraph.text(), sha256: supergraph.status().sha256 }),
    rules: () => rules.current(),
    ...(auditSink ? { auditHealthy: () => (auditSink as Partial<AuditStore>).healthy?.() ?? Promise.resolve(true) } : {}),
    ...(parts.limitsRedis ? { limitsRedis: parts.limitsRedis } : {}),
    ...(parts.services ? { services: parts.services } : {}),
    ...config.observability.readiness,
  });
  metrics.attach({
    authorization: () => parts.authorization.stats(),
    ...(auditWriter ? { audit: () => ({ ...auditWriter.stats(), pending: auditWriter.pending() }) } : {}),
    ruleVersion: () => rules.current().version,
    supergraphSha256: () => supergraph.status().sha256,
    readiness: () => readiness.last(),
  });
  return readiness;
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
