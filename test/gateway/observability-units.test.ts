import pino from 'pino';
import { Agent } from 'undici';
import { openLimitsRedis } from '../../gateway/limits/rate-redis';
import { startOpsServer } from '../../gateway/observability/ops-server';
import { Readiness } from '../../gateway/observability/readiness';
import { BoundedLabel } from '../../gateway/observability/bounded-label';
import type { IdentitySigner } from '../../gateway/identity-signing';
import type { PolicySet } from '../../lib/policy/types';
import { describeWithRedis } from '../support/redis';

/** The observability parts without a federation: the shared-limits Redis in readiness, the metrics listener's token, bounded labels. */

const quiet = pino({ level: 'silent' });
const noSigner = {} as IdentitySigner;
const rules = () => ({ version: 'v-test', departments: new Map() }) as unknown as PolicySet;

function readinessWith(limitsRedis: { ping(): Promise<unknown> }, dispatcher: Agent) {
  return new Readiness({
    subgraphUrls: {},
    signer: noSigner,
    dispatcher,
    supergraph: () => ({ text: '', sha256: 'f'.repeat(64) }),
    rules,
    auditHealthy: async () => true,
    limitsRedis,
    timeoutMs: 1500,
    cacheMs: 0,
  });
}

describeWithRedis('readiness of the shared limit counters (Redis)', () => {
  const dispatcher = new Agent();
  afterAll(() => dispatcher.close());

  test('Redis answering: ready; Redis unreachable: 503-worthy, naming limits-redis', async () => {
    const up = openLimitsRedis(process.env.TEST_REDIS_URL!, quiet);
    // Nothing listens on port 1: the limits' Redis is down.
    const down = openLimitsRedis('redis://127.0.0.1:1', quiet);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ok = await readinessWith(up, dispatcher).report();
      expect(ok.degraded).toEqual([]);
      expect(ok.checks['limits-redis'].status).toBe('ok');
      const bad = await readinessWith(down, dispatcher).report();
      expect(bad.ready).toBe(false);
      expect(bad.degraded).toEqual(['limits-redis']);
      expect(bad.checks['limits-redis'].status).toBe('error');
    } finally {
      up.disconnect();
      down.disconnect();
    }
  });
});

describe('readiness of further shared services', () => {
  test('a service that does not answer, or throws, is degraded by name; the others are not', async () => {
    const dispatcher = new Agent();
    try {
      const readiness = new Readiness({
        subgraphUrls: {},
        signer: noSigner,
        dispatcher,
        supergraph: () => ({ text: '', sha256: 'f'.repeat(64) }),
        rules,
        services: { 'rule-store': async () => true, 'other-store': async () => false, broken: async () => { throw new Error('ECONNREFUSED 10.0.0.1:5432'); } },
        cacheMs: 0,
      });
      const report = await readiness.report();
      expect([...report.degraded].sort()).toEqual(['broken', 'other-store']);
      expect(report.checks['rule-store'].status).toBe('ok');
      expect(report.checks.audit.status).toBe('disabled');
      // The reason names a kind of failure, never an address a driver quoted.
      expect(JSON.stringify(report)).not.toContain('10.0.0.1');
    } finally {
      await dispatcher.close();
    }
  });
});

describe('the metrics listener', () => {
  test('with a token, /metrics answers only the bearer of that token', async () => {
    const ops = await startOpsServer(
      { host: '127.0.0.1', port: 0, token: 'a-long-enough-token' },
      { metrics: async () => 'gateway_up 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8', readiness: async () => ({ status: 200, body: { status: 'ready' } }) },
    );
    try {
      expect((await fetch(`${ops.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${ops.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
      const allowed = await fetch(`${ops.url}/metrics`, { headers: { authorization: 'Bearer a-long-enough-token' } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toBe('gateway_up 1\n');
      expect((await fetch(`${ops.url}/graphql`, { headers: { authorization: 'Bearer a-long-enough-token' } })).status).toBe(404);
    } finally {
      await ops.close();
    }
  });
});

describe('bounded labels', () => {
  test('first names kept up to the limit, then `other`; malformed → `other`; absent → `none`', () => {
    const label = new BoundedLabel({ limit: 3 });
    expect(['A', 'B', 'A', 'C', 'D', 'E'].map((name) => label.value(name))).toEqual(['A', 'B', 'A', 'C', 'other', 'other']);
    expect(label.value('has space')).toBe('other');
    expect(label.value('x'.repeat(65))).toBe('other');
    expect(label.value(undefined)).toBe('none');
    expect(label.size()).toBe(3);
    const registered = new BoundedLabel({ known: (name) => name.startsWith('Registered') });
    expect(registered.value('RegisteredQuery')).toBe('RegisteredQuery');
    expect(registered.value('Whatever')).toBe('other');
  });
});
