/**
 * Readiness (`/readyz`): can this gateway answer requests as it should, now? Unlike `/healthz`
 * (the process lives), it checks what a request depends on:
 *
 * - every subgraph answers, through the signed identity path a request takes, with the schema
 *   composed into the supergraph (`_service { sdl }`, its sha256 against the supergraph header,
 *   lib/subgraph-sdl.ts);
 * - the audit store accepts writes (its own probe: a write that changes nothing, rolled back;
 *   on PostgreSQL the chain head's row lock, refused on a read-only database or a standby);
 * - the access rules and the supergraph are loaded;
 * - the shared services in use answer (Redis for the limits, when configured; PostgreSQL is
 *   the audit store's check when the trail is there).
 *
 * Each check is bounded (`timeoutMs`) and they run at once; the report is kept for `cacheMs`
 * and concurrent callers share one round, so a flood of /readyz costs the subgraphs at most
 * one probe each per `cacheMs`. The report names what is degraded and why, never a person, a
 * user, an address of a tier or a value.
 */
import { randomUUID } from 'node:crypto';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { IDENTITY_HEADER, type IdentityClaims } from '../../lib/gateway-identity';
import type { PolicySet } from '../../lib/policy/types';
import { subgraphSdlHash, subgraphSdlHashesOf } from '../../lib/subgraph-sdl';
import type { IdentitySigner } from '../identity-signing';
import { REQUEST_ID_HEADER } from '../request-id';

export type CheckStatus = 'ok' | 'disabled' | 'unreachable' | 'timeout' | 'schema_mismatch' | 'refused' | 'error' | 'unwritable';

export interface CheckResult {
  readonly status: CheckStatus;
  /** Why, in a few words (never a value from a request). */
  readonly detail?: string;
  readonly durationMs: number;
  /** The rule version or supergraph hash in force, where the check is about one. */
  readonly version?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checkedAt: string;
  /** Names of the checks that failed. */
  readonly degraded: readonly string[];
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface ReadinessDependencies {
  /** Subgraph name → the URL the gateway calls. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  readonly signer: IdentitySigner;
  readonly dispatcher: Dispatcher;
  /** The supergraph file in force (its text and hash). */
  readonly supergraph: () => { text: string | undefined; sha256: string | undefined };
  readonly rules: () => PolicySet;
  /** The audit store's probe; undefined when the gateway runs without a trail (check `disabled`). */
  readonly auditHealthy?: () => Promise<boolean>;
  /** Redis of the shared limits, when configured. */
  readonly limitsRedis?: { ping(): Promise<unknown> };
  /**
   * Further shared services to check, by name (e.g. a rule-version store): true = answers. Each
   * runs within the same bound; a throw or false reports it `error`.
   */
  readonly services?: Readonly<Record<string, () => Promise<boolean>>>;
  /** Per check (default 2000 ms). */
  readonly timeoutMs?: number;
  /** How long a report is reused (default 2000 ms). */
  readonly cacheMs?: number;
}

/** The principal subgraph readiness probes are signed for: a system subject, no role, no MFA. */
export const READINESS_SUBJECT = 'system:gateway-readiness';
const SERVICE_QUERY = JSON.stringify({ query: '{ _service { sdl } }' });

class Timeout extends Error {}

export class Readiness {
  private cached: { report: ReadinessReport; at: number } | undefined;
  private running: Promise<ReadinessReport> | undefined;
  private rounds = 0;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;

  constructor(private readonly deps: ReadinessDependencies) {
    this.timeoutMs = deps.timeoutMs ?? 2000;
    this.cacheMs = deps.cacheMs ?? 2000;
  }

  /** The current report: cached, the round in progress, or a new round. */
  report(): Promise<ReadinessReport> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.report);
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The last report, without checking (for /metrics). */
  last(): ReadinessReport | undefined {
    return this.cached?.report;
  }

  /** Rounds of checks made (tests count them). */
  roundsMade(): number {
    return this.rounds;
  }

  private async check(): Promise<ReadinessReport> {
    this.rounds += 1;
    const supergraph = this.deps.supergraph();
    const expected = supergraph.text !== undefined ? subgraphSdlHashesOf(supergraph.text) : new Map<string, string>();
    const entries: [string, Promise<CheckResult>][] = Object.entries(this.deps.subgraphUrls).map(([name, url]) => [
      `subgraph:${name}`,
      this.bounded(() => this.probeSubgraph(name, url, expected.get(name))),
    ]);
    entries.push(['audit', this.deps.auditHealthy ? this.bounded(async () => ((await this.deps.auditHealthy!()) ? ok() : { status: 'unwritable', detail: 'the audit store refused a write probe' })) : Promise.resolve({ status: 'disabled', durationMs: 0 })]);
    entries.push(['rules', this.bounded(async () => ({ ...ok(), version: this.deps.rules().version }))]);
    entries.push([
      'supergraph',
      Promise.resolve(supergraph.sha256 ? { status: 'ok', durationMs: 0, version: supergraph.sha256 } : { status: 'error', detail: 'no supergraph loaded', durationMs: 0 }),
    ]);
    if (this.deps.limitsRedis) {
      const redis = this.deps.limitsRedis;
      entries.push(['limits-redis', this.bounded(async () => (await redis.ping(), ok()))]);
    }
    for (const [name, answers] of Object.entries(this.deps.services ?? {})) {
      entries.push([name, this.bounded(async () => ((await answers()) ? ok() : { status: 'error', detail: 'does not answer' }))]);
    }
    const results = await Promise.all(entries.map(async ([name, result]) => [name, await result] as const));
    const checks = Object.fromEntries(results);
    const degraded = results.filter(([, result]) => result.status !== 'ok' && result.status !== 'disabled').map(([name]) => name);
    const report: ReadinessReport = { ready: degraded.length === 0, checkedAt: new Date().toISOString(), degraded, checks };
    this.cached = { report, at: Date.now() };
    return report;
  }

  /** Runs a check within the time limit; a throw is the check's failure, described without values. */
  private async bounded(check: () => Promise<Omit<CheckResult, 'durationMs'>>): Promise<CheckResult> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Timeout()), this.timeoutMs);
        }),
      ]);
      return { ...result, durationMs: Date.now() - started };
    } catch (error) {
      const timedOut = error instanceof Timeout || (error as { name?: unknown } | null)?.name === 'TimeoutError';
      return timedOut
        ? { status: 'timeout', detail: `no answer within ${this.timeoutMs} ms`, durationMs: Date.now() - started }
        : { status: 'error', detail: describe(error), durationMs: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  /** `_service { sdl }` through the signed identity path, its hash against the supergraph's. */
  private async probeSubgraph(name: string, url: string, expectedHash: string | undefined): Promise<Omit<CheckResult, 'durationMs'>> {
    const rules = this.deps.rules();
    const requestId = randomUUID();
    const body = Buffer.from(SERVICE_QUERY, 'utf8');
    const token = await this.deps.signer.sign(probeClaims(rules, requestId), name, body);
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      response = await undiciFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: token, [REQUEST_ID_HEADER]: requestId },
        body,
        dispatcher: this.deps.dispatcher,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if ((error as { name?: unknown }).name === 'TimeoutError') throw error;
      return { status: 'unreachable', detail: describe(error) };
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return { status: 'refused', detail: `HTTP ${response.status}: the subgraph refused the gateway's signed identity (keys or rules differ)` };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { status: 'error', detail: `HTTP ${response.status}` };
    }
    const answer = (await response.json()) as { data?: { _service?: { sdl?: unknown } } };
    const sdl = answer.data?._service?.sdl;
    if (typeof sdl !== 'string') return { status: 'error', detail: 'no _service.sdl in the answer' };
    const served = subgraphSdlHash(sdl);
    if (expectedHash === undefined) return { status: 'ok', detail: 'the supergraph names no schema for this subgraph (not composed by npm run compose): schema not compared', version: served };
    if (served !== expectedHash) return { status: 'schema_mismatch', detail: `serves schema ${served.slice(0, 12)}…, the supergraph was composed from ${expectedHash.slice(0, 12)}…`, version: served };
    return { status: 'ok', version: served };
  }
}

function ok(): Omit<CheckResult, 'durationMs'> {
  return { status: 'ok' };
}

/**
 * The identity of a probe: a system subject without roles or MFA, under the first department of
 * the rules and its first registered purpose (so a subgraph's rules accept it as a caller); the
 * shield lets any accepted caller read `_service`, and nothing else is asked.
 */
function probeClaims(rules: PolicySet, requestId: string): IdentityClaims {
  const department = [...rules.departments.values()].find((entry) => entry.purposes.length > 0);
  if (!department) throw new Error('the access rules register no department for any purpose');
  return {
    sub: READINESS_SUBJECT,
    department: department.id,
    roles: [],
    purpose: department.purposes[0],
    mfa: false,
    scopes: [],
    ruleVersion: rules.version,
    requestId,
  };
}

/** An error's kind, never its message's values (a driver may quote addresses or statements). */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = (error as { code?: unknown } | null)?.code ?? cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'failed';
}
