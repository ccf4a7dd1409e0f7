import type { IncomingHttpHeaders } from 'node:http';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { AuthConfig } from '../config';
import type { ClientInfo, Identity } from '../context';
import { parseClientHeaders, type ClientHeaders } from '../http/client-headers';
import { LruCache } from '../../lib/bounded-cache';
import { createVerificationKeyResolver, KeySourceUnavailableError, type VerificationKeyResolver } from './verification-keys';

export type AuthenticationFailureReason =
  | 'missing_token'
  | 'malformed_token'
  | 'unsigned_token'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'invalid_purpose_header'
  | 'key_source_unavailable';

/**
 * Why a request was refused before anything was answered. `message` is written for the caller:
 * it says what was wrong, never repeats the token, and is safe in a `WWW-Authenticate` header.
 */
export class AuthenticationError extends Error {
  readonly httpStatus: 400 | 401 | 503;
  readonly code: 'UNAUTHENTICATED' | 'BAD_REQUEST' | 'AUTHENTICATION_UNAVAILABLE';

  constructor(readonly reason: AuthenticationFailureReason, message: string) {
    super(message);
    this.name = 'AuthenticationError';
    if (reason === 'invalid_purpose_header') {
      this.httpStatus = 400;
      this.code = 'BAD_REQUEST';
    } else if (reason === 'key_source_unavailable') {
      this.httpStatus = 503;
      this.code = 'AUTHENTICATION_UNAVAILABLE';
    } else {
      this.httpStatus = 401;
      this.code = 'UNAUTHENTICATED';
    }
  }
}

export interface Authenticator {
  /**
   * Resolves to the verified identity or rejects with an AuthenticationError. `client`: the
   * request's client headers as the front parsed them once (gateway/http/client-headers.ts).
   */
  authenticate(headers: IncomingHttpHeaders, client?: ClientHeaders): Promise<Identity>;
  /** Signatures verified, and requests answered from the verified-token cache. */
  stats?(): AuthenticatorStats;
}

export interface AuthenticatorStats {
  verified: number;
  cacheHits: number;
}

/**
 * The verified-token cache: a token verified once is not verified again until it expires (or
 * `maxAgeMs` passed, so a key withdrawn from the identity provider's set stops working within
 * that time even for tokens already seen). Keyed by the whole token string: only the exact bytes
 * that were verified hit. What the cache skips is the signature and the claim checks of the
 * token; everything that depends on the request or on the rules is still done per request — the
 * X-Purpose header, and revocation, department and purpose in permissionProfileMiddleware.
 */
export interface VerifiedTokenCacheOptions {
  /** Tokens kept (least recently used evicted); default 10,000. */
  readonly capacity?: number;
  /** Longest a verification is reused; default 60 s. */
  readonly maxAgeMs?: number;
  /** Epoch milliseconds; default Date.now (tests move it past a token's expiry). */
  readonly now?: () => number;
}

interface CachedVerification {
  readonly payload: JWTPayload;
  readonly validUntilMs: number;
}

/** Compact JWS only; anything longer than this is not a token we issue or accept. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Purpose ids are kebab-case words; the header is a free-form input until policy checks it. */
const PURPOSE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

export async function createAuthenticator(auth: AuthConfig, cache: VerifiedTokenCacheOptions | false = {}): Promise<Authenticator> {
  return authenticatorWithKeys(auth, await createVerificationKeyResolver(auth), cache);
}

export function authenticatorWithKeys(auth: AuthConfig, resolveKey: VerificationKeyResolver, cacheOptions: VerifiedTokenCacheOptions | false = false): Authenticator {
  const allowed = auth.algorithms.join(', ');
  const devHint = auth.mode === 'dev' ? ' (for a development token run: npm run token -- registry-clerk)' : '';
  const cache = cacheOptions === false ? undefined : new LruCache<CachedVerification>(cacheOptions.capacity ?? 10_000);
  const maxAgeMs = (cacheOptions !== false && cacheOptions.maxAgeMs) || 60_000;
  const now = (cacheOptions !== false && cacheOptions.now) || Date.now;
  const counts: AuthenticatorStats = { verified: 0, cacheHits: 0 };

  return {
    stats: () => ({ ...counts }),
    async authenticate(headers, client = parseClientHeaders(headers)) {
      const token = bearerToken(headers.authorization, devHint);
      const cached = cache?.get(token);
      if (cached !== undefined) {
        if (now() < cached.validUntilMs) {
          counts.cacheHits += 1;
          return identityFrom(cached.payload, client);
        }
        cache!.delete(token);
      }
      const header = protectedHeader(token);

      if (typeof header.alg !== 'string' || header.alg === '') {
        throw new AuthenticationError('malformed_token', 'Malformed token: the JOSE header has no "alg"');
      }
      if (header.alg.toLowerCase() === 'none') {
        throw new AuthenticationError('unsigned_token', `Unsigned token (alg "none") rejected: tokens must be signed with one of ${allowed}`);
      }
      if (!(auth.algorithms as readonly string[]).includes(header.alg)) {
        throw new AuthenticationError('unsupported_algorithm', `Unsupported token algorithm "${printable(header.alg)}": accepted are ${allowed}`);
      }

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          algorithms: [...auth.algorithms],
          issuer: auth.issuer,
          audience: auth.audience,
          clockTolerance: auth.clockToleranceSeconds,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        throw verificationFailure(error, auth);
      }
      counts.verified += 1;
      const identity = identityFrom(payload, client);
      // Cached only once the claims passed too; `exp` is required, so there is always an end.
      if (cache && typeof payload.exp === 'number') cache.set(token, { payload, validUntilMs: Math.min(payload.exp * 1000, now() + maxAgeMs) });
      return identity;
    },
  };
}

function bearerToken(authorization: string | undefined, devHint: string): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthenticationError('missing_token', `Missing bearer token: send "Authorization: Bearer <JWT>"${devHint}`);
  }
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization);
  if (!match) {
    throw new AuthenticationError('malformed_token', 'Malformed Authorization header: expected "Bearer <JWT>"');
  }
  const token = match[1] as string;
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthenticationError('malformed_token', `Malformed token: longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  return token;
}

function protectedHeader(token: string): ProtectedHeaderParameters {
  const parts = token.split('.');
  if (parts.length === 5) {
    throw new AuthenticationError('malformed_token', 'Malformed token: encrypted tokens (JWE) are not accepted; send a signed JWT');
  }
  if (parts.length !== 3) {
    throw new AuthenticationError('malformed_token', 'Malformed token: expected a signed JWT of three base64url parts (header.payload.signature)');
  }
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new AuthenticationError('malformed_token', 'Malformed token: the header is not base64url-encoded JSON');
  }
}

function verificationFailure(error: unknown, auth: AuthConfig): AuthenticationError {
  if (error instanceof KeySourceUnavailableError) {
    return new AuthenticationError('key_source_unavailable', 'Cannot verify tokens right now: the identity provider keys are unavailable; try again later');
  }
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : '';
    return new AuthenticationError('expired', `Token expired${exp}; get a new token`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (error.reason === 'missing') {
      return new AuthenticationError('missing_claim', `Token is missing the required claim "${claim}"`);
    }
    if (claim === 'iss') {
      return new AuthenticationError('wrong_issuer', `Wrong token issuer "${printable(String(error.payload.iss))}": expected "${auth.issuer}"`);
    }
    if (claim === 'aud') {
      return new AuthenticationError('wrong_audience', `Wrong token audience ${printable(JSON.stringify(error.payload.aud ?? null))}: expected "${auth.audience}"`);
    }
    if (claim === 'nbf') {
      return new AuthenticationError('not_yet_valid', 'Token is not valid yet (nbf is in the future)');
    }
    return new AuthenticationError('invalid_claim', `Token claim "${claim}" is invalid (${printable(error.message)})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError('bad_signature', 'Token signature is invalid');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthenticationError('unknown_key', 'Token is signed with a key the gateway does not know (unknown "kid")');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthenticationError('unsupported_algorithm', `Unsupported token algorithm or header: accepted are ${auth.algorithms.join(', ')}`);
  }
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
    return new AuthenticationError('malformed_token', `Malformed token: ${printable(error.message)}`);
  }
  // A key of the wrong type for the algorithm, or anything unforeseen: still a refusal.
  return new AuthenticationError('bad_signature', 'Token could not be verified');
}

function identityFrom(payload: JWTPayload, client: ClientHeaders): Identity {
  const subject = requiredString(payload, 'sub');
  const department = requiredString(payload, 'department');
  const departmentId = optionalString(payload, 'department_id') ?? department;
  const roles = payload['roles'];
  if (roles === undefined) throw new AuthenticationError('missing_claim', 'Token is missing the required claim "roles"');
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((role) => typeof role === 'string' && role !== '')) {
    throw new AuthenticationError('invalid_claim', 'Token claim "roles" must be a non-empty array of strings');
  }
  const claimedPurpose = requiredString(payload, 'purpose');
  if (!PURPOSE_PATTERN.test(claimedPurpose)) {
    throw new AuthenticationError('invalid_claim', 'Token claim "purpose" must be a purpose id such as "resident-registry"');
  }
  const headerPurpose = client.purpose?.value;
  if (headerPurpose !== undefined && !PURPOSE_PATTERN.test(headerPurpose)) {
    throw new AuthenticationError('invalid_purpose_header', 'X-Purpose header must be a purpose id such as "resident-registry"');
  }

  const name = optionalString(payload, 'name');
  const tokenId = optionalString(payload, 'jti');
  return {
    subject,
    ...(name !== undefined ? { name } : {}),
    department: { id: departmentId, name: department },
    roles: [...(roles as string[])],
    purpose: headerPurpose ?? claimedPurpose,
    purposeSource: headerPurpose !== undefined ? 'header' : 'token',
    mfa: hasTwoFactors(payload['amr']),
    scopes: scopesOf(payload),
    ...(tokenId !== undefined ? { tokenId } : {}),
    issuer: payload.iss as string,
    expiresAt: new Date((payload.exp as number) * 1000),
    client: clientInfo(client),
  };
}

/**
 * The ward's assessment asks for IC card + password (III-3 リスク2). In RFC 8176 terms that is
 * `hwk` (hardware-held key) with `pwd`; an IdP that already summarises it sends `mfa`.
 */
export function hasTwoFactors(amr: unknown): boolean {
  if (!Array.isArray(amr)) return false;
  const methods = amr.filter((method): method is string => typeof method === 'string');
  return methods.includes('mfa') || (methods.includes('pwd') && methods.includes('hwk'));
}

/** OAuth scopes: `scope` (RFC 8693 / RFC 9068, space-separated) or `scp` (an array, as some IdPs send). */
function scopesOf(payload: JWTPayload): string[] {
  const scope = payload['scope'];
  const scp = payload['scp'];
  if (scope !== undefined && scope !== null) {
    if (typeof scope !== 'string') throw new AuthenticationError('invalid_claim', 'Token claim "scope" must be a space-separated string');
    return scope.split(/\s+/).filter((entry) => entry !== '');
  }
  if (scp !== undefined && scp !== null) {
    if (!Array.isArray(scp) || !scp.every((entry) => typeof entry === 'string')) {
      throw new AuthenticationError('invalid_claim', 'Token claim "scp" must be an array of strings');
    }
    return (scp as string[]).filter((entry) => entry !== '');
  }
  return [];
}

/** The client as it names itself, made log-safe (printable, bounded); the trail keeps its own checked copy (audit/client-text.ts). */
function clientInfo(client: ClientHeaders): ClientInfo {
  const name = client.clientName ? printable(client.clientName.value) : undefined;
  const version = client.clientVersion ? printable(client.clientVersion.value) : undefined;
  return { ...(name !== undefined ? { name } : {}), ...(version !== undefined ? { version } : {}) };
}

function requiredString(payload: JWTPayload, claim: string): string {
  const value = payload[claim];
  if (value === undefined || value === null) throw new AuthenticationError('missing_claim', `Token is missing the required claim "${claim}"`);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AuthenticationError('invalid_claim', `Token claim "${claim}" must be a non-empty string`);
  }
  return value;
}

function optionalString(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AuthenticationError('invalid_claim', `Token claim "${claim}" must be a string`);
  return value;
}

/** Values taken from a token or header, bounded and stripped of control characters before they reach a message or log. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
