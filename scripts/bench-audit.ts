/**
 * What the audit trail costs the gateway: operations per second with and without it, same run.
 *
 *   npx tsx scripts/bench-audit.ts [--duration 8] [--connections 20] [--rounds 2] [--residents 3000]
 *
 * Seeds a throwaway synthetic dataset, starts the four subgraphs and THREE gateways over them:
 * one writing the trail (the real store as the gateway opens it: SQLite in a temp dir, the
 * default configuration, on its worker thread — lib/audit/threaded-store.ts), one without
 * (`audit: false`, the baseline; never in service), and one whose sink stores nothing (the
 * entries are built and person keys fetched: what the trail costs besides the store). autocannon
 * drives the same operations against each, alternated, the order turning each round so drift and
 * position hit all three. Operations: one resident with its individual number, and a page of 20
 * residents (20 persons per entry). Prints requests/s per variant, how busy the main thread was
 * (everything here shares it but the store's worker), the cost in percent against the baseline
 * and against the no-op sink, and how the writer grouped entries (appends vs entries).
 * Not a test: timings depend on the machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { seedAll } from './seeding/seed-all';
import { REFERENCE_DATE } from '../generator/dates';
import { FIXTURE_FIRST_RESIDENT } from '../generator/fixtures';
import { loadConfig } from '../gateway/config';
import { startGateway } from '../gateway/server';
import { composeSupergraph } from './compose';
import { SUBGRAPH_ENDPOINTS } from '../lib/subgraphs';
import { startFederation } from '../test/support/federation';
import { accessTokenPool, type HeaderPool } from './bench/tokens';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    residents: { type: 'string', default: '3000' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const RESIDENTS = Number(values.residents);

process.env.WARD_AS_OF_DATE ??= REFERENCE_DATE;
process.env.LOG_LEVEL ??= 'silent';

const OPERATIONS = {
  'one resident + individual number': `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { individualNumber name { kanji } } }`,
  'page of 20 residents': '{ residents(first: 20) { edges { node { individualNumber name { kanji } address { full } } } } }',
};

/**
 * Requests/s of one run, and how busy the main thread was meanwhile (gateways, subgraphs and
 * autocannon share it). Every request carries the next token of the pool: a counter of many
 * clerks, so the per-user limits (policy/limits.yaml) apply without refusing the load.
 */
async function run(url: string, tokens: HeaderPool, query: string, duration = DURATION, connections = CONNECTIONS): Promise<{ rate: number; busy: number }> {
  const before = performance.eventLoopUtilization();
  const target = new URL(url);
  const result = await autocannon({
    url: target.origin,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
        setupRequest: (request: { headers?: Record<string, string> }) => ({ ...request, headers: { ...(request.headers ?? {}), [tokens.header]: tokens.next() } }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors`);
  return { rate: result.requests.average, busy: performance.eventLoopUtilization(before).utilization };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-bench-audit-'));
  try {
    console.log(`seeding ${RESIDENTS} synthetic residents into ${dataDir} …`);
    await seedAll({ residents: RESIDENTS, dataDir });
    // Gateway WITH the trail (the default: a real SQLite store).
    const federation = await startFederation({ dataDir, auditFile: path.join(dataDir, 'audit.sqlite') });
    // Gateway WITHOUT the trail over the same subgraphs.
    const supergraphPath = path.join(dataDir, 'supergraph.graphql');
    const composed = composeSupergraph();
    if (!composed.ok) throw new Error('composition failed');
    fs.writeFileSync(supergraphPath, composed.supergraphSdl);
    // The federation's user-token keys (beside its identity keys), so one token pool serves all three gateways.
    const keysPath = path.join(path.dirname(federation.identityKeysPath), 'dev-keys.json');
    const env: Record<string, string> = {
      GATEWAY_PORT: '0',
      SUPERGRAPH_PATH: supergraphPath,
      AUTH_DEV_KEYS_PATH: keysPath,
      GATEWAY_IDENTITY_DEV_KEYS_PATH: federation.identityKeysPath,
      LOG_LEVEL: 'silent',
    };
    for (const endpoint of SUBGRAPH_ENDPOINTS) {
      const subgraph = (federation.subgraphs as Partial<Record<string, { url: string }>>)[endpoint.name];
      if (subgraph) env[endpoint.urlEnv] = subgraph.url;
    }
    const baseline = await startGateway({ config: loadConfig(env), audit: false });
    // The same gateway code with a sink that stores nothing: what the trail costs besides the database.
    const noStore = await startGateway({ config: loadConfig(env), audit: { append: async () => undefined } });
    const tokens = await accessTokenPool(keysPath, 'registry-clerk', 20_000);

    try {
      console.log(`${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} rounds alternated\n`);
      for (const [name, query] of Object.entries(OPERATIONS)) {
        // Warm-up (plans, decision cache, SQLite page cache).
        for (const url of [baseline.url, federation.gatewayUrl, noStore.url]) await run(url, tokens, query, 1, 4);
        const variants = [
          { label: 'without audit:', url: baseline.url, runs: [] as { rate: number; busy: number }[], note: '' },
          { label: 'with audit:   ', url: federation.gatewayUrl, runs: [] as { rate: number; busy: number }[], note: '' },
          { label: 'no-op sink:   ', url: noStore.url, runs: [] as { rate: number; busy: number }[], note: '; entries built, person keys fetched, nothing stored' },
        ];
        for (let round = 0; round < ROUNDS; round += 1) {
          // The order turns each round, so whichever runs first (or last) in a round is not always the same variant.
          for (let i = 0; i < variants.length; i += 1) {
            const variant = variants[(round + i) % variants.length];
            variant.runs.push(await run(variant.url, tokens, query));
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const rateOf = (variant: (typeof variants)[number]) => mean(variant.runs.map((r) => r.rate));
        console.log(`${name}`);
        for (const variant of variants) {
          const busy = mean(variant.runs.map((r) => r.busy)) * 100;
          console.log(`  ${variant.label} ${rateOf(variant).toFixed(0)} ops/s   (runs ${variant.runs.map((r) => r.rate.toFixed(0)).join(', ')}; main thread ${busy.toFixed(0)} % busy${variant.note})`);
        }
        const [a, b, c] = variants.map(rateOf);
        console.log(`  cost:          ${(((a - b) / a) * 100).toFixed(1)} %`);
        // The store's own cost: the no-op sink builds the same entries and fetches the same person keys.
        console.log(`  store's cost:  ${(((c - b) / c) * 100).toFixed(1)} % (with audit vs no-op sink)\n`);
      }
      const stats = federation.gateway.auditWriter!.stats();
      console.log(`audit writer: ${stats.written} entries in ${stats.appends} appends (largest batch ${stats.largestBatch}), ${stats.failed} failed`);
    } finally {
      await baseline.stop();
      await noStore.stop();
      await federation.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
