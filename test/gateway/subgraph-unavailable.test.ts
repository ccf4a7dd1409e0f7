import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { loadOrCreateDevKeys } from '../../gateway/auth/dev-keys';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { composeSupergraph, writeSupergraphFile } from '../../scripts/compose';
import { silentLogger, tempDir, testConfig, throwawaySubgraphSdl } from './helpers';

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
    fs.writeFileSync(path.join(dir, 'residents.graphql'), throwawaySubgraphSdl(false));
    const outcome = composeSupergraph({ rootDir: dir, subgraphs: [{ name: 'residents', file: 'residents.graphql', url: 'http://127.0.0.1:4001/graphql' }] });
    if (!outcome.ok) throw new Error('composition failed');
    writeSupergraphFile(path.join(dir, 'supergraph.graphql'), outcome.supergraphSdl);
    const keysPath = path.join(dir, 'dev-keys.json');
    const persona = findPersona('registry-clerk');
    if (!persona) throw new Error('no persona');
    token = (await mintDevToken({ persona, keys: await loadOrCreateDevKeys(keysPath) })).token;
    port = await closedPort();
    gateway = await startGateway({
      config: testConfig({ SUPERGRAPH_PATH: path.join(dir, 'supergraph.graphql'), AUTH_DEV_KEYS_PATH: keysPath, RESIDENTS_URL: `http://127.0.0.1:${port}/graphql` }),
      logger: silentLogger(),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('names the subgraph and hides its address', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    const body = (await response.json()) as { data: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeNull();
    expect(body.errors[0]).toMatchObject({ message: 'The residents subgraph is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(JSON.stringify(body)).not.toContain(String(port));
  });
});
