import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { postGraphQL } from '../support/graphql';
import { silentLogger, tempDir, testConfig, writeThrowawaySupergraph } from './helpers';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('gateway with an unreachable subgraph', () => {
  let gateway: RunningGateway;
  let token: string;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir('unreachable');
    const supergraphPath = writeThrowawaySupergraph(dir);
    const keysPath = path.join(dir, 'dev-keys.json');
    const persona = findPersona('registry-clerk');
    if (!persona) throw new Error('no persona');
    token = (await mintDevToken({ persona, keys: await loadOrCreateDevKeys(keysPath) })).token;
    port = await closedPort();
    gateway = await startGateway({
      config: testConfig({ SUPERGRAPH_PATH: supergraphPath, AUTH_DEV_KEYS_PATH: keysPath, RESIDENTS_URL: `http://127.0.0.1:${port}/graphql` }),
      logger: silentLogger(),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('names the subgraph and hides its address', async () => {
    const body = (await postGraphQL(gateway.url, '{ hello }', undefined, { authorization: `Bearer ${token}` })).body as {
      data: unknown;
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(body.data).toBeNull();
    expect(body.errors[0]).toMatchObject({ message: 'The residents subgraph is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(JSON.stringify(body)).not.toContain(String(port));
  });
});
