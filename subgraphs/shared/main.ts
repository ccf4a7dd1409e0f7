import { createLogger } from '../../lib/logger';
import { subgraphPort } from '../../lib/subgraphs';
import { startSubgraph, type SubgraphModule } from './server';
import { stopWhenParentIsGone } from '../../lib/parent-watch';
import { acquireTracing, tracingConfigOf, type TracingHandle } from '../../lib/tracing';

/** Runs one subgraph as its own process until SIGINT/SIGTERM (used by each subgraph's main.ts). */
export async function runSubgraphProcess<TContext extends object>(module: SubgraphModule<TContext>): Promise<void> {
  // Tracing only with a collector configured (TRACING_OTLP_ENDPOINT, as for the gateway).
  const problems: string[] = [];
  const tracingConfig = tracingConfigOf((name) => process.env[name]?.trim() || undefined, `ward-subgraph-${module.name}`, problems);
  if (problems.length > 0) throw new Error(`Invalid subgraph configuration: ${problems.join('; ')}`);
  const tracing: TracingHandle | undefined = tracingConfig ? await acquireTracing(tracingConfig) : undefined;
  const running = await startSubgraph(module, { port: subgraphPort(module.name), host: process.env.HOST ?? '127.0.0.1' });
  createLogger(`subgraph:${module.name}`).info({ subgraph: module.name, url: running.url }, `subgraph ${module.name} listening at ${running.url}`);
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
