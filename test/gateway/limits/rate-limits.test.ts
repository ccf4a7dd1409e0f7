import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AuditSink } from '../../../gateway/audit';
import { startGateway, type RunningGateway } from '../../../gateway/server';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES } from '../../../lib/policy/files';
import type { AuditEntryInput } from '../../../lib/audit/types';
import { SUBGRAPH_NAMES } from '../../../lib/subgraphs';
import { startFederation, type Federation } from '../../support/federation';
import { postGraphQL, type GraphQLResult } from '../../support/graphql';
import { describeWithRedis } from '../../support/redis';

class CapturingSink implements AuditSink {
  readonly entries: AuditEntryInput[] = [];
  async append(entries: AuditEntryInput[]) {
    this.entries.push(...entries);
    return entries;
  }
}

/** Small limits, so that a test reaches them in a few requests. */
const TEST_LIMITS = `version: test
author: officer A (synthetic)
approvedBy: officer B (synthetic)
limits:
  defaults:
    costBudget: 5000
    costMode: enforce
    requestsPerMinute: 100
    concurrentRequests: 4
  profiles:
    - id: counter-clerk
      roles: [clerk]
      costBudget: 200000
      requestsPerMinute: 5
      concurrentRequests: 2
    - id: dx-dashboard
      roles: [analyst]
      requestsPerMinute: 3
`;

let federation: Federation;
let policyDir: string;
const sink = new CapturingSink();
const replicas: RunningGateway[] = [];
const statementCount = () => SUBGRAPH_NAMES.reduce((sum, name) => sum + federation.statements[name].length, 0);
const entryOf = (result: GraphQLResult) => sink.entries.find((entry) => entry.requestId === result.response.headers.get('x-request-id'));

async function ask(url: string, persona: string, query = '{ residents(first: 1) { edges { node { id } } } }'): Promise<GraphQLResult> {
  return postGraphQL(url, query, undefined, { authorization: `Bearer ${await federation.token(persona)}` });
}

/** A request whose body is still arriving: it holds a concurrency slot (admitted before body parsing) until `finish`. */
async function holdRequest(gateway: RunningGateway, persona: string): Promise<{ finish(): Promise<number> }> {
  const admitted = gateway.gateway.userLimiter.stats().admitted;
  const body = JSON.stringify({ query: '{ residents(first: 1) { edges { node { id } } } }' });
  const url = new URL(gateway.url);
  const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${await federation.token(persona)}` } });
  const status = new Promise<number>((resolve, reject) => {
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
  });
  request.write(body.slice(0, 3));
  for (let i = 0; i < 200 && gateway.gateway.userLimiter.stats().admitted === admitted; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(gateway.gateway.userLimiter.stats().admitted).toBe(admitted + 1);
  return {
    finish: () => {
      request.end(body.slice(3));
      return status;
    },
  };
}

async function startReplica(limits: { redisUrl: string | undefined; keyPrefix: string }): Promise<RunningGateway> {
  const replica = await startGateway({ config: { ...federation.gatewayConfig, limits }, policyDir, audit: sink });
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-rate-policy-'));
  for (const name of POLICY_FILE_NAMES) fs.copyFileSync(path.join(DEFAULT_POLICY_DIR, name), path.join(policyDir, name));
  fs.writeFileSync(path.join(policyDir, 'limits.yaml'), TEST_LIMITS);
  federation = await startFederation({ policyDir, audit: sink });
}, 120_000);

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await federation?.stop();
  fs.rmSync(policyDir, { recursive: true, force: true });
});

describe('per-user rate and concurrency limits, counters in the process', () => {
  test('the 6th request of a user in a minute is 429 RATE_LIMITED with Retry-After, audited, no subgraph call; another user goes on', async () => {
    const gateway = federation.gateway;
    for (let i = 0; i < 5; i += 1) expect((await ask(federation.gatewayUrl, 'registry-clerk')).status).toBe(200);
    federation.resetStatements();
    const refused = await ask(federation.gatewayUrl, 'registry-clerk');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limitProfile: 'counter-clerk', retryAfterSeconds: retryAfter });
    expect(statementCount()).toBe(0);
    const entry = entryOf(refused);
    expect(entry).toMatchObject({ decision: 'REFUSED', errorCodes: ['RATE_LIMITED'], personIds: [] });
    expect(entry!.subject).toBeTruthy();
    expect(gateway.userLimiter.stats().rateLimited).toBeGreaterThanOrEqual(1);
    // Per user: a colleague with the same profile is not held back.
    expect((await ask(federation.gatewayUrl, 'branch-clerk')).status).toBe(200);
  });

  test('statistics requests count too: the dashboard’s 4th request in a minute is refused', async () => {
    const query = '{ populationStatistics { residentTotal } }';
    for (let i = 0; i < 3; i += 1) expect((await ask(federation.gatewayUrl, 'dx-analyst', query)).status).toBe(200);
    const refused = await ask(federation.gatewayUrl, 'dx-analyst', query);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limitProfile: 'dx-dashboard' });
  });

  test('a 3rd request while 2 of the same user are in progress is 429 CONCURRENCY_LIMITED; once one ends the next is admitted', async () => {
    const running = { url: federation.gatewayUrl, gateway: federation.gateway } as RunningGateway;
    const first = await holdRequest(running, 'tax-clerk');
    const second = await holdRequest(running, 'tax-clerk');
    const refused = await ask(federation.gatewayUrl, 'tax-clerk');
    expect(refused.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toBe('1');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONCURRENCY_LIMITED', limitProfile: 'counter-clerk' });
    expect(entryOf(refused)).toMatchObject({ decision: 'REFUSED', errorCodes: ['CONCURRENCY_LIMITED'] });
    expect(await first.finish()).toBe(200);
    expect((await ask(federation.gatewayUrl, 'tax-clerk')).status).toBe(200);
    expect(await second.finish()).toBe(200);
  });
});

describeWithRedis('per-user limits shared by two gateway replicas in Redis', () => {
  const keyPrefix = `ward-test:${randomUUID()}`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test('requests alternate between replicas A and B: the 6th across both is refused on either', async () => {
    const a = await startReplica({ redisUrl: process.env.TEST_REDIS_URL, keyPrefix });
    const b = await startReplica({ redisUrl: process.env.TEST_REDIS_URL, keyPrefix });
    for (const replica of [a, b, a, b, a]) expect((await ask(replica.url, 'mynumber-officer')).status).toBe(200);
    const onB = await ask(b.url, 'mynumber-officer');
    expect(onB.status).toBe(429);
    expect(onB.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await ask(a.url, 'mynumber-officer')).status).toBe(429);
    // Each replica alone admitted fewer than the limit: only shared counters can refuse.
    expect(a.gateway.userLimiter.stats().admitted).toBe(3);
    expect(b.gateway.userLimiter.stats().admitted).toBe(2);
    expect((await redis.keys(`${keyPrefix}:rate:counter-clerk:5*`)).length).toBe(1);
  });

  test('concurrency across replicas: one request held on A and one on B, a third on A is CONCURRENCY_LIMITED', async () => {
    const [a, b] = replicas.slice(-2);
    const onA = await holdRequest(a, 'school-clerk');
    const onB = await holdRequest(b, 'school-clerk');
    const refused = await ask(a.url, 'school-clerk');
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('CONCURRENCY_LIMITED');
    expect(await onA.finish()).toBe(200);
    expect(await onB.finish()).toBe(200);
    expect((await ask(b.url, 'school-clerk')).status).toBe(200);
    // Every slot was given back.
    expect(await redis.keys(`${keyPrefix}:concurrency:*`)).toEqual([]);
  });

  test('Redis unreachable: 503 LIMITS_UNAVAILABLE with Retry-After, audited, no subgraph call (fail closed)', async () => {
    const unreachable = await startReplica({ redisUrl: 'redis://127.0.0.1:1', keyPrefix });
    federation.resetStatements();
    const result = await ask(unreachable.url, 'registry-clerk-nomfa');
    expect(result.status).toBe(503);
    expect(result.response.headers.get('retry-after')).toBe('5');
    expect(result.body.errors?.[0]?.extensions?.code).toBe('LIMITS_UNAVAILABLE');
    expect(result.body.data ?? null).toBeNull();
    expect(statementCount()).toBe(0);
    expect(entryOf(result)).toMatchObject({ errorCodes: ['LIMITS_UNAVAILABLE'], personIds: [] });
    expect(unreachable.gateway.userLimiter.stats().unavailable).toBe(1);
  });
});
