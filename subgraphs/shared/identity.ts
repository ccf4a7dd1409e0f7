/**
 * Subgraphs trust nobody but the gateway (promise 11). Every request to /graphql — `_service`
 * and `_entities` included, GET or POST — must carry the identity the gateway signed for THIS
 * subgraph (lib/gateway-identity.ts), for THIS body (its SHA-256 over the bytes received), not
 * seen before (its `jti`, held in a replay cache for the token's lifetime) and at most seconds
 * old; anything else is answered 401 before Apollo sees it.
 * The verified identity is turned into a Principal and a PermissionProfile under this
 * subgraph's own copy of the rules, which the shield (shield.ts) and the row-level rules read.
 */
import path from 'node:path';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type FlattenedJWSInput, type JWK, type JWTHeaderParameters, type JWTPayload, type KeyLike } from 'jose';
import { loadOrCreateSubgraphDevKeys, readOwnSubgraphKey, subgraphDevKeysPath, subgraphKeyOf, subgraphOfKeyId, SUBGRAPH_KEY_ALGORITHM, type SubgraphKey } from '../../lib/subgraph-keys';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import {
  BODY_DIGEST_CLAIM,
  bodyDigestOf,
  IDENTITY_ALGORITHMS,
  IDENTITY_CLOCK_TOLERANCE_SECONDS,
  IDENTITY_HEADER,
  IDENTITY_ISSUER,
  IDENTITY_LIFETIME_SECONDS,
  IDENTITY_TOKEN_TYPE,
  identityDevKeysPath,
  identityWindowOf,
  publicJwkOf,
  readKeySetting,
  type IdentityClaims,
  type IdentityWindow,
} from '../../lib/gateway-identity';
import { ReplayCache } from './replay-cache';
import { resolveProfile } from '../../lib/authorization/profile';
import type { PolicySet } from '../../lib/policy/types';
import type { PermissionProfile, Principal } from '../../lib/authorization/types';
import type { Logger } from '../../lib/logger';
import type { SubgraphName } from '../../lib/subgraphs';
import { PROJECT_ROOT } from '../../lib/project-root';


/** The identity the gateway signed, as verified. */
export interface VerifiedIdentity extends IdentityClaims {
  /** `jti` of the token. */
  readonly tokenId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** A verified token: the identity, and the one request body it was signed for. */
export interface VerifiedToken extends VerifiedIdentity {
  /** `bsh`: base64url SHA-256 of the body the token was signed for. */
  readonly bodyDigest: string;
}

/** What a subgraph knows about the caller of one request; every resolver context carries it as `auth`. */
export interface SubgraphAuth {
  readonly identity: VerifiedIdentity;
  readonly principal: Principal;
  /** Recomputed here from the signed principal under this subgraph's rules (never taken from the gateway). */
  readonly profile: PermissionProfile;
}

/** Why a request was refused; `reason` goes into the 401 body and the log. */
export type IdentityRejectionReason =
  | 'missing'
  | 'malformed'
  | 'algorithm-not-allowed'
  | 'signature'
  | 'expired'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'wrong-type'
  | 'invalid-claims'
  /** The body received is not the one the token was signed for. */
  | 'body-mismatch'
  /** The token was answered before (its jti is in the replay cache). */
  | 'replayed';

export class IdentityRejected extends Error {
  constructor(
    readonly reason: IdentityRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityRejected';
  }
}

/**
 * The gateway's public key(s): configured (GATEWAY_VERIFY_KEY), or the dev key pair's public half;
 * and this subgraph's own HMAC key (GATEWAY_SUBGRAPH_KEY, raw setting, checked against the
 * subgraph's name when the verifier is created; in dev, its entry of the dev subgraph keys).
 */
export type VerifyKeyConfig =
  | { readonly source: 'configured'; readonly keys: readonly JWK[]; readonly ownKeySetting?: string }
  | { readonly source: 'dev'; readonly keysPath: string; readonly ownKeySetting?: string };

/**
 * GATEWAY_VERIFY_KEY: the gateway's public JWK (or a JWK set, for key rotation), inline JSON or a
 * file path. Required when NODE_ENV=production; elsewhere the dev key pair that the gateway
 * generates (identityDevKeysPath) is read, and generated if this subgraph starts first.
 * Throws a clear error on a bad setting: a subgraph that cannot verify must not start.
 */
export function loadVerifyKeyConfig(env: NodeJS.ProcessEnv = process.env): VerifyKeyConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const value = read('GATEWAY_VERIFY_KEY');
  if (value !== undefined) {
    const setting = readKeySetting('GATEWAY_VERIFY_KEY', value, PROJECT_ROOT, 'public');
    if (!setting.ok) throw new Error(`Invalid subgraph configuration: ${setting.problem}`);
    const own = read('GATEWAY_SUBGRAPH_KEY');
    return { source: 'configured', keys: setting.keys, ...(own !== undefined ? { ownKeySetting: own } : {}) };
  }
  if (read('NODE_ENV') === 'production') {
    throw new Error(
      'Invalid subgraph configuration: GATEWAY_VERIFY_KEY is required when NODE_ENV=production (the public half of the gateway\'s GATEWAY_SIGNING_KEY, a JWK or JWK set, inline or a file path)',
    );
  }
  const own = read('GATEWAY_SUBGRAPH_KEY');
  return { source: 'dev', keysPath: identityDevKeysPath(read, PROJECT_ROOT), ...(own !== undefined ? { ownKeySetting: own } : {}) };
}

/** This subgraph's own HMAC key (lib/subgraph-keys.ts): configured, or in dev its entry of the generated keys; none with a configured asymmetric key only. */
function ownHmacKey(subgraph: SubgraphName, config: VerifyKeyConfig): SubgraphKey | undefined {
  let jwk: JWK | undefined;
  if (config.ownKeySetting !== undefined) {
    const read = readOwnSubgraphKey(subgraph, 'GATEWAY_SUBGRAPH_KEY', config.ownKeySetting, PROJECT_ROOT);
    if (!read.ok) throw new Error(`Invalid subgraph configuration: ${read.problem}`);
    jwk = read.key;
  } else if (config.source === 'dev') {
    jwk = loadOrCreateSubgraphDevKeys(subgraphDevKeysPath(config.keysPath))[subgraph];
  }
  if (jwk === undefined) return undefined;
  const checked = subgraphKeyOf(subgraph, jwk, 'GATEWAY_SUBGRAPH_KEY');
  if (!checked.ok) throw new Error(`Invalid subgraph configuration: ${checked.problem}`);
  return checked.key;
}

/**
 * GATEWAY_IDENTITY_LIFETIME_SECONDS (the oldest token accepted, default 10) and
 * GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS (default 2): set alike for the gateway. Throws on a bad value.
 */
export function loadIdentityWindow(env: NodeJS.ProcessEnv = process.env): IdentityWindow {
  const problems: string[] = [];
  const window = identityWindowOf((name) => env[name]?.trim() || undefined, problems);
  if (problems.length > 0) throw new Error(`Invalid subgraph configuration: ${problems.join('; ')}`);
  return window;
}

/** Default bound of the replay cache: ids accepted per lifetime (at 10 s, 10,000 calls per second). */
export const DEFAULT_REPLAY_CACHE_CAPACITY = 100_000;

export interface IdentityVerifierOptions {
  /** Default IDENTITY_LIFETIME_SECONDS and IDENTITY_CLOCK_TOLERANCE_SECONDS (loadIdentityWindow). */
  readonly window?: IdentityWindow;
  readonly replayCacheCapacity?: number;
  /** Epoch milliseconds; default Date.now (tests move it to replay a token "30 s later"). */
  readonly now?: () => number;
}

/** The replay cache is full of live ids: the call is refused (503), never let through unrecorded. */
export class ReplayCacheFull extends Error {
  constructor() {
    super('too many gateway calls within one identity lifetime');
    this.name = 'ReplayCacheFull';
  }
}

export interface IdentityVerifier {
  /** Verifies a token for this subgraph (signature, audience, age, claims); throws IdentityRejected. */
  verify(token: string | undefined): Promise<VerifiedToken>;
  /**
   * Binds a verified identity to the request: `body` (the exact bytes received) must be the one
   * it was signed for, and its id must be new; the id is then held for the token's lifetime.
   * Throws IdentityRejected ('body-mismatch', 'replayed') or ReplayCacheFull.
   */
  bind(identity: VerifiedToken, body: Uint8Array): void;
}

export async function createIdentityVerifier(subgraph: SubgraphName, config: VerifyKeyConfig, options: IdentityVerifierOptions = {}): Promise<IdentityVerifier> {
  const keys = config.source === 'configured' ? config.keys.map(publicJwkOf) : [publicJwkOf((await loadOrCreateDevKeys(config.keysPath)).publicJwk)];
  const keySet = createLocalJWKSet({ keys: keys as JWK[] });
  const own = ownHmacKey(subgraph, config);
  // HS256 only under this subgraph's own key id: the gateway's public key (or any other key) is
  // never taken as an HMAC secret (algorithm confusion), and a token made with another
  // subgraph's key is named for what it is.
  const algorithms: string[] = own ? [...IDENTITY_ALGORITHMS, SUBGRAPH_KEY_ALGORITHM] : [...IDENTITY_ALGORITHMS];
  const keyFor = async (header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike | Uint8Array> => {
    if (header.alg === SUBGRAPH_KEY_ALGORITHM) {
      if (own && header.kid === own.kid) return own.secret;
      const named = subgraphOfKeyId(header.kid);
      if (named !== undefined && named !== subgraph) throw new IdentityRejected('wrong-audience', `the gateway identity was not signed for the ${subgraph} subgraph`);
      throw new joseErrors.JOSEAlgNotAllowed('HS256 is accepted only under this subgraph\'s own key');
    }
    return keySet(header, token);
  };
  const { lifetimeSeconds, clockToleranceSeconds } = options.window ?? { lifetimeSeconds: IDENTITY_LIFETIME_SECONDS, clockToleranceSeconds: IDENTITY_CLOCK_TOLERANCE_SECONDS };
  const now = options.now ?? Date.now;
  const replays = new ReplayCache(options.replayCacheCapacity ?? DEFAULT_REPLAY_CACHE_CAPACITY);
  return {
    bind(identity, body) {
      if (bodyDigestOf(body) !== identity.bodyDigest) {
        throw new IdentityRejected('body-mismatch', 'the gateway identity was signed for another request body');
      }
      // Held for as long as verify() could accept the token: min(exp, iat + lifetime) + tolerance.
      const acceptedUntilSeconds = Math.min(identity.expiresAt.getTime(), identity.issuedAt.getTime() + lifetimeSeconds * 1000) / 1000 + clockToleranceSeconds;
      const verdict = replays.remember(identity.tokenId, acceptedUntilSeconds * 1000, now());
      if (verdict === 'replayed') throw new IdentityRejected('replayed', 'the gateway identity has been used before');
      if (verdict === 'full') throw new ReplayCacheFull();
    },
    async verify(token) {
      if (token === undefined || token === '') throw new IdentityRejected('missing', `no ${IDENTITY_HEADER} header`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keyFor, {
          algorithms,
          issuer: IDENTITY_ISSUER,
          audience: subgraph,
          typ: IDENTITY_TOKEN_TYPE,
          clockTolerance: clockToleranceSeconds,
          // However far away `exp` is, a token older than one lifetime is refused.
          maxTokenAge: lifetimeSeconds,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'iat', 'exp', 'jti', BODY_DIGEST_CLAIM],
        }));
      } catch (error) {
        throw rejectionOf(error, subgraph);
      }
      return claimsOf(payload);
    },
  };
}

function rejectionOf(error: unknown, subgraph: string): IdentityRejected {
  if (error instanceof IdentityRejected) return error;
  if (error instanceof joseErrors.JWTExpired) return new IdentityRejected('expired', 'the gateway identity has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new IdentityRejected('wrong-audience', `the gateway identity was not signed for the ${subgraph} subgraph`);
    if (error.claim === 'iss') return new IdentityRejected('wrong-issuer', 'the identity was not issued by the gateway');
    if (error.claim === 'typ') return new IdentityRejected('wrong-type', `the token is not a gateway identity (typ ${IDENTITY_TOKEN_TYPE})`);
    if (error.claim === 'iat' && /age/.test(error.message)) return new IdentityRejected('expired', 'the gateway identity is older than its lifetime');
    return new IdentityRejected('invalid-claims', `the gateway identity has an invalid "${error.claim}" claim`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return new IdentityRejected('algorithm-not-allowed', `the gateway identity must be signed with ${IDENTITY_ALGORITHMS.join(' or ')}`);
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return new IdentityRejected('signature', 'the gateway identity is not signed with the gateway\'s key');
  }
  return new IdentityRejected('malformed', 'the gateway identity is not a well-formed signed token');
}

function claimsOf(payload: JWTPayload): VerifiedToken {
  const stringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((entry) => typeof entry === 'string');
  const { sub, department, roles, purpose, mfa, scopes, ruleVersion, requestId, jti, iat, exp, [BODY_DIGEST_CLAIM]: bodyDigest } = payload as JWTPayload & Record<string, unknown>;
  const invalid = (claim: string) => new IdentityRejected('invalid-claims', `the gateway identity has an invalid "${claim}" claim`);
  if (typeof sub !== 'string' || sub === '') throw invalid('sub');
  if (typeof department !== 'string' || department === '') throw invalid('department');
  if (!stringList(roles)) throw invalid('roles');
  if (typeof purpose !== 'string' || purpose === '') throw invalid('purpose');
  if (typeof mfa !== 'boolean') throw invalid('mfa');
  if (!stringList(scopes)) throw invalid('scopes');
  if (typeof ruleVersion !== 'string') throw invalid('ruleVersion');
  if (typeof requestId !== 'string') throw invalid('requestId');
  if (typeof jti !== 'string' || jti === '') throw invalid('jti');
  if (typeof bodyDigest !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(bodyDigest)) throw invalid(BODY_DIGEST_CLAIM);
  return {
    sub,
    department,
    roles,
    purpose,
    mfa,
    scopes,
    ruleVersion,
    requestId,
    tokenId: jti,
    bodyDigest,
    issuedAt: new Date((iat as number) * 1000),
    expiresAt: new Date((exp as number) * 1000),
  };
}

export function principalOf(identity: VerifiedIdentity): Principal {
  return { subject: identity.sub, departmentId: identity.department, roles: identity.roles, purpose: identity.purpose, mfa: identity.mfa, scopes: identity.scopes };
}

const AUTH_KEY = 'subgraphAuth';
/** The verified token of this request, until its body is bound (bodyBinding). */
const TOKEN_KEY = 'subgraphToken';
/** Set once the body was bound to the token. */
const BOUND_KEY = 'subgraphBodyBound';

/** The verified caller of this request (set by identityMiddleware). */
export function authOf(res: Response): SubgraphAuth {
  const auth = res.locals[AUTH_KEY] as SubgraphAuth | undefined;
  if (!auth) throw new Error('internal: no verified gateway identity on this request');
  return auth;
}

export interface IdentityMiddlewareOptions {
  readonly subgraph: SubgraphName;
  readonly verifier: IdentityVerifier;
  /** The rules in force in this subgraph (its own rule store). */
  readonly rules: () => PolicySet;
  readonly logger: Logger;
}

/**
 * Refuses every request without a valid gateway identity (401), or whose principal the rules
 * refuse outright (revoked 401, unknown department 403, purpose 400): no body parsing, no
 * GraphQL, no data. The answer is a GraphQL-shaped JSON error so the gateway can report it.
 */
export function identityMiddleware({ subgraph, verifier, rules, logger }: IdentityMiddlewareOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers[IDENTITY_HEADER];
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
    // Node joins repeated headers with ", ", which no compact JWS contains: it fails as malformed.
    verifier.verify(Array.isArray(header) ? header.join(', ') : header).then(
      (identity) => {
        const ruleSet = rules();
        if (identity.ruleVersion !== ruleSet.version) {
          // Both sides reload the same folder; during a reload they may differ for a moment.
          // This subgraph decides with the rules it holds (never with the gateway's word).
          logger.info({ subgraph, requestId, gatewayRuleVersion: identity.ruleVersion, ruleVersion: ruleSet.version }, 'gateway decided with other access rules; enforcing this subgraph\'s');
        }
        const principal = principalOf(identity);
        const result = resolveProfile(ruleSet, principal);
        if (!result.ok) {
          const { reason } = result.refusal;
          logger.warn({ subgraph, requestId, subject: identity.sub, reason }, 'gateway identity refused by the access rules');
          if (reason === 'REVOKED') refuse(res, 401, 'UNAUTHENTICATED', 'revoked', 'Access for this user has been revoked');
          else if (reason === 'UNKNOWN_DEPARTMENT') refuse(res, 403, 'FORBIDDEN', 'unknown-department', result.refusal.message);
          else refuse(res, 400, 'BAD_REQUEST', reason === 'UNKNOWN_PURPOSE' ? 'unknown-purpose' : 'purpose-not-registered', result.refusal.message);
          return;
        }
        const auth: SubgraphAuth = { identity, principal, profile: result.profile };
        res.locals[AUTH_KEY] = auth;
        res.locals[TOKEN_KEY] = identity;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof IdentityRejected)) {
          next(error);
          return;
        }
        // Never the token itself: only why it was refused.
        logger.warn({ subgraph, requestId, reason: error.reason, method: req.method }, 'request without a valid gateway identity refused');
        refuse(res, 401, 'UNAUTHENTICATED', error.reason, `The ${subgraph} subgraph answers only the gateway: ${error.message}`);
      },
    );
  };
}

export interface BodyBinding {
  /** express.json's `verify` hook: the raw bytes received, before they are parsed. */
  readonly verify: (req: Request, res: Response, body: Buffer) => void;
  /** After the body parser: a request whose body was not bound (no JSON body, GET) is bound as an empty body. */
  readonly requireBound: RequestHandler;
  /** After the body parser: turns a binding refusal into the 401 (or 503) answer. */
  readonly refusals: ErrorRequestHandler;
}

/**
 * Binds the verified identity (identityMiddleware) to the exact bytes of the request body and
 * spends its id: a captured header answers neither another body nor the same body twice. Runs
 * inside the body parser, before the bytes are parsed; a refused request reaches no resolver.
 */
export function bodyBinding({ subgraph, verifier, logger }: Omit<IdentityMiddlewareOptions, 'rules'>): BodyBinding {
  const bind = (res: Response, body: Uint8Array): void => {
    verifier.bind(res.locals[TOKEN_KEY] as VerifiedToken, body);
    res.locals[BOUND_KEY] = true;
  };
  const answer = (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
    if (error instanceof IdentityRejected) {
      logger.warn({ subgraph, requestId, reason: error.reason }, 'gateway identity not valid for this request');
      refuse(res, 401, 'UNAUTHENTICATED', error.reason, `The ${subgraph} subgraph answers only the gateway: ${error.message}`);
    } else if (error instanceof ReplayCacheFull) {
      logger.error({ subgraph, requestId }, 'replay cache full: gateway call refused');
      refuse(res, 503, 'SERVICE_UNAVAILABLE', 'replay-cache-full', `The ${subgraph} subgraph is busy: ${error.message}`);
    } else next(error);
  };
  return {
    verify: (_req, res, body) => bind(res, body),
    requireBound: (req, res, next) => {
      if (res.locals[BOUND_KEY] === true) return next();
      try {
        bind(res, new Uint8Array(0));
        next();
      } catch (error) {
        answer(error, req, res, next);
      }
    },
    refusals: (error: unknown, req, res, next) => answer(error, req, res, next),
  };
}

function refuse(res: Response, status: number, code: string, reason: string, message: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ errors: [{ message, extensions: { code, reason } }] });
}
