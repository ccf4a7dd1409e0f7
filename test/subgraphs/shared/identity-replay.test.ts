import { base64url } from 'jose';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_SUPPORT_MEASURE } from '../../../generator/fixtures';
import { BODY_DIGEST_CLAIM, bodyDigestOf, IDENTITY_HEADER } from '../../../lib/gateway-identity';
import { SUBGRAPH_ENDPOINTS, SUBGRAPH_NAMES, type SubgraphName } from '../../../lib/subgraphs';
import { ReplayCache } from '../../../subgraphs/shared/replay-cache';
import { graphqlBody, type GraphQLResult } from '../../support/graphql';
import { startFederation, type Federation } from '../../support/federation';
import { startRecordingProxy, type CapturedRequest, type RecordingProxy } from '../../support/recording-proxy';

/**
 * Issue 10.3, "Replayable subgraph identity": a captured `x-gateway-identity` header from one call
 * was replayed 30 s later, directly to the residents subgraph, with another body (`_entities` for
 * a protected person's 個人番号, address and 支援措置): answered, and unaudited.
 *
 * Here the gateway → subgraph hop runs through a recording proxy (someone reading the plain-HTTP
 * hop) in front of every real subgraph; the captured header is replayed straight to the residents
 * subgraph. The subgraphs' clock can be moved forward to replay "30 s later" without waiting.
 */

let federation: Federation;
const proxies = {} as Record<SubgraphName, RecordingProxy>;
let clockOffsetMs = 0;

beforeAll(async () => {
  for (const name of SUBGRAPH_NAMES) proxies[name] = await startRecordingProxy(() => federation.subgraphs[name].url);
  const gatewayEnv: Record<string, string> = {};
  for (const endpoint of SUBGRAPH_ENDPOINTS) gatewayEnv[endpoint.urlEnv] = proxies[endpoint.name].url;
  federation = await startFederation({ gatewayEnv, subgraphIdentity: { now: () => Date.now() + clockOffsetMs } });
}, 120_000);

afterAll(async () => {
  await federation?.stop();
  for (const proxy of Object.values(proxies)) await proxy.stop();
});

beforeEach(() => {
  clockOffsetMs = 0;
});

/** What the attacker sends: the protected person's 個人番号, address and 支援措置. */
const ATTACK = graphqlBody(
  'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { id individualNumber address { full } supportMeasure { active kind startsOn endsOn } } } }',
  { r: [{ __typename: 'Resident', id: FIXTURE_SUPPORT_MEASURE.addressNumber }] },
);

/** A registry clerk's ordinary request through the gateway; returns what crossed the hop to residents. */
async function captureResidentsCall(): Promise<CapturedRequest> {
  const before = proxies.residents.captured.length;
  const { status, body } = await federation.query('registry-clerk', `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id name { kanji } } }`);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  const calls = proxies.residents.captured.slice(before);
  expect(calls).toHaveLength(1);
  return calls[0];
}

/** Sends `body` straight to the residents subgraph with a captured header. */
async function replay(header: string, body: string | Buffer): Promise<{ status: number; json: GraphQLResult['body']; raw: string }> {
  const response = await fetch(federation.subgraphs.residents.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: header },
    body,
  });
  const raw = await response.text();
  return { status: response.status, json: JSON.parse(raw) as GraphQLResult['body'], raw };
}

function expectRefused(result: Awaited<ReturnType<typeof replay>>, reason: string): void {
  expect({ status: result.status, errors: result.json.errors }).toEqual({
    status: 401,
    errors: [{ message: expect.stringContaining('The residents subgraph answers only the gateway'), extensions: { code: 'UNAUTHENTICATED', reason } }],
  });
  expect(result.json.data).toBeUndefined();
  expect(result.raw).not.toContain(FIXTURE_SUPPORT_MEASURE.individualNumber);
  expect(result.raw).not.toContain('三軒茶屋');
}

const claimsOf = (token: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]))) as Record<string, unknown>;

describe('a captured subgraph identity cannot be replayed', () => {
  test('with another body (_entities for a protected person): 401 body-mismatch, no SQL statement runs', async () => {
    const captured = await captureResidentsCall();
    federation.resetStatements();
    const result = await replay(captured.headers[IDENTITY_HEADER] as string, ATTACK);
    expectRefused(result, 'body-mismatch');
    expect(federation.statements.residents).toEqual([]);
  });

  test('with its own body, byte for byte: 401 replayed (its id was spent by the gateway call), no SQL statement runs', async () => {
    const captured = await captureResidentsCall();
    federation.resetStatements();
    const result = await replay(captured.headers[IDENTITY_HEADER] as string, captured.body);
    expectRefused(result, 'replayed');
    expect(federation.statements.residents).toEqual([]);
  });

  test('30 s later, with either body: 401 expired, no SQL statement runs', async () => {
    const captured = await captureResidentsCall();
    const header = captured.headers[IDENTITY_HEADER] as string;
    clockOffsetMs = 30_000;
    federation.resetStatements();
    expectRefused(await replay(header, ATTACK), 'expired');
    expectRefused(await replay(header, captured.body), 'expired');
    expect(federation.statements.residents).toEqual([]);
  });

  test('as a GET (no body to bind): 401 body-mismatch', async () => {
    const captured = await captureResidentsCall();
    const query = encodeURIComponent(`{ resident(id: "${FIXTURE_SUPPORT_MEASURE.addressNumber}") { individualNumber } }`);
    const response = await fetch(`${federation.subgraphs.residents.url}?query=${query}`, {
      headers: { [IDENTITY_HEADER]: captured.headers[IDENTITY_HEADER] as string, 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(401);
    const raw = await response.text();
    expect(JSON.parse(raw).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'body-mismatch' });
    expect(raw).not.toContain(FIXTURE_SUPPORT_MEASURE.individualNumber);
  });
});

describe('the gateway binds each call', () => {
  test('a query over four subgraphs is answered; one signature per subgraph call, each over the bytes that arrived, each id unique, living seconds', async () => {
    const before = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, proxies[name].captured.length]));
    const signaturesBefore = federation.gateway.identitySigner.signatures();
    const { status, body } = await federation.query<Record<string, any>>(
      'registry-clerk',
      `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id identityInfo { residentCode } informationLinkage { codeStatus } myNumberCard { status } } }`,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.resident.identityInfo.residentCode).toBe(FIXTURE_FIRST_RESIDENT.residentCode);

    const calls = SUBGRAPH_NAMES.flatMap((name) => proxies[name].captured.slice(before[name]));
    const signatures = federation.gateway.identitySigner.signatures() - signaturesBefore;
    // residents, juki-cs, intermediate, card-progress (the audit's person keys ride the residents fetch).
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(signatures).toBe(calls.length);
    const ids = new Set<unknown>();
    for (const call of calls) {
      const claims = claimsOf(call.headers[IDENTITY_HEADER] as string);
      expect(claims[BODY_DIGEST_CLAIM]).toBe(bodyDigestOf(call.body));
      expect((claims.exp as number) - (claims.iat as number)).toBe(10);
      ids.add(claims.jti);
    }
    expect(ids.size).toBe(calls.length);
    process.stdout.write(`identity signatures for one 4-subgraph query: ${signatures} (subgraph calls: ${calls.length})\n`);
  });

  test('a person name with non-ASCII characters in variables: the digest of the UTF-8 bytes matches', async () => {
    const before = proxies['juki-cs'].captured.length;
    const { status, body } = await federation.query<Record<string, any>>(
      'registry-clerk',
      'query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria) { matches { residentCode } } }',
      { criteria: { name: FIXTURE_SUPPORT_MEASURE.name, birthDate: '1990-06-15' } },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const calls = proxies['juki-cs'].captured.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) expect(claimsOf(call.headers[IDENTITY_HEADER] as string)[BODY_DIGEST_CLAIM]).toBe(bodyDigestOf(call.body));
  });
});

describe('the replay cache', () => {
  test('holds an id until its time, refuses it twice, and when full of live ids refuses new ones rather than forget one', () => {
    const cache = new ReplayCache(2);
    expect(cache.remember('a', 1_000, 0)).toBe('first');
    expect(cache.remember('a', 1_000, 500)).toBe('replayed');
    expect(cache.remember('b', 1_500, 500)).toBe('first');
    expect(cache.remember('c', 2_000, 900)).toBe('full');
    expect(cache.size).toBe(2);
    // At 1000 'a' has expired: it is dropped, and 'c' fits.
    expect(cache.remember('c', 2_000, 1_000)).toBe('first');
    expect(cache.remember('b', 1_500, 1_200)).toBe('replayed');
    expect(cache.size).toBe(2);
  });
});
