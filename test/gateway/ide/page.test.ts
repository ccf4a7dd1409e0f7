import path from 'node:path';
import { renderIdePage } from '../../../gateway/ide/page';
import { startGateway, type RunningGateway } from '../../../gateway/server';
import { silentLogger, tempDir, testConfig, writeThrowawaySupergraph } from '../helpers';

/** Every src/href of a script or stylesheet element in the page. */
function assetReferences(html: string): string[] {
  const references: string[] = [];
  for (const match of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
    for (const attribute of match[0].matchAll(/\b(src|href)\s*=\s*"([^"]*)"/gi)) references.push(attribute[2] as string);
  }
  return references;
}

describe('GraphQL IDE page', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    const dir = tempDir('ide');
    const supergraphPath = writeThrowawaySupergraph(dir);
    // No subgraph needs to run: the page and its assets never touch one.
    gateway = await startGateway({
      config: testConfig({ SUPERGRAPH_PATH: supergraphPath, AUTH_DEV_KEYS_PATH: path.join(dir, 'dev-keys.json') }),
      logger: silentLogger(),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('references no external URL', () => {
    const html = renderIdePage({ endpoint: '/graphql', defaultQuery: '{ __typename }' });
    const references = assetReferences(html);
    expect(references).toEqual(
      expect.arrayContaining(['/ide/graphiql.min.css', '/ide/react.production.min.js', '/ide/react-dom.production.min.js', '/ide/graphiql.min.js', '/ide/ide-client.js']),
    );
    for (const reference of references) expect(reference).toMatch(/^\/[^/]/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs/);
  });

  it('has a token box and a purpose box', () => {
    const html = renderIdePage({ endpoint: '/graphql', defaultQuery: '' });
    expect(html).toMatch(/<input id="token" type="password"/);
    expect(html).toMatch(/<input id="purpose" list="purposes"/);
    expect(html).toContain('<option value="resident-registry">');
  });

  it('embeds the default query so that it cannot end the script element', () => {
    const html = renderIdePage({ endpoint: '/graphql', defaultQuery: '# </script><script>alert(1)</script>\n{ a }' });
    expect(html).not.toContain('</script><script>alert(1)');
    const config = /<script type="application\/json" id="ide-config">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(JSON.parse(config)).toEqual({ endpoint: '/graphql', defaultQuery: '# </script><script>alert(1)</script>\n{ a }' });
  });

  it.each(['/', '/graphql'])('serves the page at %s to a browser, without a token, under a strict CSP', async (pathname) => {
    const response = await fetch(`${gateway.origin}${pathname}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await response.text();
    expect(html).toContain('id="graphiql"');
    expect(html).toContain('FirstResidents');
    for (const reference of assetReferences(html)) expect(reference).toMatch(/^\/[^/]/);
  });

  it('serves every asset the page references from node_modules', async () => {
    const html = await (await fetch(`${gateway.origin}/`, { headers: { accept: 'text/html' } })).text();
    for (const reference of assetReferences(html)) {
      const response = await fetch(`${gateway.origin}${reference}`);
      expect({ reference, status: response.status }).toEqual({ reference, status: 200 });
      expect(response.headers.get('content-type')).toMatch(reference.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('does not serve other files', async () => {
    expect((await fetch(`${gateway.origin}/ide/..%2Fserver.ts`)).status).toBe(404);
    expect((await fetch(`${gateway.origin}/ide/default-query.graphql`)).status).toBe(404);
  });

  it('keeps GET /graphql for API clients that ask for JSON', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent('{ hello }')}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(401);
  });
});
