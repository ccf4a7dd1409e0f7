/** One autocannon run against one contender, with a distinct credential per request. */
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import type { HeaderPool } from './tokens';

export interface Target {
  /** Full GraphQL URL. */
  readonly url: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly pool: HeaderPool;
}

/** The request body a run sends (a direct contender's identities are signed over these bytes). */
export function requestBody(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify({ query, ...(variables ? { variables } : {}) });
}

export interface RunResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function runLoad(target: Target, duration: number, connections: number): Promise<RunResult> {
  const url = new URL(target.url);
  const body = requestBody(target.query, target.variables);
  // Signed identities live seconds (lib/gateway-identity.ts): re-mint during long runs.
  const refresher = setInterval(() => void target.pool.refresh(), 4_000);
  try {
    const result = (await autocannon({
      url: url.origin,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          path: url.pathname,
          headers: { 'content-type': 'application/json' },
          body,
          setupRequest: (request: { headers?: Record<string, string> }) => ({
            ...request,
            headers: { ...(request.headers ?? {}), [target.pool.header]: target.pool.next() },
          }),
        },
      ],
    })) as AutocannonResult;
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    };
  } finally {
    clearInterval(refresher);
  }
}

/** One request; returns undefined when the answer has data and no errors, else what went wrong. */
export async function precheck(target: Target): Promise<string | undefined> {
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [target.pool.header]: target.pool.next() },
      body: JSON.stringify({ query: target.query, ...(target.variables ? { variables: target.variables } : {}) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 300)}`;
    const json = JSON.parse(text) as { data?: unknown; errors?: { message: string; path?: unknown }[] };
    if (json.errors && json.errors.length > 0) return `GraphQL errors: ${json.errors.slice(0, 3).map((e) => `${e.message} ${JSON.stringify(e.path ?? '')}`).join('; ')}`;
    if (json.data === null || json.data === undefined) return 'no data';
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
