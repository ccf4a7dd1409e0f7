import { createRemoteJWKSet, errors, type JWTHeaderParameters, type FlattenedJWSInput, type KeyLike } from 'jose';
import type { AuthConfig, OidcAuthConfig } from '../config';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';

export type VerificationKeyResolver = (header: JWTHeaderParameters, token: FlattenedJWSInput) => Promise<KeyLike | Uint8Array>;

/**
 * The identity provider's keys could not be obtained (JWKS endpoint down, timeout, garbage).
 * Not the caller's fault, so it is reported apart from a bad token (HTTP 503, not 401);
 * either way nothing is answered.
 */
export class KeySourceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySourceUnavailableError';
  }
}

export async function createVerificationKeyResolver(auth: AuthConfig): Promise<VerificationKeyResolver> {
  if (auth.mode === 'dev') {
    const keys = await loadOrCreateDevKeys(auth.devKeysPath);
    return async (header) => {
      // A kid that is not ours means the token was minted with another (older) dev key pair.
      if (header.kid !== undefined && header.kid !== keys.kid) {
        throw new errors.JWKSNoMatchingKey(`no dev key with kid '${header.kid}'`);
      }
      return keys.publicKey;
    };
  }
  return oidcResolver(auth);
}

function oidcResolver(auth: OidcAuthConfig): VerificationKeyResolver {
  const jwks = createRemoteJWKSet(auth.jwksUrl, {
    timeoutDuration: 5000,
    // A kid we have not seen triggers a refetch at most this often: key rotation works, a
    // flood of random kids does not turn into a flood of JWKS requests.
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return async (header, token) => {
    // Only reached for HS* when configured: the algorithm allow-list is checked before
    // any key is looked up, so an asymmetric public key is never used as an HMAC secret.
    if (header.alg.startsWith('HS')) {
      if (!auth.hmacSecret) throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
      return auth.hmacSecret;
    }
    try {
      return await jwks(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySourceUnavailableError(`identity provider keys unavailable from ${auth.jwksUrl.href}`, { cause: error });
    }
  };
}
