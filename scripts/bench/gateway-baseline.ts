/**
 * The benchmark's baseline gateway (child process of `npm run bench`): gateway/main.ts's gateway
 * with field rules off (GATEWAY_AUTHORIZATION=off, refused in production) and WITHOUT an audit
 * trail (`audit: false`, which has no environment switch on purpose). Never in service.
 */
import { loadConfig } from '../../gateway/config';
import { startGateway } from '../../gateway/server';
import { createLogger } from '../../lib/logger';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, GATEWAY_AUTHORIZATION: 'off' });
  const logger = createLogger('gateway-baseline', config.logLevel);
  const running = await startGateway({ config, logger, audit: false });
  logger.warn({ url: running.url }, 'benchmark baseline gateway (no field rules, no audit trail)');
  const stop = () => {
    setTimeout(() => process.exit(1), 5000).unref();
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
