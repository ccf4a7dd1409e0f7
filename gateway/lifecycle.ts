import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

type Close = () => Promise<void> | void;

/**
 * What the gateway opened itself (rule-store watcher, audit store and writer, bulk ledger, subgraph
 * connection pool, limits Redis client), closed once, newest first, when Apollo Server stops — its
 * `serverWillStop`, after the HTTP server has drained (ApolloServerPluginDrainHttpServer's
 * `drainServer`), so the last response's audit entry is written before the store closes — or when
 * the gateway fails to start. A resource the caller passed in is never registered: tests share
 * them between gateways.
 */
export class OwnedResources {
  private readonly closers: Close[] = [];
  private closing: Promise<void> | undefined;

  /** Registers how to close what was just opened; returns it. */
  own<T>(resource: T, close: (resource: T) => Promise<void> | void): T {
    this.closers.push(() => close(resource));
    return resource;
  }

  /** Opens a resource; when opening fails, closes everything opened before it and rethrows. */
  async open<T>(open: () => Promise<T>, close: (resource: T) => Promise<void> | void): Promise<T> {
    let resource: T;
    try {
      resource = await open();
    } catch (error) {
      await this.close();
      throw error;
    }
    return this.own(resource, close);
  }

  /** Closes everything, newest first, once (later calls wait for the first); the first failure is rethrown after all were tried. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let failure: unknown;
      for (const close of this.closers.reverse()) {
        try {
          await close();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    })();
    return this.closing;
  }

  /** The Apollo Server plugin that closes them when the server stops. */
  plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
    return {
      serverWillStart: async () => ({ serverWillStop: () => this.close() }),
    };
  }
}
