/**
 * Gateway process entry: `node --import tsx gateway/main.ts` (what `npm start` runs).
 * Configuration comes from the environment; see gateway/config.ts.
 */
// First: vendor telemetry off before @apollo/gateway loads (gateway/vendor-telemetry.ts).
import './vendor-telemetry';
import { ConfigError, loadConfig } from './config';
import { createLogger } from '../lib/logger';
import { startGateway } from './server';
import { stopWhenParentIsGone } from '../lib/parent-watch';
import cluster from 'node:cluster';
import { startPrimary, WORKER_INDEX_ENV } from './cluster/primary';
import { RelayedAuditSink } from './cluster/audit-relay';
import { BULK_LEDGER_RELAYED_ENV, RelayedBulkLedger } from './cluster/ledger-relay';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger('gateway', config.logLevel);
  let running: { stop(): Promise<void> };
  if (config.workers > 1 && cluster.isPrimary) {
    // GATEWAY_WORKERS > 1: this process owns the audit store and the workers (gateway/cluster/).
    running = await startPrimary(config, logger);
    logger.info({ workers: config.workers, port: config.port, authMode: config.auth.mode }, `gateway listening on port ${config.port} with ${config.workers} workers`);
  } else if (cluster.isWorker) {
    // One worker of several: entries go to the primary's audit store; one worker records rule events.
    const index = Number(process.env[WORKER_INDEX_ENV] ?? '0');
    // The bulk-output ledger: the primary's when it runs one (SQLite, cluster/ledger-relay.ts), else the worker's own.
    const relayed = process.env[BULK_LEDGER_RELAYED_ENV] === '1';
    const bulk = relayed ? { bulk: new RelayedBulkLedger() } : {};
    const gateway = await startGateway({ config, logger: logger.child({ worker: index }), audit: new RelayedAuditSink(), ...bulk, recordRuleEvents: index === 0, sweepAttributions: index === 0 });
    logger.info({ worker: index, bulkLedger: relayed ? 'primary' : 'own' }, relayed ? "bulk-output ledger: the primary's, charged over IPC" : 'bulk-output ledger: opened by this worker');
    running = gateway;
    // The primary hands connections only to workers that listen: a worker says when it does.
    logger.info({ worker: index }, 'gateway worker listening');
  } else {
    const gateway = await startGateway({ config, logger });
    logger.info(
      { url: gateway.url, ide: `${gateway.origin}/`, metrics: gateway.opsUrl ? `${gateway.opsUrl}/metrics` : 'off', tracing: config.observability.tracing ? 'on' : 'off', authMode: config.auth.mode, contract: config.contract, supergraph: config.supergraphPath },
      `gateway listening at ${gateway.url}`,
    );
    running = gateway;
  }

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'stopping gateway');
    // A stuck drain must not keep the process (and its port) alive forever.
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Started by `npm start`: stop when it is gone, even after a SIGKILL it could not handle.
  stopWhenParentIsGone();
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
