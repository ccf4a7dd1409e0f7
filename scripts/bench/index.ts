/**
 * npm run bench -- [--residents 10000] [--duration 10] [--rounds 3] [--connections 10] [--soak 10]
 *                  [--tokens 20000] [--base-port 4600] [--workloads a,b,c,d,e] [--log-level warn] [--verbose]
 *                  [--cpu-prof DIR] [--statistics-cache 0] [--abuse 1,2,3,4,5,6] [--workers 2] [--limits-redis URL] [--hive-router]
 *
 * Issue 5's benchmark, one command. Reuses or seeds data/bench/<N>/ (scripts/seed.ts), starts the
 * five subgraphs, our gateway as deployed (gateway/main.ts: field rules + audit trail), our
 * gateway without them (scripts/bench/gateway-baseline.ts: GATEWAY_AUTHORIZATION=off, no audit)
 * and @graphql-hive/gateway over the same supergraph, all as child processes on the same
 * subgraph processes. Each workload is run against every contender in turn (A B C D A B C D …,
 * `--rounds` rounds, the median reported), every request with its own credential; single-subgraph
 * workloads also straight at the subgraph (identity signed as the gateway signs it). Then
 * `--soak` seconds of workload (a) against the deployed gateway, its RSS before and after.
 * (e), one insider against the counter: `--connections` clerks of workload (a) against ours
 * (rules + audit), alone and then while one connection loops through issue 9's abusive requests.
 * `--workers N` (N > 1) adds ours as deployed with GATEWAY_WORKERS=N (gateway/cluster/) as one more
 * contender; both of our deployed contenders then count their limits in Redis (`--limits-redis`,
 * else a private redis-server the bench starts on base-port + 20), so the two differ only in
 * their number of workers.
 * Prints a Markdown table and ratios; writes bench-results/<timestamp>.json. Not a test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../lib/project-root';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { REFERENCE_DATE } from '../../generator/dates';
import { seedStampIsCurrent } from '../../generator/seed-stamp';
import { loadPolicy } from '../../lib/policy/load';
import { GRAPHQL_PATH, HEALTH_PATH, SUBGRAPH_ENDPOINTS, localSubgraphUrl } from '../../lib/subgraphs';
import { writeHiveConfig, writeHiveSupergraph } from './hive';
import { cpuTimeMs, machineCpuMs, mainThreadCpuTimeMs, rssMiB, spawnChild, spawnTs, stopAll, waitFor, type BenchChild } from './processes';
import { precheck, requestBody, runLoad, type RunResult, type Target } from './run';
import { accessTokenPool, identityPool, type HeaderPool } from './tokens';
import { ABUSIVE_REQUESTS, runInsider, type LoadResult } from './insider';
import { WORKLOADS, type Workload } from './workloads';
import { Redis } from 'ioredis';
import { loadOrCreateSubgraphDevKeys, subgraphDevKeysPath } from '../../lib/subgraph-keys';

const { values } = parseArgs({
  options: {
    residents: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    soak: { type: 'string', default: '10' },
    tokens: { type: 'string', default: '20000' },
    'base-port': { type: 'string', default: '4600' },
    workloads: { type: 'string', default: 'a,b,c,d,e' },
    // (e): which of issue 9's abusive requests the insider sends (1-based, in ABUSIVE_REQUESTS order).
    abuse: { type: 'string', default: '1,2,3,4,5,6' },
    'log-level': { type: 'string', default: 'warn' },
    verbose: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of each of our two gateways to DIR when they stop (node --cpu-prof):
    // where the time goes, for the closing note of a missed target. Open in Chrome DevTools.
    'cpu-prof': { type: 'string' },
    // The subgraphs' STATISTICS_CACHE_SECONDS. 0 by default: every (d) request computes its
    // aggregate, so (d) measures the work, not a cache hit (the product default is 60).
    'statistics-cache': { type: 'string', default: '0' },
    // GATEWAY_WORKERS of one more contender: ours, rules + audit, as N worker processes.
    workers: { type: 'string', default: '1' },
    // One more contender: Hive Gateway with the Rust query planner (@graphql-hive/router-runtime).
    'hive-router': { type: 'boolean', default: false },
    'limits-redis': { type: 'string' },
  },
});

function positive(name: string, value: string | undefined, allowZero = false): number {
  const n = Number(value?.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < (allowZero ? 0 : 1)) {
    process.stderr.write(`bench: --${name} needs a ${allowZero ? 'non-negative' : 'positive'} integer, got '${value}'\n`);
    process.exit(2);
  }
  return n;
}

const RESIDENTS = positive('residents', values.residents);
const DURATION = positive('duration', values.duration);
const ROUNDS = positive('rounds', values.rounds);
const CONNECTIONS = positive('connections', values.connections);
const SOAK = positive('soak', values.soak, true);
const STATISTICS_CACHE_SECONDS = positive('statistics-cache', values['statistics-cache'], true);
const TOKENS = positive('tokens', values.tokens);
const BASE_PORT = positive('base-port', values['base-port']);
const LOG_LEVEL = values['log-level'] as string;
const VERBOSE = values.verbose === true;
const CPU_PROFILE_DIR = values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']);
const cpuProfileArgs = (name: string): string[] =>
  CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILE_DIR, '--cpu-prof-name', `${name}.${Date.now()}.cpuprofile`];
const WORKERS = positive('workers', values.workers);
const SELECTED = new Set((values.workloads as string).split(',').map((w) => w.trim()));

type ContenderId = 'direct' | 'no-rules' | 'rules+audit' | 'workers' | 'hive' | 'hive-router';
const CONTENDER_TITLES: Record<ContenderId, string> = {
  direct: 'subgraph direct',
  'no-rules': 'ours, no rules/audit',
  'rules+audit': 'ours, rules + audit',
  workers: `ours, rules + audit, ${WORKERS} workers`,
  hive: 'Hive Gateway 2.15.1',
  'hive-router': 'Hive Gateway + router-runtime',
};
const HIVE_ROUTER = values['hive-router'] === true;

interface Contender {
  readonly id: ContenderId;
  readonly url?: string;
  readonly child?: BenchChild;
  /** Why it is not in the run. */
  unavailable?: string;
}

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const benchRoot = path.join(PROJECT_ROOT, 'data', 'bench');
  const dataDir = path.join(benchRoot, String(RESIDENTS));
  fs.mkdirSync(dataDir, { recursive: true });
  await ensureDatasetWithArgs(dataDir);

  const devKeysPath = path.join(benchRoot, 'dev-keys.json');
  const identityKeysPath = path.join(benchRoot, 'gateway-identity-keys.json');
  await loadOrCreateDevKeys(devKeysPath);
  await loadOrCreateDevKeys(identityKeysPath);
  const ruleVersion = loadPolicy().version;
  const auditFile = path.join(dataDir, 'audit-bench.sqlite');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${auditFile}${suffix}`, { force: true });

  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    WARD_AS_OF_DATE: process.env['WARD_AS_OF_DATE'] ?? REFERENCE_DATE,
    LOG_LEVEL,
    AUTH_DEV_KEYS_PATH: devKeysPath,
    GATEWAY_IDENTITY_DEV_KEYS_PATH: identityKeysPath,
    AUDIT_DB_FILE: auditFile,
    STATISTICS_CACHE_SECONDS: String(STATISTICS_CACHE_SECONDS),
  };
  const subgraphUrls: Record<string, string> = {};
  const urlEnv: Record<string, string> = {};
  const subgraphByOrigin: Record<string, string> = {};
  SUBGRAPH_ENDPOINTS.forEach((endpoint, index) => {
    const port = BASE_PORT + 1 + index;
    subgraphUrls[endpoint.name] = localSubgraphUrl(port);
    urlEnv[endpoint.urlEnv] = localSubgraphUrl(port);
    subgraphByOrigin[`http://127.0.0.1:${port}`] = endpoint.name;
  });

  say('starting the five subgraphs …');
  const subgraphs = SUBGRAPH_ENDPOINTS.map((endpoint, index) => ({
    endpoint,
    port: BASE_PORT + 1 + index,
    child: spawnTs(endpoint.name, `subgraphs/${endpoint.name}/main.ts`, { ...baseEnv, [endpoint.portEnv]: String(BASE_PORT + 1 + index) }, VERBOSE),
  }));
  await Promise.all(subgraphs.map(({ child, port }) => waitFor(child, `http://127.0.0.1:${port}${HEALTH_PATH}`)));

  const ports = { 'rules+audit': BASE_PORT + 10, 'no-rules': BASE_PORT + 11, hive: BASE_PORT + 12, workers: BASE_PORT + 13, 'hive-router': BASE_PORT + 14, redis: BASE_PORT + 20 };
  // More than one worker needs the limits in Redis (gateway/config.ts); the one-worker gateway
  // then counts there too, so the two differ only in their number of workers.
  const limitsRedisUrl = WORKERS > 1 ? await limitsRedis(values['limits-redis'], ports.redis) : undefined;
  const limitsEnv = (prefix: string): NodeJS.ProcessEnv => (limitsRedisUrl ? { GATEWAY_LIMITS_REDIS_URL: limitsRedisUrl, GATEWAY_LIMITS_REDIS_PREFIX: `bench:${process.pid}:${prefix}` } : {});
  say('starting our gateway twice (as deployed; without field rules and audit) and Hive Gateway …');
  // The deployed gateway answers SIGUSR2 with its heap after a full GC (heap-probe.cjs), for the soak.
  const heapProbeFile = path.join(benchRoot, `heap-probe-${process.pid}.jsonl`);
  fs.rmSync(heapProbeFile, { force: true });
  const deployed = spawnTs(
    'gateway',
    'gateway/main.ts',
    { ...baseEnv, ...urlEnv, ...limitsEnv('one'), GATEWAY_PORT: String(ports['rules+audit']), HEAP_PROBE_FILE: heapProbeFile },
    VERBOSE,
    ['--expose-gc', '-r', path.join(PROJECT_ROOT, 'scripts', 'bench', 'heap-probe.cjs'), ...cpuProfileArgs('gateway-rules-audit')],
  );
  const baseline = spawnTs('gateway-baseline', 'scripts/bench/gateway-baseline.ts', { ...baseEnv, ...urlEnv, GATEWAY_PORT: String(ports['no-rules']) }, VERBOSE, cpuProfileArgs('gateway-no-rules'));
  const supergraphSdl = fs.readFileSync(path.join(PROJECT_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const hiveSupergraph = writeHiveSupergraph(benchRoot, supergraphSdl, subgraphUrls);
  const subgraphKeysPath = subgraphDevKeysPath(identityKeysPath);
  loadOrCreateSubgraphDevKeys(subgraphKeysPath);
  const hiveConfig = writeHiveConfig({ dir: benchRoot, devKeysPath, identityKeysPath, subgraphKeysPath, subgraphByOrigin, ruleVersion });
  const hiveBin = path.join(PROJECT_ROOT, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
  const hive = spawnChild(
    'hive',
    process.execPath,
    [hiveBin, 'supergraph', hiveSupergraph, '--port', String(ports.hive), '--host', '127.0.0.1', '-c', hiveConfig, '--polling', '1h'],
    { ...baseEnv, NODE_ENV: 'production' },
    VERBOSE,
  );
  // Its own trail file: the contenders run in turn, but each chain is then one contender's.
  const workersAuditFile = path.join(dataDir, 'audit-bench-workers.sqlite');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${workersAuditFile}${suffix}`, { force: true });
  const clustered =
    WORKERS > 1
      ? spawnTs('gateway-workers', 'gateway/main.ts', { ...baseEnv, ...urlEnv, ...limitsEnv('workers'), GATEWAY_WORKERS: String(WORKERS), GATEWAY_PORT: String(ports.workers), AUDIT_DB_FILE: workersAuditFile }, VERBOSE)
      : undefined;
  const hiveRouter = HIVE_ROUTER
    ? spawnChild(
        'hive-router',
        process.execPath,
        [hiveBin, 'supergraph', hiveSupergraph, '--port', String(ports['hive-router']), '--host', '127.0.0.1', '-c', writeHiveConfig({ dir: benchRoot, devKeysPath, identityKeysPath, subgraphKeysPath, subgraphByOrigin, ruleVersion, routerRuntime: true }), '--polling', '1h'],
        { ...baseEnv, NODE_ENV: 'production' },
        VERBOSE,
      )
    : undefined;
  await Promise.all([
    waitFor(deployed, `http://127.0.0.1:${ports['rules+audit']}${HEALTH_PATH}`),
    waitFor(baseline, `http://127.0.0.1:${ports['no-rules']}${HEALTH_PATH}`),
    ...(clustered ? [waitFor(clustered, `http://127.0.0.1:${ports.workers}${HEALTH_PATH}`)] : []),
  ]);
  const contenders: Contender[] = [
    { id: 'direct' },
    { id: 'no-rules', url: `http://127.0.0.1:${ports['no-rules']}${GRAPHQL_PATH}`, child: baseline },
    { id: 'rules+audit', url: `http://127.0.0.1:${ports['rules+audit']}${GRAPHQL_PATH}`, child: deployed },
    ...(clustered ? [{ id: 'workers' as const, url: `http://127.0.0.1:${ports.workers}${GRAPHQL_PATH}`, child: clustered }] : []),
    { id: 'hive', url: `http://127.0.0.1:${ports.hive}${GRAPHQL_PATH}`, child: hive },
    ...(hiveRouter ? [{ id: 'hive-router' as const, url: `http://127.0.0.1:${ports['hive-router']}${GRAPHQL_PATH}`, child: hiveRouter }] : []),
  ];
  const contenderOf = (id: ContenderId): Contender => contenders.find((contender) => contender.id === id) as Contender;
  const hiveContender = contenderOf('hive');
  try {
    await waitFor(hive, `http://127.0.0.1:${ports.hive}/healthcheck`, 60_000);
  } catch (error) {
    hiveContender.unavailable = error instanceof Error ? error.message : String(error);
    say(`Hive Gateway could not run here:\n${hiveContender.unavailable}`);
  }
  if (hiveRouter) {
    const routerContender = contenderOf('hive-router');
    try {
      await waitFor(hiveRouter, `http://127.0.0.1:${ports['hive-router']}/healthcheck`, 60_000);
    } catch (error) {
      routerContender.unavailable = error instanceof Error ? error.message : String(error);
      say(`Hive Gateway with the router runtime could not run here:\n${routerContender.unavailable}`);
    }
  }

  const rss: Record<string, Record<string, number | undefined>> = {};
  const measureRss = (moment: string) => {
    for (const contender of contenders) if (contender.child) (rss[contender.id] ??= {})[moment] = rssMiB(contender.child.process.pid);
  };
  measureRss('started');

  say(`minting ${TOKENS} distinct access tokens per persona …`);
  const accessPools = new Map<string, HeaderPool>();
  for (const persona of new Set([...WORKLOADS.filter((w) => SELECTED.has(w.id) || (w.id === 'a' && SELECTED.has('e'))).map((w) => w.persona)])) {
    accessPools.set(persona, await accessTokenPool(devKeysPath, persona, TOKENS));
  }

  const targetOf = async (workload: Workload, contender: Contender): Promise<Target | undefined> => {
    if (contender.unavailable) return undefined;
    if (contender.id === 'direct') {
      if (!workload.direct) return undefined;
      const body = requestBody(workload.direct.query, workload.direct.variables);
      const pool = await identityPool(identityKeysPath, workload.direct.subgraph, workload.persona, ruleVersion, Math.min(TOKENS, 5000), body);
      return { url: subgraphUrls[workload.direct.subgraph] as string, query: workload.direct.query, ...(workload.direct.variables ? { variables: workload.direct.variables } : {}), pool };
    }
    return { url: contender.url as string, query: workload.query, ...(workload.variables ? { variables: workload.variables } : {}), pool: accessPools.get(workload.persona) as HeaderPool };
  };

  /** CPU ms per request during one run: the contender's processes, the five subgraphs, the load generator (this process), and how busy the machine was (0–1 of all its cores). */
  interface CpuShare {
    gateway: number;
    /** Of `gateway`: its request thread(s) (the main thread of each of its processes). */
    gatewayMain: number;
    subgraphs: number;
    /** Of `subgraphs`: each subgraph's own (by name). */
    bySubgraph: Record<string, number>;
    loadGenerator: number;
    machineBusy: number;
  }
  interface Cell {
    runs: RunResult[];
    cpu: CpuShare[];
    precheckError?: string;
  }
  const subgraphPids = subgraphs.map(({ child }) => child.process.pid);
  /** Runs `load` and says where the machine's CPU went meanwhile, per request. */
  const measuredCpu = async (contender: Contender, load: () => Promise<RunResult>): Promise<{ result: RunResult; cpu: CpuShare }> => {
    const gatewayPids = [contender.child?.process.pid];
    const eachSubgraph = (): Record<string, number> => Object.fromEntries(subgraphs.map(({ endpoint, child }) => [endpoint.name, cpuTimeMs([child.process.pid])]));
    const before = { gateway: cpuTimeMs(gatewayPids), gatewayMain: mainThreadCpuTimeMs(gatewayPids), subgraphs: cpuTimeMs(subgraphPids), bySubgraph: eachSubgraph(), loadGenerator: process.cpuUsage(), machine: machineCpuMs() };
    const result = await load();
    const own = process.cpuUsage(before.loadGenerator);
    const machine = machineCpuMs();
    const perRequest = (ms: number) => (result.requests > 0 ? ms / result.requests : 0);
    return {
      result,
      cpu: {
        gateway: perRequest(cpuTimeMs(gatewayPids) - before.gateway),
        gatewayMain: perRequest(mainThreadCpuTimeMs(gatewayPids) - before.gatewayMain),
        subgraphs: perRequest(cpuTimeMs(subgraphPids) - before.subgraphs),
        bySubgraph: Object.fromEntries(Object.entries(eachSubgraph()).map(([name, ms]) => [name, perRequest(ms - (before.bySubgraph[name] ?? 0))])),
        loadGenerator: perRequest((own.user + own.system) / 1000),
        machineBusy: machine.total > before.machine.total ? (machine.busy - before.machine.busy) / (machine.total - before.machine.total) : 0,
      },
    };
  };
  const results: Record<string, Partial<Record<ContenderId, Cell>>> = {};

  for (const workload of WORKLOADS.filter((w) => SELECTED.has(w.id))) {
    say(`${workload.title}`);
    const targets: { contender: Contender; target: Target }[] = [];
    for (const contender of contenders) {
      const target = await targetOf(workload, contender);
      if (!target) continue;
      const problem = await precheck(target);
      const cell: Cell = { runs: [], cpu: [] };
      if (problem !== undefined) {
        cell.precheckError = problem;
        say(`  ${CONTENDER_TITLES[contender.id]}: check request failed: ${problem}`);
      }
      (results[workload.id] ??= {})[contender.id] = cell;
      targets.push({ contender, target });
      // Warm-up: plans, caches, JIT.
      await runLoad(target, 2, Math.min(4, CONNECTIONS));
    }
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const { contender, target } of targets) {
        if (contender.id === 'direct') await target.pool.refresh();
        const { result, cpu } = await measuredCpu(contender, () => runLoad(target, DURATION, CONNECTIONS));
        results[workload.id]![contender.id]!.runs.push(result);
        results[workload.id]![contender.id]!.cpu.push(cpu);
        say(`  round ${round} ${CONTENDER_TITLES[contender.id].padEnd(22)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms${result.non2xx + result.errors + result.timeouts > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)` : ''}`);
      }
    }
  }
  measureRss('after rounds');

  let insider: { alone: RunResult; withInsider: RunResult; insider: LoadResult; abusive: string[] } | undefined;
  if (SELECTED.has('e')) {
    const clerks = (await targetOf(WORKLOADS[0] as Workload, contenderOf('rules+audit'))) as Target;
    // The insider is one user per persona (their limits apply to them as to anyone).
    const tokens = new Map<string, string>();
    const abuse = ABUSIVE_REQUESTS.filter((_, index) => (values.abuse as string).split(',').map((n) => Number(n.trim())).includes(index + 1));
    for (const request of abuse) tokens.set(request.persona, (await accessTokenPool(devKeysPath, request.persona, 1, true)).next().replace(/^Bearer /, ''));
    say(`(e) one insider against the counter: ${CONNECTIONS} clerks of (a) alone …`);
    await runLoad(clerks, 2, CONNECTIONS); // warm-up
    const alone = await runLoad(clerks, DURATION, CONNECTIONS);
    say(`  alone          ${alone.rps.toFixed(0).padStart(6)} req/s  p99 ${alone.p99} ms`);
    const [withInsider, result] = await Promise.all([runLoad(clerks, DURATION, CONNECTIONS), runInsider(clerks.url, abuse, tokens, DURATION, 30)]);
    say(`  with insider   ${withInsider.rps.toFixed(0).padStart(6)} req/s  p99 ${withInsider.p99} ms; insider: ${result.requests} requests, statuses ${JSON.stringify(result.statuses)}, ${result.timeouts} timeouts`);
    insider = { alone, withInsider, insider: result, abusive: abuse.map((request) => request.title) };
  }

  let soak: { seconds: number; rssBefore?: number; rssAfter?: number; heapBefore?: HeapProbe; heapAfter?: HeapProbe; heapSeries: HeapProbe[]; result?: RunResult } | undefined;
  const soakWorkload = WORKLOADS[0] as Workload;
  if (SOAK > 0) {
    const contender = contenderOf('rules+audit');
    const target = (await targetOf(soakWorkload, contender)) as Target;
    const before = rssMiB(deployed.process.pid);
    const heapBefore = await probeHeap(deployed, heapProbeFile);
    say(`soak: ${SOAK} s of workload (a) against ours (rules + audit); RSS before ${before} MiB, heap after GC ${heapBefore?.heapUsed ?? '?'} MiB …`);
    // The heap after a full GC ten times along the soak: a warm-up (caches filling) levels off, a
    // leak keeps climbing; two points cannot tell them apart.
    const heapSeries: HeapProbe[] = heapBefore ? [heapBefore] : [];
    const prober = setInterval(() => void probeHeap(deployed, heapProbeFile).then((probe) => probe && heapSeries.push(probe)), (SOAK * 1000) / 10);
    const result = await runLoad(target, SOAK, CONNECTIONS).finally(() => clearInterval(prober));
    const after = rssMiB(deployed.process.pid);
    const heapAfter = await probeHeap(deployed, heapProbeFile);
    if (heapAfter) heapSeries.push(heapAfter);
    soak = {
      seconds: SOAK,
      ...(before !== undefined ? { rssBefore: before } : {}),
      ...(after !== undefined ? { rssAfter: after } : {}),
      ...(heapBefore ? { heapBefore } : {}),
      ...(heapAfter ? { heapAfter } : {}),
      heapSeries,
      result,
    };
  }
  measureRss('end');

  // ---- report
  const medians: Record<string, Partial<Record<ContenderId, { rps: number; p50: number; p99: number; failures: number; requests: number }>>> = {};
  for (const [workloadId, byContender] of Object.entries(results)) {
    for (const [contenderId, cell] of Object.entries(byContender) as [ContenderId, Cell][]) {
      if (cell.runs.length === 0) continue;
      (medians[workloadId] ??= {})[contenderId] = {
        rps: median(cell.runs.map((r) => r.rps)),
        p50: median(cell.runs.map((r) => r.p50)),
        p99: median(cell.runs.map((r) => r.p99)),
        failures: cell.runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
        requests: cell.runs.reduce((n, r) => n + r.requests, 0),
      };
    }
  }
  const lines: string[] = [];
  lines.push(`Residents: ${RESIDENTS}; ${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections, median of rounds; ${TOKENS} distinct tokens per persona; statistics cache ${STATISTICS_CACHE_SECONDS} s; Node ${process.version}.`, '');
  lines.push('| workload | contender | req/s | p50 ms | p99 ms | notes |', '|---|---|---:|---:|---:|---|');
  for (const workload of WORKLOADS.filter((w) => SELECTED.has(w.id))) {
    for (const contender of contenders) {
      const cell = results[workload.id]?.[contender.id];
      const m = medians[workload.id]?.[contender.id];
      if (contender.id === 'direct' && !workload.direct) continue;
      if (!cell || !m) {
        lines.push(`| ${workload.title} | ${CONTENDER_TITLES[contender.id]} | – | – | – | not run${contender.unavailable ? ': could not start' : ''} |`);
        continue;
      }
      const notes = [
        contender.id === 'direct' ? workload.direct?.note : undefined,
        cell.precheckError ? `check: ${cell.precheckError.slice(0, 80).replace(/\|/g, '/')}` : undefined,
        m.failures > 0 ? `${m.failures} failed of ${m.requests}` : undefined,
        m.requests > TOKENS && contender.id !== 'direct' ? `tokens reused ×${(m.requests / TOKENS / ROUNDS).toFixed(1)}/run` : undefined,
      ].filter(Boolean);
      lines.push(`| ${workload.title} | ${CONTENDER_TITLES[contender.id]} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} | ${notes.join('; ')} |`);
    }
  }
  lines.push(
    '',
    `| workload | rules+audit ÷ no rules (req/s) | ours (rules+audit) ÷ Hive | ours (no rules) ÷ Hive |${clustered ? ` ${WORKERS} workers ÷ 1 (rules+audit) | ${WORKERS} workers ÷ Hive |` : ''}${hiveRouter ? ` Hive router ÷ Hive | ours ÷ Hive router | ${WORKERS} workers ÷ Hive router |` : ''}`,
    `|---|---:|---:|---:|${clustered ? '---:|---:|' : ''}${hiveRouter ? '---:|---:|---:|' : ''}`,
  );
  const ratios: Record<string, Record<string, number | null>> = {};
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : null);
  const fmt = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}×`);
  for (const workload of WORKLOADS.filter((w) => SELECTED.has(w.id))) {
    const m = medians[workload.id] ?? {};
    const r = {
      rulesAuditOverNoRules: ratio(m['rules+audit']?.rps, m['no-rules']?.rps),
      oursOverHive: ratio(m['rules+audit']?.rps, m.hive?.rps),
      oursNoRulesOverHive: ratio(m['no-rules']?.rps, m.hive?.rps),
      workersOverOne: ratio(m.workers?.rps, m['rules+audit']?.rps),
      workersOverHive: ratio(m.workers?.rps, m.hive?.rps),
      oursOverHiveRouter: ratio(m['rules+audit']?.rps, m['hive-router']?.rps),
      workersOverHiveRouter: ratio(m.workers?.rps, m['hive-router']?.rps),
      hiveRouterOverHive: ratio(m['hive-router']?.rps, m.hive?.rps),
    };
    ratios[workload.id] = r;
    lines.push(
      `| ${workload.title} | ${fmt(r.rulesAuditOverNoRules)} | ${fmt(r.oursOverHive)} | ${fmt(r.oursNoRulesOverHive)} |${clustered ? ` ${fmt(r.workersOverOne)} | ${fmt(r.workersOverHive)} |` : ''}${hiveRouter ? ` ${fmt(r.hiveRouterOverHive)} | ${fmt(r.oursOverHiveRouter)} | ${clustered ? fmt(r.workersOverHiveRouter) : '–'} |` : ''}`,
    );
  }
  // Where the CPU goes: on a machine whose cores run the load generator, the subgraphs and the
  // gateway together, throughput follows the CPU every request costs all of them.
  lines.push(
    '',
    'CPU per request (ms, user + system, median of rounds; the gateway with all its threads and workers, and of that its request thread — the main thread of each of its processes, where a gateway saturates first):',
    '',
    '| workload | contender | gateway | of it, request thread | subgraphs | of it, by subgraph | load generator | all three | machine busy |',
    '|---|---|---:|---:|---:|---|---:|---:|---:|',
  );
  const subgraphNames = SUBGRAPH_ENDPOINTS.map((endpoint) => endpoint.name);
  for (const workload of WORKLOADS.filter((w) => SELECTED.has(w.id))) {
    for (const contender of contenders) {
      const cpu = results[workload.id]?.[contender.id]?.cpu;
      if (!cpu?.length) continue;
      const of = (pick: (share: CpuShare) => number) => median(cpu.map(pick));
      const ms = (x: number) => x.toFixed(2);
      lines.push(
        `| ${workload.title} | ${CONTENDER_TITLES[contender.id]} | ${ms(of((c) => c.gateway))} | ${ms(of((c) => c.gatewayMain))} | ${ms(of((c) => c.subgraphs))} | ${subgraphNames.map((name) => `${name} ${ms(of((c) => c.bySubgraph[name] ?? 0))}`).join(', ')} | ${ms(of((c) => c.loadGenerator))} | ${ms(of((c) => c.gateway + c.subgraphs + c.loadGenerator))} | ${(of((c) => c.machineBusy) * 100).toFixed(0)}% |`,
      );
    }
  }
  lines.push('', '| process | RSS started (MiB) | after rounds | end |', '|---|---:|---:|---:|');
  for (const contender of contenders) {
    const r = rss[contender.id];
    if (r) lines.push(`| ${CONTENDER_TITLES[contender.id]} | ${r['started'] ?? '–'} | ${r['after rounds'] ?? '–'} | ${r['end'] ?? '–'} |`);
  }
  if (soak) {
    lines.push(
      '',
      `Soak: ${soak.seconds} s of (a) against ours (rules + audit): ${soak.result?.rps.toFixed(0)} req/s, p99 ${soak.result?.p99} ms; gateway RSS ${soak.rssBefore} MiB before → ${soak.rssAfter} MiB after; ` +
        `JS heap in use after a full GC ${soak.heapBefore?.heapUsed ?? '?'} MiB before → ${soak.heapAfter?.heapUsed ?? '?'} MiB after (RSS after that GC: ${soak.heapAfter?.rss ?? '?'} MiB).`,
      `Heap after a full GC along the soak (MiB): ${soak.heapSeries.map((probe) => probe.heapUsed).join(' → ')}; second half ${secondHalfSpread(soak.heapSeries)}.`,
    );
  }
  if (insider) {
    const { alone, withInsider, insider: abuse } = insider;
    lines.push(
      '',
      `(e) one insider against the counter: ${CONNECTIONS} connections of (a) against ours (rules + audit), ${DURATION} s each; the insider loops through these abusive requests of issue 9 on 1 connection: ${insider.abusive.join('; ')}.`,
      '',
      '| clerks (a) | req/s | p99 ms | failed |',
      '|---|---:|---:|---:|',
      `| alone | ${alone.rps.toFixed(0)} | ${alone.p99} | ${alone.non2xx + alone.errors + alone.timeouts} |`,
      `| with the insider | ${withInsider.rps.toFixed(0)} | ${withInsider.p99} | ${withInsider.non2xx + withInsider.errors + withInsider.timeouts} |`,
      `| with ÷ alone | ${fmt(ratio(withInsider.rps, alone.rps))} (target ≥ 0.80×) | ${fmt(ratio(withInsider.p99, alone.p99))} (target ≤ 2×) | |`,
      '',
      `Insider: ${abuse.requests} requests, by HTTP status ${Object.entries(abuse.statuses).map(([status, count]) => `${status}: ${count}`).join(', ') || '–'}; ${abuse.timeouts} timed out (30 s).`,
    );
  }
  if (hiveContender.unavailable) lines.push('', `Hive Gateway did not run: ${hiveContender.unavailable.split('\n').slice(0, 5).join(' / ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const resultsDir = path.join(PROJECT_ROOT, 'bench-results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        settings: { workers: WORKERS, limitsRedis: limitsRedisUrl !== undefined, residents: RESIDENTS, duration: DURATION, rounds: ROUNDS, connections: CONNECTIONS, soak: SOAK, tokens: TOKENS, logLevel: LOG_LEVEL, statisticsCacheSeconds: STATISTICS_CACHE_SECONDS },
        workloads: WORKLOADS.filter((w) => SELECTED.has(w.id)).map((w) => ({ id: w.id, title: w.title, persona: w.persona, query: w.query, variables: w.variables, direct: w.direct })),
        contenders: contenders.map((c) => ({ id: c.id, title: CONTENDER_TITLES[c.id], url: c.url, unavailable: c.unavailable })),
        results,
        medians,
        ratios,
        rss,
        soak,
        insider,
      },
      null,
      2,
    )}\n`,
  );
  say(`results written to ${path.relative(PROJECT_ROOT, file)}`);
  fs.rmSync(heapProbeFile, { force: true });
}

/** The Redis for the limits with --workers: the one given, or a private redis-server (no persistence) the bench starts and stops. */
async function limitsRedis(given: string | undefined, port: number): Promise<string> {
  if (given !== undefined) return given;
  const url = `redis://127.0.0.1:${port}`;
  const child = spawnChild('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { ...process.env }, VERBOSE);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    if (child.process.exitCode !== null) break;
    const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined); // not up yet: connect() rejects, and we try again
    try {
      await redis.connect();
      await redis.ping();
      return url;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      redis.disconnect();
    }
  }
  throw new Error(`redis-server did not start on port ${port}:\n  ${child.tail.slice(-10).join('\n  ')}`);
}

interface HeapProbe {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** How far the heap moved over the second half of the soak: flat there means the first half was warm-up. */
function secondHalfSpread(series: readonly HeapProbe[]): string {
  const half = series.slice(Math.floor(series.length / 2));
  if (half.length < 2) return 'not enough probes';
  const [first, last] = [half[0]!.heapUsed, half[half.length - 1]!.heapUsed];
  const heaps = half.map((probe) => probe.heapUsed);
  return `${first} → ${last} MiB (${(((last - first) / first) * 100).toFixed(1)}%; range ${Math.min(...heaps)}–${Math.max(...heaps)})`;
}

/** The deployed gateway's memory after a full GC (SIGUSR2 → heap-probe.cjs), or undefined. */
async function probeHeap(child: BenchChild, file: string): Promise<HeapProbe | undefined> {
  const linesBefore = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length : 0;
  child.process.kill('SIGUSR2');
  for (let attempt = 0; attempt < 40; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
    if (lines.length > linesBefore) return JSON.parse(lines[lines.length - 1] as string) as HeapProbe;
  }
  return undefined;
}

async function ensureDatasetWithArgs(dataDir: string): Promise<void> {
  const stampFile = path.join(dataDir, 'seed-stamp.json');
  let seeded: number | undefined;
  try {
    seeded = (JSON.parse(fs.readFileSync(stampFile, 'utf8')) as { residents?: number }).residents;
  } catch {
    seeded = undefined;
  }
  if (seeded === RESIDENTS && seedStampIsCurrent(dataDir)) {
    say(`reusing the ${RESIDENTS}-resident dataset in ${path.relative(PROJECT_ROOT, dataDir)}`);
    return;
  }
  say(`seeding ${RESIDENTS} residents into ${path.relative(PROJECT_ROOT, dataDir)} (scripts/seed.ts) …`);
  const started = Date.now();
  const seed = spawnChild('seed', process.execPath, ['--import', 'tsx', 'scripts/seed.ts', '--residents', String(RESIDENTS), '--data-dir', dataDir], { ...process.env }, true);
  const code = await seed.exited;
  if (code !== 0) throw new Error(`seeding failed (exit code ${code})`);
  say(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

let exiting = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (exiting) return;
    exiting = true;
    say(`${signal}: stopping the child processes`);
    void stopAll().then(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => void stopAll());
