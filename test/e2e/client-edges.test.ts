import { serverAudits, type AuditResult } from 'graphql-http';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { startFederation, type Federation } from '../support/federation';

/**
 * Issue 15.5, the edges a client meets: CORS by allow-list (the preflight answered before
 * authentication), "did you mean" only for those who may introspect, every unsupported operation
 * type a 4xx with a code, and the graphql-http package's GraphQL-over-HTTP server audit.
 */

const APP = 'https://dashboard.ward.example';
const OTHER = 'https://evil.example';
const ID = FIXTURE_FIRST_RESIDENT.addressNumber;

/** The audit's MAY items a GET form answers with a refusal on purpose (README "GraphQL over HTTP"). */
const DOCUMENTED_NOTICES = ['5A70', 'D6D5', '6A70'];

let federation: Federation;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  federation = await startFederation({ gatewayEnv: { GATEWAY_CORS_ORIGINS: `${APP}, http://127.0.0.1:8080` } });
  for (const persona of ['registry-clerk', 'vendor-operator', 'terminal-manager']) tokens[persona] = await federation.token(persona);
});
afterAll(async () => {
  await federation?.stop();
});

function post(persona: string | null, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(federation.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(persona ? { authorization: `Bearer ${tokens[persona]}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
}

function preflight(origin: string): Promise<Response> {
  return fetch(federation.gatewayUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-purpose' },
  });
}

describe('CORS by allow-list (GATEWAY_CORS_ORIGINS)', () => {
  test('the preflight of an allowed origin is answered before authentication, with only the allowed methods and headers', async () => {
    const answer = await preflight(APP);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST');
    const allowedHeaders = answer.headers.get('access-control-allow-headers')!.split(', ');
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-purpose', 'x-case-id']));
    expect(allowedHeaders).not.toContain('*');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('vary')).toMatch(/origin/i);
  });

  test('the preflight of any other origin is refused with 403 and no Access-Control header', async () => {
    for (const origin of [OTHER, `${APP}.evil.example`, 'null', APP.toUpperCase()]) {
      const answer = await preflight(origin);
      expect({ origin, status: answer.status, code: ((await answer.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code }).toEqual({ origin, status: 403, code: 'CORS_ORIGIN_NOT_ALLOWED' });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  test('the request itself is still authenticated; an allowed origin may read the answer, another may not', async () => {
    const anonymous = await post(null, { query: '{ __typename }' }, { origin: APP });
    expect(anonymous.status).toBe(401);
    const allowed = await post('registry-clerk', { query: '{ __typename }' }, { origin: APP });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const other = await post('registry-clerk', { query: '{ __typename }' }, { origin: OTHER });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('"did you mean" only for those who may introspect', () => {
  const misspelt = `{ resident(id: "${ID}") { individualNumbr } }`;

  test('vendor-operator, refused introspection, learns no field name from a validation error', async () => {
    const answer = await post('vendor-operator', { query: misspelt });
    const raw = await answer.text();
    expect(answer.status).toBe(400);
    expect(raw).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(raw).toContain('Cannot query field \\"individualNumbr\\" on type \\"Resident\\".');
    expect(raw).not.toMatch(/Did you mean|individualNumber"/);
  });

  test('nor an enum value from a variable coercion error, nor a type name from an unknown type', async () => {
    const query = 'query ($s: [ResidentStatus!]) { residents(first: 1, filter: { status: $s }) { totalCount } }';
    const coercion = await (await post('vendor-operator', { query, variables: { s: ['RESIDNT'] } })).text();
    // Refused before coercion (the first line decides before the variables are read), and told nothing of the enum.
    expect(coercion).not.toMatch(/Did you mean|"RESIDENT"/);
    // The control: a caller who may introspect is told.
    expect(await (await post('registry-clerk', { query, variables: { s: ['RESIDNT'] } })).text()).toContain('Did you mean');
    const type = await (await post('vendor-operator', { query: '{ ...F } fragment F on Residnt { id }' })).text();
    expect(type).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(type).not.toMatch(/Did you mean|"Resident"/);
  });

  test('a registry clerk, who may introspect, keeps the suggestion', async () => {
    const raw = await (await post('registry-clerk', { query: misspelt })).text();
    expect(raw).toContain('Did you mean \\"individualNumber\\"?');
  });
});

describe('every unsupported operation type is a 4xx with a code', () => {
  test.each([
    ['a subscription', 'POST', 'subscription { __typename }', 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a mutation the graph does not have', 'POST', 'mutation { deleteResident(id: "1") }', 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a mutation over GET', 'GET', 'mutation { __typename }', 405, 'BAD_REQUEST'],
    ['a subscription over GET', 'GET', 'subscription { __typename }', 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a subscription asking for a multipart answer', 'POST multipart', 'subscription { __typename }', 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a subscription over an event stream', 'POST sse', 'subscription { __typename }', 406, 'BAD_REQUEST'],
  ])('%s', async (_name, method, query, status, code) => {
    const accept: Record<string, string> = method === 'POST multipart' ? { accept: 'multipart/mixed; subscriptionSpec=1.0, application/json' } : method === 'POST sse' ? { accept: 'text/event-stream' } : {};
    const answer =
      method === 'GET'
        ? await fetch(`${federation.gatewayUrl}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${tokens['registry-clerk']}`, 'apollo-require-preflight': 'true' } })
        : await post('terminal-manager', { query }, accept);
    const body = (await answer.json()) as { errors: { extensions: { code: string } }[] };
    expect({ status: answer.status, code: body.errors[0]!.extensions.code }).toEqual({ status, code });
  });
});

describe('GraphQL over HTTP: the status of request errors follows the accepted media type', () => {
  test.each([
    ['a parse error', { query: '{' }, 'GRAPHQL_PARSE_FAILED'],
    ['a validation error', { query: '{ nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable coercion error', { query: 'query ($n: Int!) { residents(first: $n) { totalCount } }', variables: { n: 'abc' } }, 'BAD_USER_INPUT'],
  ])('%s: 200 when only application/json is accepted, 400 for application/graphql-response+json and without Accept', async (_name, body, code) => {
    const json = await post('registry-clerk', body, { accept: 'application/json' });
    const graphqlJson = await post('registry-clerk', body, { accept: 'application/graphql-response+json' });
    const none = await post('registry-clerk', body);
    const codeOf = async (response: Response) => ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code;
    expect([json.status, await codeOf(json)]).toEqual([200, code]);
    expect([graphqlJson.status, await codeOf(graphqlJson)]).toEqual([400, code]);
    expect([none.status, await codeOf(none)]).toEqual([400, code]);
  });

  test('graphql-http server audit: no failure, no warning, and only the documented MAY notices of refused GET forms', async () => {
    const fetchFn = (input: string | URL | Request, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${tokens['registry-clerk']}`);
      return fetch(input, { ...init, headers });
    };
    // One at a time: the clerk's limit profile allows 8 requests at once.
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url: federation.gatewayUrl, fetchFn })) results.push(await audit.fn());
    const summary = (status: AuditResult['status']) => results.filter((result) => result.status === status).map((result) => `${result.id} ${result.name}: ${result.status === 'ok' ? '' : result.reason}`);
    expect(results.length).toBeGreaterThan(40);
    expect(summary('error')).toEqual([]);
    expect(summary('warn')).toEqual([]);
    expect(results.filter((result) => result.status === 'notice').map((result) => result.id).sort()).toEqual([...DOCUMENTED_NOTICES].sort());
  });
});
