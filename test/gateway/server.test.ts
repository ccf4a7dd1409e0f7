import path from 'node:path';
import { SignJWT } from 'jose';
import { loadOrCreateDevKeys, type DevKeys } from '../../lib/dev-keys';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona, type Persona } from '../../gateway/auth/personas';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../gateway/config';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { writeSupergraphFile } from '../../scripts/compose';
import { postGraphQL } from '../support/graphql';
import { composeThrowawaySupergraph, silentLogger, startThrowawaySubgraph, tempDir, testConfig, waitFor, type TestSubgraph } from './helpers';

const persona = (id: string): Persona => {
  const found = findPersona(id);
  if (!found) throw new Error(`no persona ${id}`);
  return found;
};

/**
 * The gateway over HTTP, against a real subgraph started here. The supergraph names the
 * subgraph `residents` with the default URL (port 4001); the configuration points it at the
 * test subgraph's real port, which also proves the URL override.
 */
describe('gateway over HTTP', () => {
  let dir: string;
  let keys: DevKeys;
  let subgraph: TestSubgraph;
  let gateway: RunningGateway;

  const compose = (withVersion: boolean): string => composeThrowawaySupergraph(dir, withVersion);

  const post = ({ query }: { query: string }, headers: Record<string, string> = {}) => postGraphQL(gateway.url, query, undefined, headers);

  const tokenFor = async (id: string): Promise<string> => (await mintDevToken({ persona: persona(id), keys })).token;

  beforeAll(async () => {
    dir = tempDir('gateway-http');
    const keysPath = path.join(dir, 'dev-keys.json');
    keys = await loadOrCreateDevKeys(keysPath);
    writeSupergraphFile(path.join(dir, 'supergraph.graphql'), compose(false));
    subgraph = await startThrowawaySubgraph();
    gateway = await startGateway({
      config: testConfig({ SUPERGRAPH_PATH: path.join(dir, 'supergraph.graphql'), AUTH_DEV_KEYS_PATH: keysPath, RESIDENTS_URL: subgraph.url }),
      logger: silentLogger(),
      supergraphDebounceMs: 20,
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  it('answers an authenticated operation through the subgraph', async () => {
    const { response, body } = await post({ query: '{ hello }' }, { authorization: `Bearer ${await tokenFor('registry-clerk')}` });
    expect(response.status).toBe(200);
    expect(body).toEqual({ data: { hello: 'world' } });
  });

  it('refuses a request without a token: 401, JSON error, challenge, no data', async () => {
    const { response, body } = await post({ query: '{ hello }' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="ward-gateway"');
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      { message: expect.stringMatching(/^Missing bearer token/), extensions: { code: 'UNAUTHENTICATED', reason: 'missing_token' } },
    ]);
  });

  it('refuses introspection without a token', async () => {
    const { response, body } = await post({ query: '{ __schema { queryType { name } } }' });
    expect(response.status).toBe(401);
    expect(body.data).toBeUndefined();
  });

  it('refuses an expired token with invalid_token and a description', async () => {
    const expired = await mintDevToken({ persona: persona('registry-clerk'), keys, now: new Date(Date.now() - 3 * 3600_000), expiresIn: '1h' });
    const { response, body } = await post({ query: '{ hello }' }, { authorization: `Bearer ${expired.token}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="ward-gateway", error="invalid_token", error_description="Token expired at [^"]+"$/);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(body.errors?.[0]?.message).toMatch(/^Token expired at/);
    expect(JSON.stringify(body)).not.toContain(expired.token.split('.')[2]);
  });

  it('refuses an unsigned (alg none) token', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${part({ alg: 'none' })}.${part({ sub: 'x', iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now + 60, department: 'd', roles: ['clerk'], purpose: 'audit' })}.`;
    const { response, body } = await post({ query: '{ hello }' }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(body.errors?.[0]?.message).toMatch(/alg "none"/);
    expect(body.data).toBeUndefined();
  });

  it('refuses a token missing a claim', async () => {
    const token = await new SignJWT({ roles: ['clerk'], purpose: 'audit' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
      .setSubject('dev:someone')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('5m')
      .sign(keys.privateKey);
    const { response, body } = await post({ query: '{ hello }' }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(body.errors?.[0]?.message).toBe('Token is missing the required claim "department"');
  });

  it('answers with application/graphql-response+json when asked', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
  });

  it('forwards the gateway-generated request id and declared purpose to subgraphs, never the caller token', async () => {
    const { body, response } = await post(
      { query: '{ seenHeaders { authorization purpose requestId } }' },
      // The token declares another 事務; X-Purpose names one the department is registered for.
      { authorization: `Bearer ${(await mintDevToken({ persona: persona('tax-clerk'), keys, purpose: 'school-enrolment' })).token}`, 'x-purpose': 'local-tax', 'x-request-id': 'req-12345678' },
    );
    // The gateway's own id, not the client's claim (which the audit trail keeps as claimedRequestId).
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body.data?.['seenHeaders']).toEqual({ authorization: null, purpose: 'local-tax', requestId });
  });

  it('forwards the token purpose when no X-Purpose is sent', async () => {
    const { body } = await post({ query: '{ seenHeaders { purpose } }' }, { authorization: `Bearer ${await tokenFor('mynumber-officer')}` });
    expect(body.data?.['seenHeaders']).toEqual({ purpose: 'mynumber-card' });
  });

  it('answers GET operations (with the CSRF preflight header)', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent('{ hello }')}`, {
      headers: { authorization: `Bearer ${await tokenFor('registry-clerk')}`, 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
  });

  it('serves /healthz without a token', async () => {
    const response = await fetch(`${gateway.origin}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('refuses malformed JSON from an authenticated caller without echoing it', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor('registry-clerk')}` },
      body: '{"query": "{ hello }", "variables": {"secret-person-data": ',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('secret-person-data');
  });

  it('reloads the supergraph when the file changes and keeps the last good one on a bad file', async () => {
    const authorization = `Bearer ${await tokenFor('registry-clerk')}`;
    const before = await post({ query: '{ version }' }, { authorization });
    expect(before.body.errors?.[0]?.message).toMatch(/Cannot query field "version"/);

    const supergraphPath = path.join(dir, 'supergraph.graphql');
    const previousHash = gateway.gateway.supergraph.status().sha256;
    writeSupergraphFile(supergraphPath, compose(true));
    await waitFor(() => gateway.gateway.supergraph.status().sha256 !== previousHash, 10_000, 'supergraph reload');
    expect((await post({ query: '{ version }' }, { authorization })).body).toEqual({ data: { version: 2 } });

    // Valid GraphQL, but not a supergraph: the gateway refuses it and keeps serving the last one.
    writeSupergraphFile(supergraphPath, 'type Query { broken: Int }\n');
    await waitFor(() => gateway.gateway.supergraph.status().lastRejected !== undefined, 10_000, 'rejection');
    expect((await post({ query: '{ version hello }' }, { authorization })).body).toEqual({ data: { version: 2, hello: 'world' } });
    const health = (await (await fetch(`${gateway.origin}/healthz`)).json()) as { supergraph: { lastRejected?: unknown } };
    expect(health.supergraph.lastRejected).toBeDefined();
  });
});
