import { exportJWK, generateKeyPair, SignJWT, base64url, type JWK } from 'jose';
import { SUBGRAPH_NAMES, HEALTH_PATH, type SubgraphName } from '../../../lib/subgraphs';
import { FIXTURE_FIRST_RESIDENT } from '../../../generator/fixtures';
import { loadOrCreateDevKeys } from '../../../lib/dev-keys';
import { loadConfig } from '../../../gateway/config';
import { configProblems } from '../../gateway/helpers';
import { BODY_DIGEST_CLAIM, bodyDigestOf, IDENTITY_HEADER, IDENTITY_ISSUER, IDENTITY_TOKEN_TYPE, readKeySetting } from '../../../lib/gateway-identity';
import { loadIdentityWindow, loadVerifyKeyConfig } from '../../../subgraphs/shared/identity';
import { postGraphQL } from '../../support/graphql';
import { startFederation, type Federation } from '../../support/federation';
import { personaClaims, postToSubgraph, signIdentity } from '../../support/gateway-identity';

/**
 * Subgraphs trust only the gateway (promise 11): any request to a subgraph's /graphql without an
 * identity the gateway signed for THAT subgraph is answered 401 with no data — `_service` and
 * `_entities` included, POST and GET alike — while the gateway's own calls go through.
 */

/** Per subgraph: federation's two entry points and one ordinary query, each answerable for a registry clerk. */
const OPERATIONS: Record<SubgraphName, Record<'_service' | '_entities' | 'query', { query: string; variables?: Record<string, unknown> }>> = {
  residents: {
    _service: { query: '{ _service { sdl } }' },
    _entities: {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { id name { kanji } } } }',
      variables: { r: [{ __typename: 'Resident', id: FIXTURE_FIRST_RESIDENT.addressNumber }] },
    },
    query: { query: `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id name { kanji } } }` },
  },
  'juki-cs': {
    _service: { query: '{ _service { sdl } }' },
    _entities: {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { identityInfo { name } } } }',
      variables: { r: [{ __typename: 'Resident', residentCode: FIXTURE_FIRST_RESIDENT.residentCode }] },
    },
    query: { query: `{ identityByResidentCode(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}") { residentCode name } }` },
  },
  intermediate: {
    _service: { query: '{ _service { sdl } }' },
    _entities: {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { id informationLinkage { codeStatus } } } }',
      variables: { r: [{ __typename: 'Resident', id: FIXTURE_FIRST_RESIDENT.addressNumber }] },
    },
    query: { query: '{ linkageByIntegratedAddressNumber(integratedAddressNumber: "131121000000001") { codeStatus } }' },
  },
  'card-progress': {
    _service: { query: '{ _service { sdl } }' },
    _entities: {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { id myNumberCard { status } } } }',
      variables: { r: [{ __typename: 'Resident', id: FIXTURE_FIRST_RESIDENT.addressNumber }] },
    },
    query: { query: '{ cardIssuanceStatistics { asOf } }' },
  },
  // The audit subgraph has no entities (no _entities field): its slot holds a second ordinary query.
  audit: {
    _service: { query: '{ _service { sdl } }' },
    _entities: { query: '{ auditRecords(first: 1) { pageInfo { hasNextPage } } }' },
    query: { query: '{ auditChainStatus { recordCount } }' },
  },
};

/** The persona whose profile may run the ordinary query (the shield is not what this suite tests). */
const PERSONA_FOR: Record<SubgraphName, Record<'_service' | '_entities' | 'query', string>> = {
  residents: { _service: 'registry-clerk', _entities: 'registry-clerk', query: 'registry-clerk' },
  'juki-cs': { _service: 'registry-clerk', _entities: 'registry-clerk', query: 'registry-clerk' },
  intermediate: { _service: 'registry-clerk', _entities: 'registry-clerk', query: 'registry-clerk' },
  'card-progress': { _service: 'registry-clerk', _entities: 'registry-clerk', query: 'dx-analyst' },
  audit: { _service: 'registry-clerk', _entities: 'security-officer', query: 'security-officer' },
};

type OperationName = keyof (typeof OPERATIONS)['residents'];
const OPERATION_NAMES: OperationName[] = ['_service', '_entities', 'query'];

let federation: Federation;
let rightKey: Awaited<ReturnType<typeof loadOrCreateDevKeys>>;
type SigningKey = Parameters<SignJWT['sign']>[0];
let otherKey: SigningKey;
let otherEdKey: SigningKey;

beforeAll(async () => {
  federation = await startFederation();
  // The gateway has created its key pair by now (it signs with it); the tests forge around it.
  rightKey = await loadOrCreateDevKeys(federation.identityKeysPath);
  otherKey = (await generateKeyPair('ES256')).privateKey;
  otherEdKey = (await generateKeyPair('EdDSA')).privateKey;
}, 120_000);

afterAll(async () => {
  await federation?.stop();
});

function claimsBody(persona: string): Record<string, unknown> {
  const { sub: _sub, ...rest } = personaClaims(persona);
  // Bound to an empty body: these tokens are refused before their body would be compared.
  return { ...rest, roles: [...rest.roles], scopes: [...rest.scopes], [BODY_DIGEST_CLAIM]: bodyDigestOf(new Uint8Array(0)) };
}

/** A token like the gateway's, with some of its parts replaced. */
async function forge(
  subgraph: string,
  persona: string,
  options: { key?: SigningKey; alg?: string; kid?: string; audience?: string; issuedAt?: number; expiresAt?: number; typ?: string; issuer?: string },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claimsBody(persona))
    .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: options.typ ?? IDENTITY_TOKEN_TYPE, kid: options.kid ?? rightKey.kid })
    .setSubject(personaClaims(persona).sub)
    .setIssuer(options.issuer ?? IDENTITY_ISSUER)
    .setAudience(options.audience ?? subgraph)
    .setIssuedAt(options.issuedAt ?? now)
    .setExpirationTime(options.expiresAt ?? now + 60)
    .setJti('forged')
    .sign(options.key ?? rightKey.privateKey);
}

function unsigned(subgraph: string, persona: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: IDENTITY_TOKEN_TYPE }));
  const payload = base64url.encode(
    JSON.stringify({ ...claimsBody(persona), sub: personaClaims(persona).sub, iss: IDENTITY_ISSUER, aud: subgraph, iat: now, exp: now + 60, jti: 'none' }),
  );
  return `${header}.${payload}.`;
}

const otherSubgraph = (name: SubgraphName): SubgraphName => SUBGRAPH_NAMES[(SUBGRAPH_NAMES.indexOf(name) + 1) % SUBGRAPH_NAMES.length];

/** Each way of calling a subgraph without a valid identity, with the reason the subgraph gives. */
const ATTEMPTS: { name: string; reason: string; header: (subgraph: SubgraphName, persona: string) => Promise<string | undefined> }[] = [
  { name: 'unsigned (no header)', reason: 'missing', header: async () => undefined },
  { name: 'signed with another ES256 key', reason: 'signature', header: (s, p) => forge(s, p, { key: otherKey }) },
  { name: 'signed with another Ed25519 key under an unknown kid', reason: 'signature', header: (s, p) => forge(s, p, { key: otherEdKey, alg: 'EdDSA', kid: 'attacker' }) },
  {
    name: "the gateway's token with its claims altered (another subject)",
    reason: 'signature',
    header: async (s, p) => {
      const [header, payload, signature] = (await signIdentity(s, p, '', { keysPath: federation.identityKeysPath })).split('.');
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
      return [header, base64url.encode(JSON.stringify({ ...claims, sub: 'dev:someone-else' })), signature].join('.');
    },
  },
  {
    name: 'expired',
    reason: 'expired',
    header: (s, p) => forge(s, p, { issuedAt: Math.floor(Date.now() / 1000) - 180, expiresAt: Math.floor(Date.now() / 1000) - 120 }),
  },
  {
    name: 'older than its lifetime (a far exp does not help)',
    reason: 'expired',
    header: (s, p) => forge(s, p, { issuedAt: Math.floor(Date.now() / 1000) - 600, expiresAt: Math.floor(Date.now() / 1000) + 3600 }),
  },
  { name: 'signed for another subgraph (wrong audience)', reason: 'wrong-audience', header: (s, p) => signIdentity(otherSubgraph(s), p, '', { keysPath: federation.identityKeysPath }) },
  { name: 'alg none', reason: 'algorithm-not-allowed', header: async (s, p) => unsigned(s, p) },
  {
    name: 'HS256 with the public key as the secret (algorithm confusion)',
    reason: 'algorithm-not-allowed',
    header: (s, p) => forge(s, p, { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(rightKey.publicJwk)) }),
  },
  { name: 'another issuer', reason: 'wrong-issuer', header: (s, p) => forge(s, p, { issuer: 'someone-else' }) },
  { name: 'an end-user access token type', reason: 'wrong-type', header: (s, p) => forge(s, p, { typ: 'JWT' }) },
  { name: 'not a token at all', reason: 'malformed', header: async () => 'not.a.token' },
];

describe.each(SUBGRAPH_NAMES)('%s answers 401 to anything the gateway did not sign for it', (subgraph) => {
  test.each(ATTEMPTS.map((attempt) => [attempt.name, attempt] as const))('%s', async (_name, attempt) => {
    for (const operation of OPERATION_NAMES) {
      const { query, variables } = OPERATIONS[subgraph][operation];
      const header = await attempt.header(subgraph, PERSONA_FOR[subgraph][operation]);
      const result = await postGraphQL(federation.subgraphs[subgraph].url, query, variables, header === undefined ? {} : { [IDENTITY_HEADER]: header });
      expect({ operation, status: result.status }).toEqual({ operation, status: 401 });
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors).toEqual([
        { message: expect.stringContaining(`The ${subgraph} subgraph answers only the gateway`), extensions: { code: 'UNAUTHENTICATED', reason: attempt.reason } },
      ]);
    }
  });

  test('GET is refused the same way; /healthz stays open', async () => {
    const get = await fetch(`${federation.subgraphs[subgraph].url}?query=${encodeURIComponent('{ _service { sdl } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(401);
    expect(await get.text()).not.toContain('sdl');
    const health = await fetch(`${federation.subgraphs[subgraph].url.replace(/\/graphql$/, '')}${HEALTH_PATH}`);
    expect(health.status).toBe(200);
  });

  test('an identity the gateway signed for it is answered', async () => {
    for (const operation of OPERATION_NAMES) {
      const { query, variables } = OPERATIONS[subgraph][operation];
      const result = await postToSubgraph(federation.subgraphs[subgraph], query, variables, PERSONA_FOR[subgraph][operation], { keysPath: federation.identityKeysPath });
      expect({ operation, status: result.status, errors: result.body.errors }).toEqual({ operation, status: 200, errors: undefined });
      expect(result.body.data).toBeTruthy();
    }
  });

  test('a revoked user is refused by the subgraph too, even with a valid signature', async () => {
    const result = await postToSubgraph(federation.subgraphs[subgraph], '{ _service { sdl } }', undefined, 'revoked-clerk', { keysPath: federation.identityKeysPath });
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expect(result.raw).not.toContain('異動');
  });
});

describe('signing and verification keys from configuration', () => {
  let ed: { privateJwk: JWK; publicJwk: JWK };
  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { extractable: true });
    ed = { privateJwk: await exportJWK(pair.privateKey), publicJwk: await exportJWK(pair.publicKey) };
  });
  const base = { AUTH_MODE: 'oidc', AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'gw', AUTH_JWKS_URL: 'https://idp.example/jwks' };
  const problemsOf = configProblems;

  test('GATEWAY_SIGNING_KEY: an inline private JWK is used; in production it is required', () => {
    const config = loadConfig({ ...base, GATEWAY_SIGNING_KEY: JSON.stringify(ed.privateJwk) });
    expect(config.identitySigning).toEqual({ source: 'configured', privateJwk: ed.privateJwk });
    expect(problemsOf({ ...base, NODE_ENV: 'production' })).toEqual([expect.stringMatching(/GATEWAY_SIGNING_KEY is required when NODE_ENV=production/)]);
    expect(loadConfig(base).identitySigning).toMatchObject({ source: 'dev', keysPath: expect.stringMatching(/gateway-identity-keys\.json$/) });
  });

  test('GATEWAY_SIGNING_KEY: a public key, a symmetric key, a missing file or non-JSON is a clear problem that never quotes the key', () => {
    expect(problemsOf({ ...base, GATEWAY_SIGNING_KEY: JSON.stringify(ed.publicJwk) })).toEqual([expect.stringMatching(/is a public key; the gateway needs the private key/)]);
    expect(problemsOf({ ...base, GATEWAY_SIGNING_KEY: JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }) })).toEqual([expect.stringMatching(/must be an Ed25519 .* or P-256/)]);
    expect(problemsOf({ ...base, GATEWAY_SIGNING_KEY: '/nonexistent/key.json' })).toEqual([expect.stringMatching(/cannot read the key file: ENOENT/)]);
    const garbage = problemsOf({ ...base, GATEWAY_SIGNING_KEY: '{ secret-material' });
    expect(garbage).toEqual([expect.stringMatching(/is not JSON/)]);
    expect(garbage.join('')).not.toContain('secret-material');
  });

  test('GATEWAY_VERIFY_KEY: a public JWK or JWK set; a private key is refused; in production it is required', () => {
    expect(loadVerifyKeyConfig({ GATEWAY_VERIFY_KEY: JSON.stringify(ed.publicJwk) })).toEqual({ source: 'configured', keys: [ed.publicJwk] });
    expect(loadVerifyKeyConfig({ GATEWAY_VERIFY_KEY: JSON.stringify({ keys: [ed.publicJwk, rightKey.publicJwk] }) })).toMatchObject({ source: 'configured', keys: [ed.publicJwk, rightKey.publicJwk] });
    expect(() => loadVerifyKeyConfig({ GATEWAY_VERIFY_KEY: JSON.stringify(ed.privateJwk) })).toThrow(/contains a private key .* public key only/);
    expect(() => loadVerifyKeyConfig({ NODE_ENV: 'production' })).toThrow(/GATEWAY_VERIFY_KEY is required when NODE_ENV=production/);
    expect(loadVerifyKeyConfig({ GATEWAY_IDENTITY_DEV_KEYS_PATH: '/tmp/x/keys.json' })).toEqual({ source: 'dev', keysPath: '/tmp/x/keys.json' });
    expect(readKeySetting('K', JSON.stringify({ keys: [] }), '/', 'public')).toEqual({ ok: false, problem: 'K holds an empty key set' });
  });

  test('GATEWAY_IDENTITY_LIFETIME_SECONDS / _CLOCK_TOLERANCE_SECONDS on a subgraph: defaults 10 and 2; a bad value stops it from starting', () => {
    expect(loadIdentityWindow({})).toEqual({ lifetimeSeconds: 10, clockToleranceSeconds: 2 });
    expect(loadIdentityWindow({ GATEWAY_IDENTITY_LIFETIME_SECONDS: '20', GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS: '0' })).toEqual({ lifetimeSeconds: 20, clockToleranceSeconds: 0 });
    expect(() => loadIdentityWindow({ GATEWAY_IDENTITY_LIFETIME_SECONDS: '0' })).toThrow(/GATEWAY_IDENTITY_LIFETIME_SECONDS must be a whole number of seconds from 1 to 60/);
    expect(() => loadIdentityWindow({ GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS: '-1' })).toThrow(/GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS must be/);
  });
});
