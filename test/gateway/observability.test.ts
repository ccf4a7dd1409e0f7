import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import knexFactory from 'knex';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { ConfigError, loadConfig } from '../../gateway/config';
import { createLogger } from '../../lib/logger';
import { HEALTH_PATH, READY_PATH, type SubgraphName } from '../../lib/subgraphs';
import { acquireTracing, type TracingHandle } from '../../lib/tracing';
import { startSubgraph } from '../../subgraphs/shared/server';
import path from 'node:path';
import { databaseConfig, openDatabase } from '../../subgraphs/shared/database';
import { SUBGRAPH_MODULES, startFederation, testDataDir, type Federation } from '../support/federation';
import { postGraphQL } from '../support/graphql';

/**
 * Issue 15, items 1–3, on one real federation (tracing on, to a collector this test runs on
 * loopback): readiness with a subgraph down, a subgraph serving another schema, the audit store
 * not accepting writes; metrics after a few requests and after a flood of operation names; the
 * trace of one request as the collector received it.
 */

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface ReceivedSpan extends OtlpSpan {
  service: string;
}

/** A tiny OTLP/HTTP collector (JSON encoding), on loopback. */
async function startCollector(): Promise<{ url: string; spans: ReceivedSpan[]; requests: number; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.requests += 1;
      if (req.url === '/v1/traces' && req.method === 'POST' && /json/.test(req.headers['content-type'] ?? '')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const resourceSpans of body.resourceSpans) {
          const service = resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function attribute(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : value?.boolValue);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, attempts = 100): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface ReadyBody {
  status: string;
  ready: boolean;
  degraded: string[];
  checks: Record<string, { status: string; detail?: string; version?: string }>;
}

describe('operating the gateway: readiness, metrics, traces', () => {
  let federation: Federation;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let tracing: TracingHandle;
  let origin: string;
  let opsUrl: string;

  const readyz = async (base = origin) => {
    const response = await fetch(`${base}${READY_PATH}`);
    return { status: response.status, body: (await response.json()) as ReadyBody };
  };
  /** Waits past the readiness cache until the report says what `accept` wants. */
  const readyzUntil = (what: string, accept: (report: { status: number; body: ReadyBody }) => boolean) =>
    until(what, async () => {
      const report = await readyz();
      return accept(report) ? report : undefined;
    });

  beforeAll(async () => {
    collector = await startCollector();
    federation = await startFederation({
      gatewayEnv: {
        TRACING_OTLP_ENDPOINT: collector.url,
        GATEWAY_READINESS_CACHE_MS: '300',
        // Generous: a loaded CI machine; the audit store's own probe gives up after 3 s.
        GATEWAY_READINESS_TIMEOUT_MS: '5000',
      },
    });
    // The same SDK the gateway installed (one per process): the test flushes through it.
    tracing = await acquireTracing({ endpoint: collector.url, sampleRatio: 1, serviceName: 'ward-gateway' });
    origin = new URL(federation.gatewayUrl).origin;
    expect(federation.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    opsUrl = federation.opsUrl!;
  });

  afterAll(async () => {
    await tracing?.release();
    await federation?.stop();
    await collector?.close();
  });

  test('/healthz keeps its answer; /readyz is 200 with every check ok; each subgraph has both', async () => {
    const health = await fetch(`${origin}${HEALTH_PATH}`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', supergraph: { sha256: expect.any(String) } });

    // A gateway just started may take a round to see everything answer (first calls are cold).
    const { status, body } = await readyzUntil('ready', (report) => report.status === 200);
    expect(body.degraded).toEqual([]);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    for (const name of Object.keys(federation.subgraphs)) {
      // Compared through the signed identity path against the hash composed into the supergraph.
      expect(body.checks[`subgraph:${name}`]).toMatchObject({ status: 'ok', version: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(body.checks[`subgraph:${name}`].detail).toBeUndefined();
    }
    expect(body.checks.audit.status).toBe('ok');
    expect(body.checks.rules).toMatchObject({ status: 'ok', version: federation.gateway.rules.current().version });
    expect(body.checks.supergraph.status).toBe('ok');

    for (const subgraph of Object.values(federation.subgraphs)) {
      const base = new URL(subgraph.url).origin;
      expect((await fetch(`${base}${HEALTH_PATH}`)).status).toBe(200);
      const ready = await fetch(`${base}${READY_PATH}`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', subgraph: subgraph.name, checks: { database: { status: 'ok' } } });
    }
  });

  test("a subgraph whose database is gone: its own /readyz is 503 naming the database, its /healthz still 200", async () => {
    const db = openDatabase('intermediate', databaseConfig('intermediate', { INTERMEDIATE_DB_FILE: path.join(testDataDir(), 'intermediate.sqlite') }));
    const subgraph = await startSubgraph(SUBGRAPH_MODULES.intermediate, {
      port: 0,
      db,
      verifyKey: { source: 'dev', keysPath: federation.identityKeysPath },
      tls: false,
      logger: createLogger('subgraph:intermediate', 'silent'),
    });
    try {
      const base = new URL(subgraph.url).origin;
      expect((await fetch(`${base}${READY_PATH}`)).status).toBe(200);
      await db.destroy();
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past its 1 s cache
      const ready = await fetch(`${base}${READY_PATH}`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'degraded', subgraph: 'intermediate', degraded: ['database'], checks: { database: { status: 'unreachable' } } });
      expect((await fetch(`${base}${HEALTH_PATH}`)).status).toBe(200);
    } finally {
      await subgraph.stop();
    }
  });

  test('a flood of /readyz probes each subgraph at most once per round (cached, shared)', async () => {
    const rounds = federation.gateway.readiness.roundsMade();
    const signatures = federation.gateway.identitySigner.signatures();
    const answers = await Promise.all(Array.from({ length: 60 }, () => readyz()));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const newRounds = federation.gateway.readiness.roundsMade() - rounds;
    // 60 requests, a handful of rounds at most (one per 300 ms cache period while they arrive).
    expect(newRounds).toBeLessThanOrEqual(5);
    // One signed `_service` call per subgraph per round, and nothing else.
    expect(federation.gateway.identitySigner.signatures() - signatures).toBe(newRounds * Object.keys(federation.subgraphs).length);
  });

  test('a subgraph down: /readyz 503 naming it, and 200 again once it is back', async () => {
    const name: SubgraphName = 'card-progress';
    const down = federation.subgraphs[name];
    const port = down.port;
    await down.stop();
    const degraded = await readyzUntil('card-progress reported down', (report) => report.status === 503);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.degraded).toEqual([`subgraph:${name}`]);
    expect(degraded.body.checks[`subgraph:${name}`].status).toBe('unreachable');
    expect(degraded.body.checks['subgraph:residents'].status).toBe('ok');
    // The operations listener says the same.
    expect((await fetch(`${opsUrl}${READY_PATH}`)).status).toBe(503);
    // A request needing it: partial data with SUBGRAPH_UNAVAILABLE (counted in the metrics below).
    const partial = await federation.query('registry-clerk', 'query ObsPartial($id: ID!) { resident(id: $id) { id myNumberCard { status } } }', { id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(partial.status).toBe(200);
    expect((partial.body.data as { resident?: { id?: string } } | null | undefined)?.resident?.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(partial.body.errors?.map((error) => error.extensions?.code)).toContain('SUBGRAPH_UNAVAILABLE');

    federation.subgraphs[name] = await startSubgraph(SUBGRAPH_MODULES[name], {
      port,
      db: down.db,
      verifyKey: { source: 'dev', keysPath: federation.identityKeysPath },
      tls: false,
      logger: createLogger(`subgraph:${name}`, 'silent'),
    });
    const recovered = await readyzUntil('card-progress back', (report) => report.status === 200);
    expect(recovered.body.degraded).toEqual([]);
  });

  test('a subgraph serving another schema than the supergraph was composed from: 503 schema_mismatch', async () => {
    const file = federation.gatewayConfig.supergraphPath;
    const original = fs.readFileSync(file, 'utf8');
    // The supergraph now says residents was composed from another schema.
    const changed = original.replace(/^(# subgraph-sdl-sha256 residents )[0-9a-f]{64}$/m, `$1${'0'.repeat(64)}`);
    expect(changed).not.toBe(original);
    const before = federation.gateway.supergraph.status().sha256;
    try {
      fs.writeFileSync(file, changed);
      await until('the supergraph reloaded', () => (federation.gateway.supergraph.status().sha256 !== before ? true : undefined));
      const report = await readyzUntil('residents mismatch', (answer) => answer.status === 503);
      expect(report.body.degraded).toEqual(['subgraph:residents']);
      expect(report.body.checks['subgraph:residents'].status).toBe('schema_mismatch');
    } finally {
      fs.writeFileSync(file, original);
    }
    await until('the supergraph restored', () => (federation.gateway.supergraph.status().sha256 === before ? true : undefined));
    await readyzUntil('ready again', (answer) => answer.status === 200);
  });

  test('the audit store not accepting writes (its database locked by another writer): 503 naming it, then ready again', async () => {
    // Another connection to the audit database holds its write lock: a write cannot begin.
    const blocker = knexFactory({ client: 'better-sqlite3', connection: { filename: federation.auditFile }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    const connection = (await blocker.client.acquireConnection()) as { exec(sql: string): void; inTransaction: boolean };
    try {
      connection.exec('BEGIN EXCLUSIVE');
      const report = await readyzUntil('audit reported', (answer) => answer.status === 503);
      expect(report.body.degraded).toEqual(['audit']);
      expect(['timeout', 'unwritable']).toContain(report.body.checks.audit.status);
    } finally {
      if (connection.inTransaction) connection.exec('ROLLBACK');
      await blocker.client.releaseConnection(connection);
      await blocker.destroy();
    }
    await readyzUntil('audit writable again', (answer) => answer.status === 200);
  });

  test('metrics: on the operations listener only; requests, refusals, subgraph calls, caches, audit, versions, the event loop', async () => {
    // Not on the port the department apps call.
    expect((await fetch(`${origin}/metrics`)).status).toBe(404);

    const query = 'query ObsResidentName($id: ID!) { resident(id: $id) { id name { kanji } } }';
    for (let i = 0; i < 2; i += 1) {
      const answer = await federation.query('registry-clerk', query, { id: FIXTURE_FIRST_RESIDENT.addressNumber }, { 'apollographql-client-name': 'obs-test' });
      expect(answer.status).toBe(200);
    }
    const refused = await postGraphQL(federation.gatewayUrl, '{ __typename }');
    expect(refused.status).toBe(401);
    const invalid = await federation.query('registry-clerk', 'query ObsInvalid { noSuchField }');
    expect(invalid.status).toBe(400);

    const response = await fetch(`${opsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('gateway_graphql_requests_total{operation="ObsResidentName",client="obs-test",outcome="success"} 2');
    expect(text).toMatch(/gateway_graphql_requests_total\{operation="none",client="none",outcome="refused"\} \d+/);
    expect(text).toMatch(/gateway_refusals_total\{code="UNAUTHENTICATED"\} \d+/);
    // Refused by validation: counted under the name it claimed.
    expect(text).toContain('gateway_graphql_requests_total{operation="ObsInvalid",client="none",outcome="refused"} 1');
    expect(text).toMatch(/gateway_refusals_total\{code="GRAPHQL_VALIDATION_FAILED"\} 1/);
    expect(text).toMatch(/gateway_subgraph_fetch_duration_seconds_count\{subgraph="residents"\} [1-9]/);
    expect(text).toContain('gateway_subgraph_fetch_errors_total{subgraph="card-progress",kind="unavailable"} 1');
    expect(text).toContain('gateway_graphql_requests_total{operation="ObsPartial",client="none",outcome="partial"} 1');
    expect(text).toMatch(/gateway_refusals_total\{code="SUBGRAPH_UNAVAILABLE"\} 1/);
    expect(text).toMatch(/gateway_decision_cache_hits_total [1-9]/);
    expect(text).toMatch(/gateway_decision_cache_misses_total [1-9]/);
    expect(text).toMatch(/gateway_plan_cache_hits_total [1-9]/);
    expect(text).toMatch(/gateway_plan_cache_misses_total [1-9]/);
    expect(text).toMatch(/gateway_audit_append_duration_seconds_count\{result="committed"\} [1-9]/);
    expect(text).toMatch(/gateway_audit_queue_depth \d+/);
    expect(text).toMatch(/gateway_audit_append_failures_total \d+/);
    expect(text).toContain(`gateway_rules_info{version="${federation.gateway.rules.current().version}"} 1`);
    expect(text).toContain(`gateway_supergraph_info{sha256="${federation.gateway.supergraph.status().sha256}"} 1`);
    expect(text).toMatch(/gateway_readiness_check\{check="subgraph:residents"\} 1/);
    expect(text).toMatch(/nodejs_eventloop_lag_p99_seconds \d/);
    expect(text).toMatch(/process_cpu_seconds_total \d/);
    if (process.env.PRINT_METRICS) process.stdout.write(`${text.split('\n').filter((line) => line.startsWith('gateway_') || line.startsWith('nodejs_eventloop_lag_p')).join('\n')}\n`);
    // No person data, no user id.
    expect(text).not.toContain(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(text).not.toContain('dev:registry-clerk');
    expect(text).not.toContain('registry-clerk');
  });

  test('a flood of random operation names does not grow the series', async () => {
    const series = async () => (await (await fetch(`${opsUrl}/metrics`)).text()).split('\n').filter((line) => line.startsWith('gateway_graphql_requests_total{'));
    const flood = async (prefix: string, count: number) => {
      const token = await federation.token('registry-clerk');
      for (let i = 0; i < count; i += 4) {
        await Promise.all(
          Array.from({ length: 4 }, (_, j) =>
            postGraphQL(federation.gatewayUrl, `query ${prefix}${i + j} { __typename }`, undefined, { authorization: `Bearer ${token}`, 'apollographql-client-name': `${prefix}-client-${i + j}` }),
          ),
        );
      }
    };
    await flood('FloodA', 80);
    const afterFirst = await series();
    await flood('FloodB', 80);
    const afterSecond = await series();
    expect(afterSecond.length).toBe(afterFirst.length);
    const operations = new Set(afterSecond.map((line) => /operation="([^"]*)"/.exec(line)![1]));
    const clients = new Set(afterSecond.map((line) => /client="([^"]*)"/.exec(line)![1]));
    expect(operations.size).toBeLessThanOrEqual(52);
    expect(clients.size).toBeLessThanOrEqual(22);
    expect(operations.has('other')).toBe(true);
    expect(clients.has('other')).toBe(true);
    expect([...operations].some((name) => name.startsWith('FloodB'))).toBe(false);
  });

  test('a trace of one request: a span per phase, parent links, the subgraphs continue it; no person data or variable in it', async () => {
    const query = 'query ObsTrace($id: ID!) { resident(id: $id) { id name { kanji } myNumberCard { status } } }';
    const answer = await federation.query('registry-clerk', query, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(answer.status).toBe(200);
    const requestId = answer.response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    await tracing.flush();
    const root = await until('the request span', () => collector.spans.find((span) => span.name === 'gateway.http' && attribute(span, 'ward.request_id') === requestId));
    const trace = await until('the subgraph spans', () => {
      const spans = collector.spans.filter((span) => span.traceId === root.traceId);
      return spans.filter((span) => span.name === 'subgraph.request').length >= 2 ? spans : undefined;
    });
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const one = (name: string) => {
      const found = trace.filter((span) => span.name === name);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const parentOf = (span: OtlpSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    expect(root.parentSpanId ?? '').toBe('');
    expect(root.kind).toBe(2); // SERVER
    expect(attribute(root, 'http.response.status_code')).toBe(200);
    for (const phase of ['gateway.authenticate', 'gateway.decide', 'gateway.complete', 'gateway.audit', 'gateway.request']) {
      expect(parentOf(one(phase))?.spanId).toBe(root.spanId);
    }
    // @apollo/gateway's own spans: the plan and the execution under its request span.
    const apolloRequest = one('gateway.request');
    expect(parentOf(one('gateway.plan'))?.spanId).toBe(apolloRequest.spanId);
    const execute = one('gateway.execute');
    expect(parentOf(execute)?.spanId).toBe(apolloRequest.spanId);
    const fetches = trace.filter((span) => span.name === 'gateway.fetch');
    expect(fetches.length).toBeGreaterThanOrEqual(2);
    const calls = trace.filter((span) => span.name === 'gateway.subgraph_call');
    expect(calls.map((span) => attribute(span, 'subgraph.name')).sort()).toEqual(['card-progress', 'residents']);
    for (const call of calls) {
      expect(call.kind).toBe(3); // CLIENT
      expect(parentOf(call)?.name).toBe('gateway.fetch');
      expect(parentOf(parentOf(call)!)?.spanId).toBe(execute.spanId);
      // The subgraph continued the trace from the traceparent header: its span's parent is this call.
      const served = trace.filter((span) => span.name === 'subgraph.request' && span.parentSpanId === call.spanId);
      expect(served).toHaveLength(1);
      expect(attribute(served[0], 'subgraph.name')).toBe(attribute(call, 'subgraph.name'));
      expect(served[0].kind).toBe(2);
    }
    // What left for the collector: no 宛名番号, no name, no individual number, no user, no query text.
    const exported = JSON.stringify(trace);
    for (const secret of [FIXTURE_FIRST_RESIDENT.addressNumber, FIXTURE_FIRST_RESIDENT.individualNumber, '山田', 'registry-clerk', 'myNumberCard {']) {
      expect(exported).not.toContain(secret);
    }
    // The trace as the collector received it (for the issue's closing note).
    if (process.env.PRINT_TRACE) {
      process.stdout.write(
        `${trace
          .map((span) => `${span.service} ${span.name} span=${span.spanId} parent=${span.parentSpanId || '-'} ${JSON.stringify(Object.fromEntries((span.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue])))}`)
          .join('\n')}\n`,
      );
    }
  });

  test('configuration: /metrics off a loopback address needs a bearer token; tracing needs an http(s) collector URL', () => {
    const base = { AUTH_MODE: 'dev' };
    expect(() => loadConfig({ ...base, GATEWAY_METRICS_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, GATEWAY_METRICS_HOST: '0.0.0.0' })).toThrow(/GATEWAY_METRICS_TOKEN/);
    expect(loadConfig({ ...base, GATEWAY_METRICS_HOST: '0.0.0.0', GATEWAY_METRICS_TOKEN: 'a-long-enough-token' }).observability.metrics).toMatchObject({ host: '0.0.0.0', port: 9464 });
    // Beside another gateway port: a free one, so two gateways on one host never collide.
    expect(loadConfig({ ...base, GATEWAY_PORT: '4100' }).observability.metrics).toMatchObject({ host: '127.0.0.1', port: 0 });
    expect(loadConfig({ ...base, GATEWAY_PORT: '4100', GATEWAY_METRICS_PORT: '9470' }).observability.metrics).toMatchObject({ port: 9470 });
    expect(loadConfig({ ...base, GATEWAY_METRICS_PORT: 'off' }).observability.metrics).toBeUndefined();
    expect(loadConfig(base).observability.tracing).toBeUndefined();
    expect(() => loadConfig({ ...base, TRACING_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/TRACING_OTLP_ENDPOINT/);
    expect(() => loadConfig({ ...base, TRACING_SAMPLE_RATIO: '2' })).toThrow(/TRACING_SAMPLE_RATIO/);
  });
});
