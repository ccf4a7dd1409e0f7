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
  const running = await startGateway({ config, logger });
  logger.info(
    { url: running.url, ide: `${running.origin}/`, metrics: running.opsUrl ? `${running.opsUrl}/metrics` : 'off', tracing: config.observability.tracing ? 'on' : 'off', authMode: config.auth.mode, contract: config.contract, supergraph: config.supergraphPath },
    `gateway listening at ${running.url}`,
  );

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
