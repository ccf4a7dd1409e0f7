import { createLogger } from '../../lib/logger';
import { subgraphPort } from '../../lib/subgraphs';
import { startSubgraph, type SubgraphModule } from './server';
import { stopWhenParentIsGone } from '../../lib/parent-watch';

/** Runs one subgraph as its own process until SIGINT/SIGTERM (used by each subgraph's main.ts). */
export async function runSubgraphProcess<TContext extends object>(module: SubgraphModule<TContext>): Promise<void> {
  const running = await startSubgraph(module, { port: subgraphPort(module.name), host: process.env.HOST ?? '127.0.0.1' });
  createLogger(`subgraph:${module.name}`).info({ subgraph: module.name, url: running.url }, `subgraph ${module.name} listening at ${running.url}`);
  const stop = async () => {
    await running.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `npm start`: stop when it is gone, even after a SIGKILL it could not handle.
  stopWhenParentIsGone();
}
