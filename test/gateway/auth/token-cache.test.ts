import path from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { AuthenticationError, createAuthenticator } from '../../../gateway/auth/authenticate';
import { loadOrCreateDevKeys, type DevKeys } from '../../../lib/dev-keys';
import { DEV_AUDIENCE, DEV_ISSUER, loadConfig } from '../../../gateway/config';
import { tempDir } from '../helpers';

/**
 * The verified-token cache (gateway/auth/authenticate.ts): a user's token is verified once and
 * then recognised by its exact text until it expires (or the cache's maximum age passed); a token
 * differing in one byte is verified (and refused) as before, and per-request inputs (X-Purpose)
 * are still checked on every request. Revocation is not the authenticator's: it is checked per
 * request by permissionProfileMiddleware, after this, cached or not.
 */

let keys: DevKeys;
let keysPath: string;
const seconds = () => Math.floor(Date.now() / 1000);
const claims = (exp: number): JWTPayload => ({
  sub: 'dev:registry-clerk',
  department: '住民記録・戸籍課',
  department_id: 'registry-division',
  roles: ['clerk'],
  purpose: 'resident-registry',
  iss: DEV_ISSUER,
  aud: DEV_AUDIENCE,
  iat: seconds(),
  exp,
});
const sign = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.kid }).sign(keys.privateKey);
const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

beforeAll(async () => {
  keysPath = path.join(tempDir('token-cache'), 'dev-keys.json');
  keys = await loadOrCreateDevKeys(keysPath);
});

test('a token is verified once, then recognised; the same identity comes back', async () => {
  const authenticator = await createAuthenticator(loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth);
  const token = await sign(claims(seconds() + 600));
  const first = await authenticator.authenticate(bearer(token));
  for (let i = 0; i < 4; i += 1) expect(await authenticator.authenticate(bearer(token))).toEqual(first);
  expect(authenticator.stats!()).toEqual({ verified: 1, cacheHits: 4 });
});

test('one byte changed in the signature is verified, and refused, every time', async () => {
  const authenticator = await createAuthenticator(loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth);
  const token = await sign(claims(seconds() + 600));
  await authenticator.authenticate(bearer(token));
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  const tampered = `${token.slice(0, -2)}${last}${token.slice(-1)}`;
  for (let i = 0; i < 2; i += 1) await expect(authenticator.authenticate(bearer(tampered))).rejects.toBeInstanceOf(AuthenticationError);
  expect(authenticator.stats!()).toEqual({ verified: 1, cacheHits: 0 });
});

test('per-request inputs are checked on a cache hit too (a bad X-Purpose is 400)', async () => {
  const authenticator = await createAuthenticator(loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth);
  const token = await sign(claims(seconds() + 600));
  await authenticator.authenticate(bearer(token));
  await expect(authenticator.authenticate(bearer(token, { 'x-purpose': 'NOT A PURPOSE' }))).rejects.toMatchObject({ reason: 'invalid_purpose_header' });
  expect((await authenticator.authenticate(bearer(token, { 'x-purpose': 'local-tax' }))).purpose).toBe('local-tax');
  expect(authenticator.stats!().cacheHits).toBe(2);
});

test('not reused past the token’s expiry, nor past the maximum age', async () => {
  let clock = Date.now();
  const authenticator = await createAuthenticator(loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth, { now: () => clock, maxAgeMs: 60_000 });
  const exp = seconds() + 30;
  const token = await sign(claims(exp));
  await authenticator.authenticate(bearer(token));
  await authenticator.authenticate(bearer(token));
  expect(authenticator.stats!()).toEqual({ verified: 1, cacheHits: 1 });
  // Past `exp` by the cache's clock: verified again (jose, by the real clock, still accepts it).
  clock = exp * 1000 + 1;
  await authenticator.authenticate(bearer(token));
  expect(authenticator.stats!()).toEqual({ verified: 2, cacheHits: 1 });

  const longLived = await sign(claims(seconds() + 3600));
  clock = Date.now();
  await authenticator.authenticate(bearer(longLived));
  clock += 60_001;
  await authenticator.authenticate(bearer(longLived));
  expect(authenticator.stats!()).toEqual({ verified: 4, cacheHits: 1 });
});
