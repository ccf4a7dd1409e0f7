import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { base64url, decodeProtectedHeader, SignJWT } from 'jose';
import { createIdentitySigner } from '../../../gateway/identity-signing';
import { loadConfig } from '../../../gateway/config';
import { BODY_DIGEST_CLAIM, bodyDigestOf, IDENTITY_ISSUER, IDENTITY_TOKEN_TYPE } from '../../../lib/gateway-identity';
import { loadOrCreateSubgraphDevKeys, newSubgraphJwk, subgraphDevKeysPath } from '../../../lib/subgraph-keys';
import { createIdentityVerifier, IdentityRejected, loadVerifyKeyConfig, type IdentityVerifier } from '../../../subgraphs/shared/identity';
import { SUBGRAPH_NAMES } from '../../../lib/subgraphs';
import { personaClaims } from '../../support/gateway-identity';
import { configProblems } from '../../gateway/helpers';

/**
 * One HMAC key per subgraph (lib/subgraph-keys.ts): the gateway signs each call with the key of
 * the subgraph it calls; a subgraph verifies with its own key only, so a token made with one
 * subgraph's key (by the gateway, or by that subgraph itself) is refused by every other one, and
 * no other key is ever taken as an HMAC secret. The rest of the protocol (aud, body digest, jti
 * once, lifetime) is the same as with the asymmetric key (trust.test.ts, identity-replay.test.ts).
 */

let dir: string;
let keysPath: string;
const verifiers = new Map<string, IdentityVerifier>();
const body = new TextEncoder().encode('{"query":"{ _service { sdl } }"}');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-subgraph-keys-'));
  keysPath = path.join(dir, 'gateway-identity-keys.json');
  for (const name of ['residents', 'juki-cs'] as const) verifiers.set(name, await createIdentityVerifier(name, { source: 'dev', keysPath }));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IdentityRejected) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('HMAC identity keys, one per subgraph', () => {
  test('dev keys: one per subgraph, each kid naming its subgraph, owner-only file, generated once', () => {
    const keys = loadOrCreateSubgraphDevKeys(subgraphDevKeysPath(keysPath));
    expect(Object.keys(keys).sort()).toEqual([...SUBGRAPH_NAMES].sort());
    for (const name of SUBGRAPH_NAMES) expect(keys[name]!.kid).toMatch(new RegExp(`^hmac-${name}-[0-9a-f]+$`));
    expect(new Set(SUBGRAPH_NAMES.map((name) => keys[name]!.k)).size).toBe(SUBGRAPH_NAMES.length);
    expect(fs.statSync(subgraphDevKeysPath(keysPath)).mode & 0o077).toBe(0);
    expect(loadOrCreateSubgraphDevKeys(subgraphDevKeysPath(keysPath))).toEqual(keys);
  });

  test("the gateway signs each call with HS256 under the called subgraph's key; that subgraph accepts it once, no other subgraph at all", async () => {
    const signer = await createIdentitySigner({ source: 'dev', keysPath });
    const token = await signer.sign(personaClaims('registry-clerk'), 'residents', body);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', typ: IDENTITY_TOKEN_TYPE, kid: expect.stringMatching(/^hmac-residents-/) });
    const residents = verifiers.get('residents')!;
    const verified = await residents.verify(token);
    expect(verified.sub).toBe(personaClaims('registry-clerk').sub);
    residents.bind(verified, body);
    expect(() => residents.bind(verified, body)).toThrow(expect.objectContaining({ reason: 'replayed' }));
    // The residents token at juki-cs: made with a key juki-cs does not hold.
    expect(await rejection(verifiers.get('juki-cs')!.verify(token))).toBe('wrong-audience');
  });

  test("a subgraph holding its own key cannot mint for another; a forged key id or another secret is refused", async () => {
    const keys = loadOrCreateSubgraphDevKeys(subgraphDevKeysPath(keysPath));
    const now = Math.floor(Date.now() / 1000);
    const { sub, ...claims } = personaClaims('registry-clerk');
    const mint = (secret: Uint8Array, kid: string, audience: string) =>
      new SignJWT({ ...claims, roles: [...claims.roles], scopes: [...claims.scopes], [BODY_DIGEST_CLAIM]: bodyDigestOf(body) })
        .setProtectedHeader({ alg: 'HS256', typ: IDENTITY_TOKEN_TYPE, kid })
        .setSubject(sub)
        .setIssuer(IDENTITY_ISSUER)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 10)
        .setJti(`forged-${kid}-${audience}`)
        .sign(secret);
    const residentsSecret = base64url.decode(keys['residents']!.k!);
    // residents, compromised, mints for juki-cs with its own key: under its own kid, or juki-cs' kid.
    expect(await rejection(verifiers.get('juki-cs')!.verify(await mint(residentsSecret, keys['residents']!.kid!, 'juki-cs')))).toBe('wrong-audience');
    expect(await rejection(verifiers.get('juki-cs')!.verify(await mint(residentsSecret, keys['juki-cs']!.kid!, 'juki-cs')))).toBe('signature');
    // A key id that names no subgraph key: HS256 is not allowed under it.
    expect(await rejection(verifiers.get('juki-cs')!.verify(await mint(residentsSecret, 'dev-2026-12-04-abcd', 'juki-cs')))).toBe('algorithm-not-allowed');
  });

  test('GATEWAY_SUBGRAPH_KEYS (gateway: every subgraph) and GATEWAY_SUBGRAPH_KEY (a subgraph: its own) are checked and never quoted', async () => {
    const all = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, newSubgraphJwk(name)]));
    const config = loadConfig({ GATEWAY_SUBGRAPH_KEYS: JSON.stringify(all) });
    expect(config.identitySigning).toMatchObject({ source: 'dev', subgraphKeys: all });
    const { residents: _missing, ...partial } = all;
    expect(configProblems({ GATEWAY_SUBGRAPH_KEYS: JSON.stringify(partial) })).toEqual([expect.stringMatching(/the key for residents must be a symmetric JWK/)]);
    const swapped = { ...all, residents: all['juki-cs'] };
    const problems = configProblems({ GATEWAY_SUBGRAPH_KEYS: JSON.stringify(swapped) });
    expect(problems).toEqual([expect.stringMatching(/the key for residents needs a kid "hmac-residents-<hex>"/)]);
    expect(problems.join('')).not.toContain(all['juki-cs']!.k);
    // A subgraph given another subgraph's key refuses to start.
    const own = loadVerifyKeyConfig({ GATEWAY_SUBGRAPH_KEY: JSON.stringify(all['juki-cs']), GATEWAY_IDENTITY_DEV_KEYS_PATH: keysPath });
    await expect(createIdentityVerifier('residents', own)).rejects.toThrow(/the key for residents needs a kid/);
  });
});
