import type { LevelWithSilent } from 'pino';
import { fromProjectRoot, PROJECT_ROOT } from '../lib/project-root';
import { SUBGRAPH_ENDPOINTS, envPrefix, localSubgraphUrl, type SubgraphName } from '../lib/subgraphs';
import fs from 'node:fs';
import { identityDevKeysPath, identityWindowOf, readKeySetting, type IdentityWindow } from '../lib/gateway-identity';
import type { IdentitySigningConfig } from './identity-signing';
import type { JWK } from 'jose';
import { readGatewaySubgraphKeys } from '../lib/subgraph-keys';
import { loadDocumentBudgets, type DocumentBudgets } from './limits/document-budgets';
import { DEFAULT_SUBGRAPH_TIMEOUT_MS, type SubgraphTlsSettings } from './subgraph-transport';
import { loadLimitsConfig, type LimitsConfig } from './limits/rate-config';
import { loadTrustedDocumentsConfig, type TrustedDocumentsConfig } from './trusted-documents/config';
import { FULL_CONTRACT } from '../lib/contracts/definitions';
import { contractSupergraphFile } from '../lib/contracts/files';
import { loadObservabilityConfig, type ObservabilityConfig } from './observability/config';
import { parseCorsOrigins } from './http/cors';
import { LOG_LEVELS } from '../lib/env-config';

/** Issuer and audience of tokens minted by `npm run token` and accepted in dev mode. */
export const DEV_ISSUER = 'urn:ward-gateway:dev';
export const DEV_AUDIENCE = 'ward-gateway';

export const ASYMMETRIC_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof HMAC_ALGORITHMS)[number];
export const DEFAULT_ALGORITHMS: readonly JwtAlgorithm[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];

/** Tolerated clock skew between the identity provider, the gateway and clients. */
export const CLOCK_TOLERANCE_SECONDS = 30;

interface AuthCommon {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly clockToleranceSeconds: number;
}

export interface DevAuthConfig extends AuthCommon {
  readonly mode: 'dev';
  /** ES256 key pair generated on first use; `npm run token` signs with it. */
  readonly devKeysPath: string;
}

export interface OidcAuthConfig extends AuthCommon {
  readonly mode: 'oidc';
  readonly jwksUrl: URL;
  /** Only when an HS* algorithm is explicitly allowed. */
  readonly hmacSecret?: Uint8Array;
}

export type AuthConfig = DevAuthConfig | OidcAuthConfig;

export type SupergraphWatchMode = 'auto' | 'poll';

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly supergraphPath: string;
  /**
   * GATEWAY_CONTRACT: the contract this gateway serves (policy/contracts.yaml; `full`, the
   * default, is the uncut graph). Its supergraph is schema/contracts/<name>.supergraph.graphql
   * unless SUPERGRAPH_PATH names another file, which must have been built for the same contract.
   */
  readonly contract: string;
  readonly supergraphWatch: SupergraphWatchMode;
  /** URL per subgraph; overrides the URL written in the supergraph. */
  readonly subgraphUrls: Readonly<Record<SubgraphName, string>>;
  readonly auth: AuthConfig;
  /** The key that signs the caller's identity into every subgraph request (lib/gateway-identity.ts). */
  readonly identitySigning: IdentitySigningConfig;
  /** Lifetime of a signed identity (GATEWAY_IDENTITY_LIFETIME_SECONDS); see lib/gateway-identity.ts. */
  readonly identityWindow: IdentityWindow;
  /** Deadline of one call per subgraph: <PREFIX>_TIMEOUT_MS, else SUBGRAPH_TIMEOUT_MS, else 10000. */
  readonly subgraphTimeoutsMs: Readonly<Record<SubgraphName, number>>;
  /** SUBGRAPH_CA_FILE: the CA that https subgraph URLs must chain to. */
  readonly subgraphTls: SubgraphTlsSettings;
  readonly logLevel: LevelWithSilent;
  /** The audit store's settings (AUDIT_* and DATA_DIR), passed through to lib/audit/config.ts. */
  readonly audit: AuditStoreSettings;
  /**
   * GATEWAY_AUTHORIZATION=off: the gateway's field rules (the first line, AuthorizingGateway) are
   * skipped — for the benchmark's baseline only (`npm run bench`), refused when NODE_ENV=production.
   * Authentication, the permission profile and the subgraphs' own rules still apply. Default 'on'.
   */
  readonly authorization: 'on' | 'off';
  /** GATEWAY_DOCUMENT_MAX_*: the budgets every GraphQL document must fit (README "Document budgets"). */
  readonly documentBudgets: DocumentBudgets;
  /** Per-user rate and concurrency counters: in the process, or shared in Redis (gateway/limits/). */
  readonly limits: LimitsConfig;
  /** TRUSTED_DOCUMENTS: which operations run (gateway/trusted-documents/, README "Trusted documents"). */
  readonly trustedDocuments: TrustedDocumentsConfig;
  /** /metrics listener, readiness bounds, tracing (gateway/observability/config.ts; README "Operating it"). */
  readonly observability: ObservabilityConfig;
  /**
   * GATEWAY_WORKERS (1 … 64, default 1): worker processes behind the one port (gateway/cluster/).
   * 1 is today's single process. More than 1 needs GATEWAY_LIMITS_REDIS_URL: a caller's requests
   * are spread over the workers, so counters kept in each process would give every user N times
   * their budget (and split their concurrency limit); Redis keeps one count per user.
   */
  readonly workers: number;
  /** GATEWAY_CORS_ORIGINS: the browser origins that may call the gateway (gateway/http/cors.ts); default none. */
  readonly corsOrigins: readonly string[];
}

export interface AuditStoreSettings {
  /** AUDIT_DB_CLIENT, AUDIT_DB_FILE (default data/audit.sqlite), AUDIT_DB_URL, … as set. */
  readonly env: Readonly<Record<string, string>>;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid gateway configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;


/**
 * Reads and validates the whole configuration at once, so a misconfigured deployment reports
 * every problem in one go instead of failing on the first request.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const port = parsePort(read('GATEWAY_PORT') ?? '4000', 'GATEWAY_PORT', problems);
  const host = read('GATEWAY_HOST') ?? '127.0.0.1';
  const contract = read('GATEWAY_CONTRACT') ?? FULL_CONTRACT;
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(contract)) problems.push(`GATEWAY_CONTRACT must be a contract name of policy/contracts.yaml (or ${FULL_CONTRACT}), got '${contract}'`);
  const supergraphPath = fromProjectRoot(read('SUPERGRAPH_PATH') ?? contractSupergraphFile(contract));
  if (read('SUPERGRAPH_PATH') === undefined && contract !== FULL_CONTRACT && !fs.existsSync(supergraphPath)) {
    problems.push(`GATEWAY_CONTRACT=${contract}: ${contractSupergraphFile(contract)} does not exist (contracts are defined in policy/contracts.yaml; run npm run compose)`);
  }

  const watch = read('SUPERGRAPH_WATCH') ?? 'auto';
  if (watch !== 'auto' && watch !== 'poll') problems.push(`SUPERGRAPH_WATCH must be 'auto' or 'poll', got '${watch}'`);

  const subgraphUrls = {} as Record<SubgraphName, string>;
  for (const endpoint of SUBGRAPH_ENDPOINTS) {
    const url = read(endpoint.urlEnv) ?? localSubgraphUrl(endpoint.defaultPort);
    if (!isHttpUrl(url)) problems.push(`${endpoint.urlEnv} must be an http(s) URL, got '${url}'`);
    subgraphUrls[endpoint.name] = url;
  }

  const logLevel = (read('LOG_LEVEL') ?? 'info') as LevelWithSilent;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);

  const authorization = read('GATEWAY_AUTHORIZATION') ?? 'on';
  if (authorization !== 'on' && authorization !== 'off') problems.push(`GATEWAY_AUTHORIZATION must be 'on' or 'off', got '${authorization}'`);
  if (authorization === 'off' && read('NODE_ENV') === 'production') problems.push('GATEWAY_AUTHORIZATION=off (benchmark baseline only) is refused when NODE_ENV=production');

  const documentBudgets = loadDocumentBudgets(read, problems);
  const auth = loadAuthConfig(read, problems);
  const identitySigning = loadIdentitySigningConfig(read, problems);
  const identityWindow = identityWindowOf(read, problems);
  const subgraphTimeoutsMs = loadSubgraphTimeouts(read, problems);
  const subgraphTls = loadSubgraphTls(read, problems);
  const limits = loadLimitsConfig(read, problems);
  const trustedDocuments = loadTrustedDocumentsConfig(read, problems);
  const observability = loadObservabilityConfig(read, problems, port);
  const workers = parseWorkers(read('GATEWAY_WORKERS'), problems);
  if (workers > 1 && limits.redisUrl === undefined) {
    problems.push(`GATEWAY_WORKERS=${workers} needs GATEWAY_LIMITS_REDIS_URL: per-user rate and concurrency limits must be counted once for all workers, not per process`);
  }
  const corsOrigins = parseCorsOrigins(read('GATEWAY_CORS_ORIGINS'), problems);

  // The audit store validates its own keys when it opens (lib/audit/config.ts); they pass through,
  // with the rule-version store's (POLICY_STORE*, lib/rule-versions/open.ts: the same database).
  const auditEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if ((name.startsWith('AUDIT_') || name.startsWith('POLICY_STORE') || name === 'DATA_DIR') && value !== undefined && value.trim() !== '') auditEnv[name] = value.trim();
  }

  if (problems.length > 0 || auth === undefined || identitySigning === undefined) throw new ConfigError(problems);
  return {
    host,
    port,
    supergraphPath,
    contract,
    supergraphWatch: watch as SupergraphWatchMode,
    subgraphUrls,
    auth,
    identitySigning,
    identityWindow,
    subgraphTimeoutsMs,
    subgraphTls,
    logLevel,
    audit: { env: auditEnv },
    authorization: authorization === 'off' ? 'off' : 'on',
    documentBudgets,
    limits,
    trustedDocuments,
    observability,
    workers,
    corsOrigins,
  };
}

export const MAX_GATEWAY_WORKERS = 64;

function parseWorkers(value: string | undefined, problems: string[]): number {
  if (value === undefined) return 1;
  const workers = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
  if (!(workers >= 1 && workers <= MAX_GATEWAY_WORKERS)) {
    problems.push(`GATEWAY_WORKERS must be a whole number from 1 to ${MAX_GATEWAY_WORKERS}, got '${value}'`);
    return 1;
  }
  return workers;
}

/**
 * GATEWAY_SIGNING_KEY: the private JWK (Ed25519 or P-256), inline JSON or a file path. Required in
 * production; elsewhere a key pair is generated once into GATEWAY_IDENTITY_DEV_KEYS_PATH
 * (default: gateway-identity-keys.json next to the dev token keys, i.e. data/), which the local
 * subgraphs read as well.
 */
function loadIdentitySigningConfig(read: (name: string) => string | undefined, problems: string[]): IdentitySigningConfig | undefined {
  const value = read('GATEWAY_SIGNING_KEY');
  if (value !== undefined) {
    const setting = readKeySetting('GATEWAY_SIGNING_KEY', value, PROJECT_ROOT, 'private');
    if (!setting.ok) {
      problems.push(setting.problem);
      return undefined;
    }
    const subgraphKeys = loadSubgraphKeys(read, problems);
    return { source: 'configured', privateJwk: setting.keys[0], ...(subgraphKeys ? { subgraphKeys } : {}) };
  }
  if (read('NODE_ENV') === 'production') {
    problems.push(
      'GATEWAY_SIGNING_KEY is required when NODE_ENV=production: a private Ed25519 or P-256 JWK (inline JSON or a file path); the subgraphs get its public half as GATEWAY_VERIFY_KEY',
    );
    return undefined;
  }
  const subgraphKeys = loadSubgraphKeys(read, problems);
  return { source: 'dev', keysPath: identityDevKeysPath(read, PROJECT_ROOT), ...(subgraphKeys ? { subgraphKeys } : {}) };
}

/** GATEWAY_SUBGRAPH_KEYS: one HMAC key per subgraph (lib/subgraph-keys.ts); unset: dev keys, or the asymmetric key only. */
function loadSubgraphKeys(read: (name: string) => string | undefined, problems: string[]): Record<string, JWK> | undefined {
  const value = read('GATEWAY_SUBGRAPH_KEYS');
  if (value === undefined) return undefined;
  const setting = readGatewaySubgraphKeys('GATEWAY_SUBGRAPH_KEYS', value, PROJECT_ROOT);
  if (!setting.ok) {
    problems.push(setting.problem);
    return undefined;
  }
  return setting.keys;
}

/** Milliseconds from 100 to 120000. */
function parseTimeout(name: string, value: string, problems: string[]): number | undefined {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 100 || ms > 120_000) {
    problems.push(`${name} must be a whole number of milliseconds from 100 to 120000, got '${value}'`);
    return undefined;
  }
  return ms;
}

/** SUBGRAPH_TIMEOUT_MS for every subgraph, <PREFIX>_TIMEOUT_MS (RESIDENTS_TIMEOUT_MS …) for one. */
function loadSubgraphTimeouts(read: (name: string) => string | undefined, problems: string[]): Record<SubgraphName, number> {
  const globalValue = read('SUBGRAPH_TIMEOUT_MS');
  const global = (globalValue !== undefined ? parseTimeout('SUBGRAPH_TIMEOUT_MS', globalValue, problems) : undefined) ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
  const timeouts = {} as Record<SubgraphName, number>;
  for (const endpoint of SUBGRAPH_ENDPOINTS) {
    const name = `${envPrefix(endpoint.name)}_TIMEOUT_MS`;
    const value = read(name);
    timeouts[endpoint.name] = (value !== undefined ? parseTimeout(name, value, problems) : undefined) ?? global;
  }
  return timeouts;
}

/** SUBGRAPH_CA_FILE: a PEM file of the CA(s) subgraph server certificates must chain to. */
function loadSubgraphTls(read: (name: string) => string | undefined, problems: string[]): SubgraphTlsSettings {
  const file = read('SUBGRAPH_CA_FILE');
  if (file === undefined) return {};
  const resolved = fromProjectRoot(file);
  let pem: string;
  try {
    pem = fs.readFileSync(resolved, 'utf8');
  } catch (error) {
    problems.push(`SUBGRAPH_CA_FILE (${resolved}): cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return {};
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push(`SUBGRAPH_CA_FILE (${resolved}) holds no PEM certificate`);
    return {};
  }
  return { caPem: pem };
}

function loadAuthConfig(read: (name: string) => string | undefined, problems: string[]): AuthConfig | undefined {
  const mode = read('AUTH_MODE') ?? 'dev';

  if (mode === 'dev') {
    // A dev key pair lives on disk next to the synthetic data; it must never authenticate
    // anyone in production, whatever else is configured.
    if (read('NODE_ENV') === 'production') {
      problems.push("AUTH_MODE=dev is refused when NODE_ENV=production: set AUTH_MODE=oidc with AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL");
    }
    // The dev key pair is ES256 and nothing else: allowing more would only widen the door.
    if (read('AUTH_ALGORITHMS') !== undefined) problems.push('AUTH_ALGORITHMS applies to AUTH_MODE=oidc only (dev tokens are always ES256)');
    return {
      mode: 'dev',
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      algorithms: ['ES256'],
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      devKeysPath: fromProjectRoot(read('AUTH_DEV_KEYS_PATH') ?? 'data/dev-keys.json'),
    };
  }

  if (mode === 'oidc') {
    const algorithms = parseAlgorithms(read('AUTH_ALGORITHMS'), problems);
    const issuer = read('AUTH_ISSUER');
    const audience = read('AUTH_AUDIENCE');
    const jwks = read('AUTH_JWKS_URL');
    if (issuer === undefined) problems.push('AUTH_ISSUER is required when AUTH_MODE=oidc');
    if (audience === undefined) problems.push('AUTH_AUDIENCE is required when AUTH_MODE=oidc');
    let jwksUrl: URL | undefined;
    if (jwks === undefined) {
      problems.push('AUTH_JWKS_URL is required when AUTH_MODE=oidc');
    } else if (!isHttpUrl(jwks)) {
      problems.push(`AUTH_JWKS_URL must be an http(s) URL, got '${jwks}'`);
    } else {
      jwksUrl = new URL(jwks);
      // Keys fetched over plain HTTP could be swapped in transit; allow it only on this host.
      if (jwksUrl.protocol === 'http:' && !isLoopback(jwksUrl.hostname)) {
        problems.push('AUTH_JWKS_URL must use https (plain http is accepted only for localhost)');
      }
    }

    let hmacSecret: Uint8Array | undefined;
    if (algorithms.some(isHmac)) {
      const secret = read('AUTH_HMAC_SECRET');
      if (secret === undefined || Buffer.byteLength(secret) < 32) {
        problems.push('AUTH_ALGORITHMS allows an HS* algorithm: AUTH_HMAC_SECRET of at least 32 bytes is required');
      } else {
        hmacSecret = new TextEncoder().encode(secret);
      }
    }

    if (issuer === undefined || audience === undefined || jwksUrl === undefined) return undefined;
    return {
      mode: 'oidc',
      issuer,
      audience,
      jwksUrl,
      algorithms,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      ...(hmacSecret ? { hmacSecret } : {}),
    };
  }

  problems.push(`AUTH_MODE must be 'dev' or 'oidc', got '${mode}'`);
  return undefined;
}

function parseAlgorithms(value: string | undefined, problems: string[]): JwtAlgorithm[] {
  if (value === undefined) return [...DEFAULT_ALGORITHMS];
  const known: readonly string[] = [...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS];
  const algorithms: JwtAlgorithm[] = [];
  for (const raw of value.split(',')) {
    const algorithm = raw.trim();
    if (algorithm === '') continue;
    if (algorithm.toLowerCase() === 'none') {
      problems.push("AUTH_ALGORITHMS must not contain 'none': unsigned tokens are never accepted");
    } else if (!known.includes(algorithm)) {
      problems.push(`AUTH_ALGORITHMS: unknown algorithm '${algorithm}' (known: ${known.join(', ')})`);
    } else {
      algorithms.push(algorithm as JwtAlgorithm);
    }
  }
  if (algorithms.length === 0) problems.push('AUTH_ALGORITHMS must name at least one algorithm');
  return algorithms;
}

function parsePort(value: string, name: string, problems: string[]): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${name} must be a port number (0-65535), got '${value}'`);
    return 0;
  }
  return port;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

export function isHmac(algorithm: JwtAlgorithm): boolean {
  return algorithm.startsWith('HS');
}
