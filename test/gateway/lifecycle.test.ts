import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { OwnedResources } from '../../gateway/lifecycle';

/**
 * What the gateway opens itself is closed through Apollo Server's lifecycle (lifecycle.ts): after
 * the HTTP server drained, newest first, once; and when starting fails, what was opened before
 * is closed. A real Apollo Server (no mock); the resources are records of their closing.
 */
describe('owned resources', () => {
  const schema = { typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } };

  it('closes what it owns when Apollo Server stops, after the HTTP drain, newest first, once', async () => {
    const events: string[] = [];
    const owned = new OwnedResources();
    owned.own('rules', (name) => void events.push(`close ${name}`));
    await owned.open(async () => 'audit store', async (name) => void events.push(`close ${name}`));
    owned.own('audit writer', (name) => void events.push(`close ${name}`));
    const httpServer = http.createServer();
    const drain = ApolloServerPluginDrainHttpServer({ httpServer });
    const apollo = new ApolloServer({
      ...schema,
      plugins: [
        { serverWillStart: async () => ({ drainServer: async () => void events.push('http drained') }) },
        drain,
        owned.plugin(),
      ],
    });
    await apollo.start();
    expect(events).toEqual([]);
    await apollo.stop();
    expect(events).toEqual(['http drained', 'close audit writer', 'close audit store', 'close rules']);
    await owned.close();
    expect(events).toHaveLength(4);
  });

  it('closes what was opened before when opening the next one fails, and rethrows', async () => {
    const events: string[] = [];
    const owned = new OwnedResources();
    owned.own('dispatcher', (name) => void events.push(`close ${name}`));
    await expect(
      owned.open(async () => {
        throw new Error('audit store unreachable');
      }, () => void events.push('close audit store')),
    ).rejects.toThrow('audit store unreachable');
    expect(events).toEqual(['close dispatcher']);
  });

  it('tries every close and rethrows the first failure', async () => {
    const events: string[] = [];
    const owned = new OwnedResources();
    owned.own('first', (name) => void events.push(`close ${name}`));
    owned.own('second', () => {
      throw new Error('second would not close');
    });
    await expect(owned.close()).rejects.toThrow('second would not close');
    expect(events).toEqual(['close first']);
  });
});
