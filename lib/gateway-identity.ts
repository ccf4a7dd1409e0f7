/**
 * The gateway → subgraph identity protocol (promise 11: subgraphs accept only the gateway).
 *
 * For every subgraph request the gateway signs the caller's verified identity, declared purpose
 * and rule version into a short-lived JWS (gateway/identity-signing.ts) sent in one header; each
 * subgraph verifies it with the gateway's PUBLIC key (subgraphs/shared/identity.ts) and answers
 * 401 without it. The key pair is asymmetric (EdDSA / Ed25519, or ES256): a subgraph holds only
 * the public key, so a compromised subgraph cannot mint identities for the others.
 *
 * Each token is bound to ONE subgraph call: `aud` is the subgraph, `bsh` the SHA-256 of the exact
 * request body, `jti` a unique id the subgraph accepts once, and it lives seconds (issue 10.3: a
 * captured header could be replayed with another body).
 *
 * This module is what both sides agree on: header, issuer, token type, lifetime, claims, and
 * how a key is read from configuration. It signs and verifies nothing itself.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';

/** The request header carrying the signed identity. */
export const IDENTITY_HEADER = 'x-gateway-identity';
/** `iss` of every identity token; `aud` is the subgraph's name. */
export const IDENTITY_ISSUER = 'ward-gateway';
/** `typ` header: an end-user's access token (another `typ`, another key) is never taken for one. */
export const IDENTITY_TOKEN_TYPE = 'ward-identity+jwt';
/**
 * Default `exp` − `iat`. Each token is signed for one subgraph call just before it is sent, so
 * it needs to outlive the trip, not the query plan: a captured token is worth seconds.
 * GATEWAY_IDENTITY_LIFETIME_SECONDS changes it on both sides (identityWindowOf).
 */
export const IDENTITY_LIFETIME_SECONDS = 10;
/** Largest lifetime a configuration may set. */
export const MAX_IDENTITY_LIFETIME_SECONDS = 60;
/**
 * Default clock skew tolerated between the gateway and a subgraph host (hosts keep time by NTP);
 * GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS changes it on the subgraph side.
 */
export const IDENTITY_CLOCK_TOLERANCE_SECONDS = 2;
/** Largest tolerance a configuration may set. */
export const MAX_IDENTITY_CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Claim holding the digest of the request body the token was signed for: base64url(SHA-256) of
 * the exact bytes sent. A subgraph answers only the body the gateway signed, so a captured header
 * cannot carry another query.
 */
export const BODY_DIGEST_CLAIM = 'bsh';

/** base64url(SHA-256(bytes)): the body digest both sides compute over the bytes on the wire. */
export function bodyDigestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** How long a token lives and how much clock skew a subgraph forgives. */
export interface IdentityWindow {
  readonly lifetimeSeconds: number;
  readonly clockToleranceSeconds: number;
}

/**
 * The window from GATEWAY_IDENTITY_LIFETIME_SECONDS (1–60, default 10: the gateway signs with it,
 * a subgraph accepts no older token) and GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS (0–30,
 * default 2: skew a subgraph forgives). Set both alike for the gateway and every subgraph.
 */
export function identityWindowOf(read: (name: string) => string | undefined, problems: string[]): IdentityWindow {
  const seconds = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      problems.push(`${name} must be a whole number of seconds from ${min} to ${max}, got '${value}'`);
      return fallback;
    }
    return parsed;
  };
  return {
    lifetimeSeconds: seconds('GATEWAY_IDENTITY_LIFETIME_SECONDS', IDENTITY_LIFETIME_SECONDS, 1, MAX_IDENTITY_LIFETIME_SECONDS),
    clockToleranceSeconds: seconds('GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS', IDENTITY_CLOCK_TOLERANCE_SECONDS, 0, MAX_IDENTITY_CLOCK_TOLERANCE_SECONDS),
  };
}
/** Asymmetric algorithms only; the key's type decides which one (OKP/Ed25519 → EdDSA, EC/P-256 → ES256). */
export const IDENTITY_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type IdentityAlgorithm = (typeof IDENTITY_ALGORITHMS)[number];

/** File name of the dev (and test) key pair, generated on first use next to the dev token keys. */
export const IDENTITY_DEV_KEYS_FILE = 'gateway-identity-keys.json';

/**
 * Where the dev key pair lives (outside production, when no key is configured): the gateway and
 * the subgraphs `npm start` runs resolve it alike: GATEWAY_IDENTITY_DEV_KEYS_PATH, else next to
 * the dev token keys (AUTH_DEV_KEYS_PATH, default data/dev-keys.json). Relative to `baseDir`.
 */
export function identityDevKeysPath(read: (name: string) => string | undefined, baseDir: string): string {
  const configured = read('GATEWAY_IDENTITY_DEV_KEYS_PATH');
  if (configured !== undefined) return path.resolve(baseDir, configured);
  return path.join(path.dirname(path.resolve(baseDir, read('AUTH_DEV_KEYS_PATH') ?? 'data/dev-keys.json')), IDENTITY_DEV_KEYS_FILE);
}

/**
 * The claims of the caller's request besides iss/aud/iat/exp/jti and the body digest (which are
 * per subgraph call): what the subgraph needs to recompute the profile, and to log.
 */
export interface IdentityClaims {
  /** The named user (`sub` of the caller's token). */
  readonly sub: string;
  /** Department id (the rules' id, e.g. `registry-division`). */
  readonly department: string;
  readonly roles: readonly string[];
  /** Declared purpose (事務) of the request. */
  readonly purpose: string;
  /** Two factors at sign-in. */
  readonly mfa: boolean;
  /** OAuth scopes from the caller's token. */
  readonly scopes: readonly string[];
  /** Version of the rules the gateway decided with (the subgraph decides with its own, and logs a mismatch). */
  readonly ruleVersion: string;
  /** The gateway's request id, for log correlation. */
  readonly requestId: string;
}

/** The algorithm a JWK is used with, or a sentence saying why it cannot be used. */
export function identityAlgorithmOf(jwk: JWK): { ok: true; algorithm: IdentityAlgorithm } | { ok: false; problem: string } {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { ok: true, algorithm: 'EdDSA' };
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return { ok: true, algorithm: 'ES256' };
  return { ok: false, problem: `the key must be an Ed25519 (kty OKP) or P-256 (kty EC) key, got kty ${String(jwk.kty)}${jwk.crv ? ` crv ${jwk.crv}` : ''}` };
}

export type KeySetting = { ok: true; keys: JWK[] } | { ok: false; problem: string };

/**
 * Reads a key setting: inline JSON (a JWK, or a JWK set `{ "keys": [...] }` — several public keys
 * let subgraphs accept a new gateway key before the gateway switches to it), or the path of a
 * file holding that JSON (relative paths from `baseDir`). A dev key-pair file written by
 * `loadOrCreateDevKeys` (`{ publicJwk, privateJwk }`) is read too.
 */
export function readKeySetting(name: string, value: string, baseDir: string, want: 'private' | 'public'): KeySetting {
  let json: string;
  let where: string;
  if (value.trimStart().startsWith('{')) {
    json = value;
    where = name;
  } else {
    const file = path.resolve(baseDir, value);
    where = `${name} (${file})`;
    try {
      json = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return { ok: false, problem: `${where}: cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // The text may be a private key: never quote it.
    return { ok: false, problem: `${where} is not JSON (expected a JWK, a JWK set or a path to one)` };
  }
  const record = parsed as { keys?: unknown; publicJwk?: unknown; privateJwk?: unknown };
  let keys: unknown[];
  if (Array.isArray(record.keys)) keys = record.keys;
  else if (record.publicJwk !== undefined || record.privateJwk !== undefined) keys = [want === 'private' ? record.privateJwk : record.publicJwk];
  else keys = [parsed];
  if (keys.length === 0) return { ok: false, problem: `${where} holds an empty key set` };
  if (want === 'private' && keys.length !== 1) return { ok: false, problem: `${where} must hold exactly one private key (the gateway signs with one key)` };
  const problems: string[] = [];
  for (const [index, key] of keys.entries()) {
    const label = keys.length > 1 ? `${where} key ${index + 1}` : where;
    if (typeof key !== 'object' || key === null) {
      problems.push(`${label} is not a JWK object`);
      continue;
    }
    const jwk = key as JWK;
    const algorithm = identityAlgorithmOf(jwk);
    if (!algorithm.ok) problems.push(`${label}: ${algorithm.problem}`);
    if (want === 'private' && typeof jwk.d !== 'string') problems.push(`${label} is a public key; the gateway needs the private key to sign`);
    // A subgraph holding the private key could mint identities for every other subgraph.
    if (want === 'public' && jwk.d !== undefined) problems.push(`${label} contains a private key ("d"); a subgraph must be given the public key only`);
  }
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return { ok: true, keys: keys as JWK[] };
}

/** Only the public members of a JWK (what a subgraph is given, and what the dev key file's publicJwk holds). */
export function publicJwkOf(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...rest } = jwk as JWK & { oth?: unknown };
  delete (rest as { oth?: unknown }).oth;
  return rest;
}
