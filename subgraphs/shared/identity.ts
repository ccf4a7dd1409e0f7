/**
 * Subgraphs trust nobody but the gateway (promise 11). Every request to /graphql — `_service`
 * and `_entities` included, GET or POST — must carry the identity the gateway signed for THIS
 * subgraph (lib/gateway-identity.ts); anything else is answered 401 before Apollo sees it.
 * The verified identity is turned into a Principal and a PermissionProfile under this
 * subgraph's own copy of the rules, which the shield (shield.ts) and the row-level rules read.
 */
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { loadOrCreateDevKeys } from '../../gateway/auth/dev-keys';
import {
  IDENTITY_ALGORITHMS,
  IDENTITY_CLOCK_TOLERANCE_SECONDS,
  IDENTITY_HEADER,
  IDENTITY_ISSUER,
  IDENTITY_LIFETIME_SECONDS,
  IDENTITY_TOKEN_TYPE,
  identityDevKeysPath,
  publicJwkOf,
  readKeySetting,
  type IdentityClaims,
} from '../../lib/gateway-identity';
import { resolveProfile } from '../../lib/authorization/profile';
import type { RuleSet } from '../../lib/authorization/rules';
import type { PermissionProfile, Principal } from '../../lib/authorization/types';
import type { Logger } from '../../lib/logger';
import type { SubgraphName } from '../../lib/subgraphs';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The identity the gateway signed, as verified. */
export interface VerifiedIdentity extends IdentityClaims {
  /** `jti` of the token. */
  readonly tokenId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
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
  | 'invalid-claims';

export class IdentityRejected extends Error {
  constructor(
    readonly reason: IdentityRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityRejected';
  }
}

/** The gateway's public key(s): configured (GATEWAY_VERIFY_KEY), or the dev key pair's public half. */
export type VerifyKeyConfig = { readonly source: 'configured'; readonly keys: readonly JWK[] } | { readonly source: 'dev'; readonly keysPath: string };

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
    return { source: 'configured', keys: setting.keys };
  }
  if (read('NODE_ENV') === 'production') {
    throw new Error(
      'Invalid subgraph configuration: GATEWAY_VERIFY_KEY is required when NODE_ENV=production (the public half of the gateway\'s GATEWAY_SIGNING_KEY, a JWK or JWK set, inline or a file path)',
    );
  }
  return { source: 'dev', keysPath: identityDevKeysPath(read, PROJECT_ROOT) };
}

export interface IdentityVerifier {
  /** Verifies a token for this subgraph; throws IdentityRejected. */
  verify(token: string | undefined): Promise<VerifiedIdentity>;
}

export async function createIdentityVerifier(subgraph: SubgraphName, config: VerifyKeyConfig): Promise<IdentityVerifier> {
  const keys = config.source === 'configured' ? config.keys.map(publicJwkOf) : [publicJwkOf((await loadOrCreateDevKeys(config.keysPath)).publicJwk)];
  const keySet = createLocalJWKSet({ keys: keys as JWK[] });
  return {
    async verify(token) {
      if (token === undefined || token === '') throw new IdentityRejected('missing', `no ${IDENTITY_HEADER} header`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          algorithms: [...IDENTITY_ALGORITHMS],
          issuer: IDENTITY_ISSUER,
          audience: subgraph,
          typ: IDENTITY_TOKEN_TYPE,
          clockTolerance: IDENTITY_CLOCK_TOLERANCE_SECONDS,
          // However far away `exp` is, a token older than one lifetime is refused.
          maxTokenAge: IDENTITY_LIFETIME_SECONDS,
          requiredClaims: ['sub', 'iat', 'exp', 'jti'],
        }));
      } catch (error) {
        throw rejectionOf(error, subgraph);
      }
      return claimsOf(payload);
    },
  };
}

function rejectionOf(error: unknown, subgraph: string): IdentityRejected {
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

function claimsOf(payload: JWTPayload): VerifiedIdentity {
  const stringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((entry) => typeof entry === 'string');
  const { sub, department, roles, purpose, mfa, scopes, ruleVersion, requestId, jti, iat, exp } = payload as JWTPayload & Record<string, unknown>;
  const invalid = (claim: string) => new IdentityRejected('invalid-claims', `the gateway identity has an invalid "${claim}" claim`);
  if (typeof sub !== 'string' || sub === '') throw invalid('sub');
  if (typeof department !== 'string' || department === '') throw invalid('department');
  if (!stringList(roles)) throw invalid('roles');
  if (typeof purpose !== 'string' || purpose === '') throw invalid('purpose');
  if (typeof mfa !== 'boolean') throw invalid('mfa');
  if (!stringList(scopes)) throw invalid('scopes');
  if (typeof ruleVersion !== 'string') throw invalid('ruleVersion');
  if (typeof requestId !== 'string') throw invalid('requestId');
  return {
    sub,
    department,
    roles,
    purpose,
    mfa,
    scopes,
    ruleVersion,
    requestId,
    tokenId: jti as string,
    issuedAt: new Date((iat as number) * 1000),
    expiresAt: new Date((exp as number) * 1000),
  };
}

export function principalOf(identity: VerifiedIdentity): Principal {
  return { subject: identity.sub, departmentId: identity.department, roles: identity.roles, purpose: identity.purpose, mfa: identity.mfa, scopes: identity.scopes };
}

const AUTH_KEY = 'subgraphAuth';

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
  readonly rules: () => RuleSet;
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

function refuse(res: Response, status: number, code: string, reason: string, message: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ errors: [{ message, extensions: { code, reason } }] });
}
