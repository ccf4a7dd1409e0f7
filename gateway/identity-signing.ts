/**
 * Signs the verified caller into each subgraph request (the protocol is lib/gateway-identity.ts).
 * Called only from SubgraphDataSource's fetcher, over the exact bytes it sends: the one place
 * where identities leave the gateway. The caller's own bearer token is never forwarded.
 */
import { hkdfSync, randomUUID, type KeyObject } from 'node:crypto';
import { importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { loadOrCreateDevKeys } from '../lib/dev-keys';
import {
  BODY_DIGEST_CLAIM,
  bodyDigestOf,
  IDENTITY_ISSUER,
  IDENTITY_LIFETIME_SECONDS,
  IDENTITY_TOKEN_TYPE,
  identityAlgorithmOf,
  type IdentityAlgorithm,
  type IdentityClaims,
} from '../lib/gateway-identity';
import { loadOrCreateSubgraphDevKeys, subgraphDevKeysPath, subgraphKeyOf, SUBGRAPH_KEY_ALGORITHM, type SubgraphKey } from '../lib/subgraph-keys';

/**
 * Where the signing key comes from: `GATEWAY_SIGNING_KEY` (a private JWK, inline or a file), or —
 * outside production only — a key pair generated once into `data/gateway-identity-keys.json`
 * (`GATEWAY_IDENTITY_DEV_KEYS_PATH`), which the subgraphs started by `npm start` read too.
 */
export type IdentitySigningConfig =
  | { readonly source: 'configured'; readonly privateJwk: JWK; readonly subgraphKeys?: Readonly<Record<string, JWK>> }
  | { readonly source: 'dev'; readonly keysPath: string; readonly subgraphKeys?: Readonly<Record<string, JWK>> };

export interface IdentitySigner {
  /** The asymmetric key's algorithm: what signs for an audience without an HMAC key of its own. */
  readonly algorithm: IdentityAlgorithm;
  readonly kid: string | undefined;
  /** The audiences signed with their own HMAC key (lib/subgraph-keys.ts). */
  readonly hmacAudiences: readonly string[];
  readonly lifetimeSeconds: number;
  /**
   * A compact JWS for one call to one subgraph (`aud`) carrying exactly `body` (its SHA-256 in
   * `bsh`), with a fresh `jti`, valid `lifetimeSeconds` from now.
   */
  sign(claims: IdentityClaims, audience: string, body: Uint8Array): Promise<string>;
  /** Tokens signed so far (a signature costs CPU on every subgraph call: tests count them). */
  signatures(): number;
  /**
   * A 32-byte secret for `purpose`, derived (HKDF-SHA-256) from the private signing key: the one
   * secret every replica and worker of the gateway already shares, and no subgraph holds. A new
   * signing key gives new secrets.
   */
  deriveSecret(purpose: string): Uint8Array;
}

export interface IdentitySignerOptions {
  /** `exp` − `iat`; default IDENTITY_LIFETIME_SECONDS (GATEWAY_IDENTITY_LIFETIME_SECONDS). */
  readonly lifetimeSeconds?: number;
}

export async function createIdentitySigner(config: IdentitySigningConfig, options: IdentitySignerOptions = {}): Promise<IdentitySigner> {
  const lifetimeSeconds = options.lifetimeSeconds ?? IDENTITY_LIFETIME_SECONDS;
  let signatures = 0;
  let privateKey: KeyLike;
  let algorithm: IdentityAlgorithm;
  let kid: string | undefined;
  // One HMAC key per subgraph (lib/subgraph-keys.ts): configured, or the dev keys next to the dev pair.
  let subgraphJwks: Readonly<Record<string, JWK>> | undefined;
  if (config.source === 'dev') {
    const keys = await loadOrCreateDevKeys(config.keysPath);
    privateKey = keys.privateKey;
    algorithm = 'ES256';
    kid = keys.kid;
    subgraphJwks = config.subgraphKeys ?? loadOrCreateSubgraphDevKeys(subgraphDevKeysPath(config.keysPath));
  } else {
    subgraphJwks = config.subgraphKeys;
    const found = identityAlgorithmOf(config.privateJwk);
    if (!found.ok) throw new Error(`GATEWAY_SIGNING_KEY: ${found.problem}`);
    algorithm = found.algorithm;
    const imported = await importJWK(config.privateJwk, algorithm);
    if (imported instanceof Uint8Array) throw new Error('GATEWAY_SIGNING_KEY is a symmetric key; an asymmetric private key is required');
    privateKey = imported;
    kid = config.privateJwk.kid;
  }
  const hmacKeys = new Map<string, SubgraphKey>();
  for (const [subgraph, jwk] of Object.entries(subgraphJwks ?? {})) {
    const checked = subgraphKeyOf(subgraph, jwk, 'GATEWAY_SUBGRAPH_KEYS');
    if (!checked.ok) throw new Error(checked.problem);
    hmacKeys.set(subgraph, checked.key);
  }
  const privateScalar = Buffer.from(String((privateKey as KeyObject).export({ format: 'jwk' }).d), 'base64url');
  return {
    algorithm,
    kid,
    hmacAudiences: [...hmacKeys.keys()],
    lifetimeSeconds,
    signatures: () => signatures,
    deriveSecret: (purpose) => new Uint8Array(hkdfSync('sha256', privateScalar, Buffer.alloc(0), purpose, 32)),
    async sign(claims, audience, body) {
      const now = Math.floor(Date.now() / 1000);
      signatures += 1;
      const hmac = hmacKeys.get(audience);
      return new SignJWT({
        department: claims.department,
        roles: [...claims.roles],
        purpose: claims.purpose,
        mfa: claims.mfa,
        scopes: [...claims.scopes],
        ruleVersion: claims.ruleVersion,
        requestId: claims.requestId,
        [BODY_DIGEST_CLAIM]: bodyDigestOf(body),
      })
        .setProtectedHeader(
          hmac ? { alg: SUBGRAPH_KEY_ALGORITHM, typ: IDENTITY_TOKEN_TYPE, kid: hmac.kid } : { alg: algorithm, typ: IDENTITY_TOKEN_TYPE, ...(kid !== undefined ? { kid } : {}) },
        )
        .setSubject(claims.sub)
        .setIssuer(IDENTITY_ISSUER)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + lifetimeSeconds)
        .setJti(randomUUID())
        .sign(hmac ? hmac.secret : privateKey);
    },
  };
}
