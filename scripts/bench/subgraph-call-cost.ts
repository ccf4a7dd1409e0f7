/**
 * npx tsx scripts/bench/subgraph-call-cost.ts [--calls 20000] [--concurrency 10]
 *
 * What one gateway → subgraph call costs the gateway's request thread, by the client it goes
 * through: undici's `fetch` with `AbortSignal.timeout` (as the gateway called its subgraphs until
 * issue 14's sixth round) and `callSubgraph` (gateway/subgraph-transport.ts: undici's request
 * API, one AbortController and timer per call). Same connection pool (an undici Agent with
 * keep-alive), same headers and body (the size of a signed identity and of (c)'s query), the
 * answer read as JSON. The subgraph is a plain HTTP server in a child process on loopback, so the
 * CPU measured here (process.cpuUsage: user + system) is the client's alone. Alternating rounds;
 * the last round of each is printed. Synthetic answer, no person data. Not a test.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { callSubgraph } from '../../gateway/subgraph-transport';
import { closedLoop } from './closed-loop';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '10' } } });
const CALLS = Number(values.calls);
const CONCURRENCY = Number(values.concurrency);
const TIMEOUT_MS = 10_000;

// The subgraph: answers every POST with a one-match search result (the shape of (c)'s answer).
const SERVER = `
const http = require('node:http');
const answer = Buffer.from(JSON.stringify({ data: { searchIdentity: { matches: [{ residentCode: '00000000000', name: '合成 太郎', nameKana: 'ゴウセイ タロウ', birthDate: { iso: '1980-01-01' }, sex: 'MALE', address: '合成県合成市1-1' }], truncated: false } } }));
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }); res.end(answer); }); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const url = `http://127.0.0.1:${chunk.toString().trim()}/graphql`;
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': 'bench', 'x-purpose': 'resident-registry', 'x-gateway-identity': 'x'.repeat(600) };
  const body = Buffer.from(JSON.stringify({ query: 'query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: 20) { matches { residentCode name nameKana birthDate { iso } sex address } truncated } }', variables: { criteria: { name: '合成 太郎', birthDate: '1980-01-01', sex: 'MALE', address: '合成県合成市1-1' } } }));
  const clients: Record<string, () => Promise<unknown>> = {
    'undici fetch + AbortSignal.timeout': async () => (await undiciFetch(url, { method: 'POST', headers, body, dispatcher: agent, signal: AbortSignal.timeout(TIMEOUT_MS) })).json(),
    'callSubgraph (undici request)': async () => (await callSubgraph(agent, url, { method: 'POST', headers, body, timeoutMs: TIMEOUT_MS })).json(),
  };
  const results = new Map<string, string>();
  try {
    for (let round = 0; round < 3; round++) {
      for (const [name, call] of Object.entries(clients)) {
        for (let i = 0; i < 500; i++) await call();
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        await closedLoop(CONCURRENCY, CALLS, call);
        const used = process.cpuUsage(cpu);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        results.set(name, `| ${name} | ${((used.user + used.system) / CALLS).toFixed(0)} | ${(used.user / CALLS).toFixed(0)} | ${(used.system / CALLS).toFixed(0)} | ${(CALLS / seconds).toFixed(0)} |`);
      }
    }
    process.stdout.write(
      [`Client CPU per subgraph call (${CALLS} calls, ${CONCURRENCY} at once, keep-alive; last of 3 alternating rounds):`, '', '| client | µs CPU / call | user | system | calls/s |', '|---|---:|---:|---:|---:|', ...results.values(), ''].join('\n'),
    );
  } finally {
    await agent.close();
    child.kill();
  }
}

void main();
