import path from 'node:path';
import { ConfigError, DEV_AUDIENCE, DEV_ISSUER, loadConfig } from '../../gateway/config';
import { PROJECT_ROOT } from '../../lib/project-root';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('gateway config', () => {
  it('has working defaults for npm start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      supergraphPath: path.join(PROJECT_ROOT, 'schema/supergraph.graphql'),
      supergraphWatch: 'auto',
      subgraphUrls: {
        residents: 'http://127.0.0.1:4001/graphql',
        'juki-cs': 'http://127.0.0.1:4002/graphql',
        intermediate: 'http://127.0.0.1:4003/graphql',
        'card-progress': 'http://127.0.0.1:4004/graphql',
      },
      auth: { mode: 'dev', issuer: DEV_ISSUER, audience: DEV_AUDIENCE, algorithms: ['ES256'], clockToleranceSeconds: 30, devKeysPath: path.join(PROJECT_ROOT, 'data/dev-keys.json') },
      logLevel: 'info',
    });
  });

  it('takes subgraph URLs and port from the environment', () => {
    const config = loadConfig({ GATEWAY_PORT: '8080', JUKI_CS_URL: 'https://cs.internal/graphql' });
    expect(config.port).toBe(8080);
    expect(config.subgraphUrls['juki-cs']).toBe('https://cs.internal/graphql');
  });

  it('configures OIDC from issuer, audience and JWKS URL', () => {
    const config = loadConfig({ AUTH_MODE: 'oidc', AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'gw', AUTH_JWKS_URL: 'https://idp.example/jwks' });
    expect(config.auth).toMatchObject({ mode: 'oidc', issuer: 'https://idp.example', audience: 'gw', algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'] });
    expect(config.auth.mode === 'oidc' && config.auth.jwksUrl.href).toBe('https://idp.example/jwks');
  });

  it('lists every problem at once', () => {
    expect(problems({ AUTH_MODE: 'oidc', GATEWAY_PORT: 'abc', RESIDENTS_URL: 'ftp://x' })).toEqual([
      "GATEWAY_PORT must be a port number (0-65535), got 'abc'",
      "RESIDENTS_URL must be an http(s) URL, got 'ftp://x'",
      'AUTH_ISSUER is required when AUTH_MODE=oidc',
      'AUTH_AUDIENCE is required when AUTH_MODE=oidc',
      'AUTH_JWKS_URL is required when AUTH_MODE=oidc',
    ]);
  });

  it('refuses dev auth in production', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/AUTH_MODE=dev is refused when NODE_ENV=production/),
      // Every problem at once: production also needs the key that signs identities for the subgraphs.
      expect.stringMatching(/GATEWAY_SIGNING_KEY is required when NODE_ENV=production/),
    ]);
  });

  it('refuses alg none and unknown algorithms', () => {
    const oidc = { AUTH_MODE: 'oidc', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_URL: 'https://idp/jwks' };
    expect(problems({ ...oidc, AUTH_ALGORITHMS: 'RS256,none,XX1' })).toEqual([
      "AUTH_ALGORITHMS must not contain 'none': unsigned tokens are never accepted",
      "AUTH_ALGORITHMS: unknown algorithm 'XX1' (known: ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA, HS256, HS384, HS512)",
    ]);
  });

  it('allows HS* only with a long enough secret', () => {
    const oidc = { AUTH_MODE: 'oidc', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_URL: 'https://idp/jwks', AUTH_ALGORITHMS: 'HS256' };
    expect(problems(oidc)).toEqual([expect.stringMatching(/AUTH_HMAC_SECRET of at least 32 bytes/)]);
    expect(problems({ ...oidc, AUTH_HMAC_SECRET: 's'.repeat(32) })).toEqual([]);
  });

  it('refuses a plain-http JWKS URL except on this host', () => {
    const oidc = { AUTH_MODE: 'oidc', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' };
    expect(problems({ ...oidc, AUTH_JWKS_URL: 'http://idp.example/jwks' })).toEqual([expect.stringMatching(/must use https/)]);
    expect(problems({ ...oidc, AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' })).toEqual([]);
  });

  it('runs one process by default; more workers only with the limits in Redis', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ GATEWAY_WORKERS: '2', GATEWAY_LIMITS_REDIS_URL: 'redis://127.0.0.1:6379' }).workers).toBe(2);
    // Counters per process would give every user one budget per worker.
    expect(problems({ GATEWAY_WORKERS: '2' })).toEqual([expect.stringMatching(/GATEWAY_WORKERS=2 needs GATEWAY_LIMITS_REDIS_URL/)]);
    for (const bad of ['0', '65', 'two', '1.5']) expect(problems({ GATEWAY_WORKERS: bad })).toEqual([expect.stringMatching(/GATEWAY_WORKERS must be/)]);
  });
});
