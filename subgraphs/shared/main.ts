import { createLogger } from '../../lib/logger';
import { exitOnConfigError } from '../../lib/env-config';
import { startSubgraph, type SubgraphModule } from './server';
import { loadSubgraphProcessConfig } from './config';
import { stopWhenParentIsGone } from '../../lib/parent-watch';
import { acquireTracing, tracingConfigOf, type TracingHandle } from '../../lib/tracing';

export interface SubgraphProcessOptions {
  /** Checks a setting only this subgraph reads (throws with a clear message on a bad one). */
  readonly checkEnvironment?: (env: NodeJS.ProcessEnv) => unknown;
}

/**
 * Runs one subgraph as its own process until SIGINT/SIGTERM (used by each subgraph's main.ts).
 * Its configuration is checked first: a bad setting stops it with one message and exit code 2
 * (lib/env-config.ts), before it opens anything.
 */
export async function runSubgraphProcess<TContext extends object>(module: SubgraphModule<TContext>, options: SubgraphProcessOptions = {}): Promise<void> {
  let config;
  try {
    config = loadSubgraphProcessConfig(module.name, process.env, options.checkEnvironment);
  } catch (error) {
    exitOnConfigError(error);
    return;
  }
  const logger = createLogger(`subgraph:${module.name}`, config.logLevel);
  // Tracing only with a collector configured (TRACING_OTLP_ENDPOINT, as for the gateway).
  const problems: string[] = [];
  const tracingConfig = tracingConfigOf((name) => process.env[name]?.trim() || undefined, `ward-subgraph-${module.name}`, problems);
  if (problems.length > 0) exitOnConfigError(new Error(`Invalid subgraph configuration: ${problems.join('; ')}`));
  const tracing: TracingHandle | undefined = tracingConfig ? await acquireTracing(tracingConfig) : undefined;
  let running;
  try {
    running = await startSubgraph(module, { port: config.port, host: config.host, logger });
  } catch (error) {
    // A failure to start (a database that cannot be opened, a port in use) at error level with its cause, no stack.
    logger.error({ err: { type: (error as Error)?.name, code: (error as NodeJS.ErrnoException)?.code, message: (error as Error)?.message } }, `subgraph ${module.name} failed to start`);
    process.exit(1);
  }
  logger.info({ subgraph: module.name, url: running.url }, `subgraph ${module.name} listening at ${running.url}`);
  const stop = async () => {
    await running.stop();
    await tracing?.release();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `npm start`: stop when it is gone, even after a SIGKILL it could not handle.
  stopWhenParentIsGone();
}
