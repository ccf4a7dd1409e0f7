import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { AuthenticationError, createAuthenticator, hasTwoFactors, type Authenticator } from '../../../gateway/auth/authenticate';
import { loadOrCreateDevKeys, type DevKeys } from '../../../lib/dev-keys';
import { mintDevToken } from '../../../gateway/auth/dev-token';
import { findPersona, type Persona } from '../../../gateway/auth/personas';
import { DEV_AUDIENCE, DEV_ISSUER, loadConfig } from '../../../gateway/config';
import { tempDir } from '../helpers';

const persona = (id: string): Persona => {
  const found = findPersona(id);
  if (!found) throw new Error(`no persona ${id}`);
  return found;
};

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejection(promise: Promise<unknown>): Promise<AuthenticationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthenticationError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('authenticate (dev mode)', () => {
  let keys: DevKeys;
  let authenticator: Authenticator;
  let otherPrivateKey: KeyLike;

  const now = () => Math.floor(Date.now() / 1000);
  const validClaims = (): JWTPayload => ({
    sub: 'dev:registry-clerk',
    name: 'Registry Clerk (synthetic)',
    department: '住民記録・戸籍課',
    department_id: 'registry-division',
    roles: ['clerk'],
    purpose: 'resident-registry',
    amr: ['pwd', 'hwk'],
    jti: 'test-jti',
    iss: DEV_ISSUER,
    aud: DEV_AUDIENCE,
    iat: now(),
    exp: now() + 600,
  });
  const sign = (claims: JWTPayload, key: KeyLike = keys.privateKey, kid: string = keys.kid): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid }).sign(key);
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  beforeAll(async () => {
    const keysPath = path.join(tempDir('auth'), 'dev-keys.json');
    keys = await loadOrCreateDevKeys(keysPath);
    authenticator = await createAuthenticator(loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth);
    otherPrivateKey = (await generateKeyPair('ES256')).privateKey;
  });

  it('accepts a token from `npm run token` and builds the identity', async () => {
    const { token } = await mintDevToken({ persona: persona('registry-clerk'), keys });
    const identity = await authenticator.authenticate(bearer(token, { 'apollographql-client-name': 'counter-app', 'apollographql-client-version': '1.2.0' }));
    expect(identity).toMatchObject({
      subject: 'dev:registry-clerk',
      name: 'Registry Clerk (synthetic)',
      department: { id: 'registry-division', name: '住民記録・戸籍課' },
      roles: ['clerk'],
      purpose: 'resident-registry',
      purposeSource: 'token',
      mfa: true,
      issuer: DEV_ISSUER,
      client: { name: 'counter-app', version: '1.2.0' },
    });
    expect(identity.tokenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('takes the declared purpose from X-Purpose over the purpose claim', async () => {
    const { token } = await mintDevToken({ persona: persona('tax-clerk'), keys });
    const identity = await authenticator.authenticate(bearer(token, { 'x-purpose': 'statistics' }));
    expect(identity.purpose).toBe('statistics');
    expect(identity.purposeSource).toBe('header');
  });

  it('refuses a malformed X-Purpose with 400', async () => {
    const { token } = await mintDevToken({ persona: persona('tax-clerk'), keys });
    const error = await rejection(authenticator.authenticate(bearer(token, { 'x-purpose': 'Local Tax; drop' })));
    expect(error.httpStatus).toBe(400);
    expect(error.reason).toBe('invalid_purpose_header');
  });

  it('reads the client from X-Client-Name when Apollo client headers are absent', async () => {
    const { token } = await mintDevToken({ persona: persona('registry-clerk'), keys });
    const identity = await authenticator.authenticate(bearer(token, { 'x-client-name': 'batch\u0007job' }));
    expect(identity.client).toEqual({ name: 'batch?job' });
  });

  it('marks a password-only persona as without MFA', async () => {
    const { token } = await mintDevToken({ persona: persona('registry-clerk-nomfa'), keys });
    expect((await authenticator.authenticate(bearer(token))).mfa).toBe(false);
  });

  it.each([
    [['mfa'], true],
    [['pwd', 'hwk'], true],
    [['hwk', 'pwd', 'otp'], true],
    [['pwd'], false],
    [['hwk'], false],
    [['pwd', 'otp'], false],
    ['mfa', false],
    [undefined, false],
  ])('amr %j → mfa %s', (amr, expected) => {
    expect(hasTwoFactors(amr)).toBe(expected);
  });

  it('refuses a request without a token', async () => {
    const error = await rejection(authenticator.authenticate({}));
    expect(error).toMatchObject({ httpStatus: 401, code: 'UNAUTHENTICATED', reason: 'missing_token' });
    expect(error.message).toMatch(/Missing bearer token/);
  });

  it('refuses another scheme', async () => {
    const error = await rejection(authenticator.authenticate({ authorization: 'Basic dXNlcjpwYXNz' }));
    expect(error.reason).toBe('malformed_token');
    expect(error.message).toMatch(/Bearer/);
  });

  it.each(['not-a-jwt', 'a.b', 'e30.e30.sig.extra', '!!!.???.###'])('refuses the malformed token %s', async (token) => {
    const error = await rejection(authenticator.authenticate(bearer(token)));
    expect(error.reason).toBe('malformed_token');
    expect(error.message).toMatch(/^Malformed/);
    expect(error.message).not.toContain(token);
  });

  it('refuses an unsigned token (alg none) built by hand', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`;
    const error = await rejection(authenticator.authenticate(bearer(token)));
    expect(error.reason).toBe('unsigned_token');
    expect(error.message).toMatch(/alg "none"/);
  });

  it('refuses alg None in any case', async () => {
    const token = `${base64url({ alg: 'NoNe' })}.${base64url(validClaims())}.`;
    expect((await rejection(authenticator.authenticate(bearer(token)))).reason).toBe('unsigned_token');
  });

  it('refuses an HS256 token (never accepted unless configured)', async () => {
    const secret = new TextEncoder().encode('x'.repeat(32));
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const error = await rejection(authenticator.authenticate(bearer(token)));
    expect(error.reason).toBe('unsupported_algorithm');
    expect(error.message).toMatch(/HS256.*accepted are ES256/);
  });

  it('refuses a token signed by another key under our kid', async () => {
    const error = await rejection(authenticator.authenticate(bearer(await sign(validClaims(), otherPrivateKey))));
    expect(error.reason).toBe('bad_signature');
    expect(error.message).toBe('Token signature is invalid');
  });

  it('refuses a token signed with an unknown kid', async () => {
    const error = await rejection(authenticator.authenticate(bearer(await sign(validClaims(), otherPrivateKey, 'someone-else'))));
    expect(error.reason).toBe('unknown_key');
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = await sign(validClaims());
    const [header, , signature] = token.split('.');
    const forged = `${header}.${base64url({ ...validClaims(), roles: ['security-officer'] })}.${signature}`;
    expect((await rejection(authenticator.authenticate(bearer(forged)))).reason).toBe('bad_signature');
  });

  it('refuses an expired token and says when it expired', async () => {
    const exp = now() - 120;
    const error = await rejection(authenticator.authenticate(bearer(await sign({ ...validClaims(), iat: exp - 600, exp }))));
    expect(error.reason).toBe('expired');
    expect(error.message).toContain(new Date(exp * 1000).toISOString());
  });

  it('tolerates 30 s of clock skew', async () => {
    const identity = await authenticator.authenticate(bearer(await sign({ ...validClaims(), exp: now() - 10 })));
    expect(identity.subject).toBe('dev:registry-clerk');
  });

  it('refuses a token that is not valid yet', async () => {
    const error = await rejection(authenticator.authenticate(bearer(await sign({ ...validClaims(), nbf: now() + 300 }))));
    expect(error.reason).toBe('not_yet_valid');
  });

  it('refuses the wrong issuer', async () => {
    const error = await rejection(authenticator.authenticate(bearer(await sign({ ...validClaims(), iss: 'https://evil.example' }))));
    expect(error.reason).toBe('wrong_issuer');
    expect(error.message).toContain(DEV_ISSUER);
  });

  it('refuses the wrong audience', async () => {
    const error = await rejection(authenticator.authenticate(bearer(await sign({ ...validClaims(), aud: 'another-api' }))));
    expect(error.reason).toBe('wrong_audience');
    expect(error.message).toContain(DEV_AUDIENCE);
  });

  it.each(['sub', 'exp', 'department', 'roles', 'purpose'])('refuses a token without the %s claim', async (claim) => {
    const claims = validClaims();
    delete claims[claim];
    const error = await rejection(authenticator.authenticate(bearer(await sign(claims))));
    expect(error.reason).toBe('missing_claim');
    expect(error.message).toBe(`Token is missing the required claim "${claim}"`);
  });

  it.each([
    ['roles', 'clerk'],
    ['roles', []],
    ['roles', [1]],
    ['department', 42],
    ['purpose', 'Resident Registry'],
    ['sub', ''],
  ])('refuses an invalid %s claim %j', async (claim, value) => {
    const error = await rejection(authenticator.authenticate(bearer(await sign({ ...validClaims(), [claim]: value }))));
    expect(error.reason).toBe('invalid_claim');
    expect(error.message).toContain(`"${claim}"`);
  });

  it('never repeats the token in a message', async () => {
    const token = await sign({ ...validClaims(), aud: 'another-api' });
    const error = await rejection(authenticator.authenticate(bearer(token)));
    for (const part of token.split('.')) expect(error.message).not.toContain(part);
  });
});

describe('authenticate (oidc mode with a JWKS URL)', () => {
  let jwksServer: http.Server;
  let jwksUrl: string;
  let privateKey: KeyLike;
  let serveGarbage = false;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(serveGarbage ? 'not json' : JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  const oidcAuthenticator = () =>
    createAuthenticator(
      loadConfig({ AUTH_MODE: 'oidc', AUTH_ISSUER: 'https://idp.ward.example', AUTH_AUDIENCE: 'resident-gateway', AUTH_JWKS_URL: jwksUrl }).auth,
    );
  const idpToken = (kid = 'idp-1') =>
    new SignJWT({ department: '課税課', department_id: 'taxation-division', roles: ['clerk'], purpose: 'local-tax', amr: ['mfa'] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('emp-000123')
      .setIssuer('https://idp.ward.example')
      .setAudience('resident-gateway')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('verifies against the identity provider keys', async () => {
    const identity = await (await oidcAuthenticator()).authenticate({ authorization: `Bearer ${await idpToken()}` });
    expect(identity).toMatchObject({ subject: 'emp-000123', department: { id: 'taxation-division' }, mfa: true, issuer: 'https://idp.ward.example' });
  });

  it('refuses a kid the identity provider does not publish', async () => {
    const error = await rejection((await oidcAuthenticator()).authenticate({ authorization: `Bearer ${await idpToken('idp-unknown')}` }));
    expect(error.reason).toBe('unknown_key');
  });

  it('answers 503, not 401, when the keys cannot be fetched', async () => {
    serveGarbage = true;
    try {
      const error = await rejection((await oidcAuthenticator()).authenticate({ authorization: `Bearer ${await idpToken()}` }));
      expect(error).toMatchObject({ httpStatus: 503, reason: 'key_source_unavailable' });
    } finally {
      serveGarbage = false;
    }
  });
});
