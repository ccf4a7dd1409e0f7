/**
 * Workload (e), one insider against the counter (issue 9): clerks run workload (a) while one
 * connection loops through the abusive requests of issue 9, each with its persona's token. The
 * clerks' req/s and p99 are measured alone and then with the insider, in the same run.
 */
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';

export interface AbusiveRequest {
  readonly title: string;
  readonly persona: string;
  readonly body: string;
}

/** `resident(id:)` → identityInfo → resident … `hops` times (the planner's aliased-key explosion). */
function identityHops(hops: number): string {
  let inner = 'id';
  for (let i = 0; i < hops; i += 1) inner = `id identityInfo { residentCode resident { ${inner} } }`;
  return inner;
}

/** `household { members { … } }` nested `levels` times. */
function nestedMembers(levels: number): string {
  let inner = 'id name { kanji }';
  for (let i = 0; i < levels; i += 1) inner = `id household { members { ${inner} } }`;
  return inner;
}

/** Fragments spreading the next one twice, `levels` deep, ending in a fragment that does not exist. */
function fragmentBomb(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  fragments.push(`fragment F${levels} on Query { ...Missing }`);
  return `query Bomb { ...F0 } ${fragments.join(' ')}`;
}

const json = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });

/** The abusive requests of issue 9, as the review sent them. */
export const ABUSIVE_REQUESTS: readonly AbusiveRequest[] = [
  { title: 'fragment spreads doubled 26 levels, ending in an unknown fragment', persona: 'vendor-operator', body: json(fragmentBomb(26)) },
  {
    title: '5 aliases of resident(id:), 6 hops of identityInfo.resident each',
    persona: 'branch-clerk',
    body: json(`{ ${Array.from({ length: 5 }, (_, i) => `r${i}: resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { ${identityHops(6)} }`).join(' ')} }`),
  },
  { title: 'residents(first: 1000) with household.members nested 5 levels', persona: 'school-clerk', body: json(`{ residents(first: 1000) { edges { node { ${nestedMembers(5)} } } } }`) },
  { title: '~1 MB operationName', persona: 'registry-clerk', body: json('query Q { __typename }', { operationName: `Q${'x'.repeat(1_000_000)}` }) },
  { title: 'a page of the whole register (residents(first: 1000))', persona: 'tax-clerk', body: json('{ residents(first: 1000) { edges { cursor node { id individualNumber name { kanji } } } } }') },
  // Issue 14: a count of the whole register by a caller who may not see persons under 支援措置
  // (each one's measures, and their households', once took 2.8 s over 1,000,000 residents).
  { title: 'the size of the whole register, as a caller who may not see protected persons (residents { totalCount })', persona: 'school-clerk', body: json('{ residents(first: 1) { totalCount } }') },
];

export interface LoadResult {
  readonly rps: number;
  readonly p99: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Responses by HTTP status. */
  readonly statuses: Record<string, number>;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}

function summary(result: AutocannonResult): LoadResult {
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, stat]) => [status, stat.count])),
  };
}

/** One connection sending the abusive requests in turn, for `duration` seconds (each request waits up to `timeout` s). */
export async function runInsider(url: string, abusive: readonly AbusiveRequest[], tokens: ReadonlyMap<string, string>, duration: number, timeout: number): Promise<LoadResult> {
  const target = new URL(url);
  const result = (await autocannon({
    url: target.origin,
    connections: 1,
    duration,
    timeout,
    requests: abusive.map((request) => ({
      method: 'POST',
      path: target.pathname,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(request.persona)}` },
      body: request.body,
    })),
  })) as AutocannonResult;
  return summary(result);
}
