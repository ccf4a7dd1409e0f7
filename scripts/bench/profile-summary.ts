/**
 * npx tsx scripts/bench/profile-summary.ts FILE.cpuprofile [--top 25] [--window S] [--requests N]
 *
 * `--window S`: only the busiest S seconds of the profile (the gateway's own measured run, not its
 * start-up nor the other contenders' runs); `--requests N`: the requests it served in them (the
 * bench's req/s × S), to print CPU µs per request by area — the figures to compare two gateways by.
 *
 * Where a gateway's CPU time went, from a V8 CPU profile (`npm run bench -- --cpu-prof DIR`):
 * self time by function and by area (our authorization, our audit, Apollo's planner/executor,
 * graphql-js, HTTP, garbage collection, idle). Reading the profile in Chrome DevTools shows the
 * same; this prints the figures a closing note quotes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First matching area wins: our own code first, then the libraries it runs on. */
const AREAS: readonly [string, RegExp][] = [
  ['(idle)', /^\(idle\)$/],
  ['(garbage collector)', /^\(garbage collector\)$/],
  ['ours: gateway/authorization', /\/gateway\/authorization\//],
  ['ours: gateway/audit + lib/audit', /\/gateway\/audit\/|\/lib\/audit\//],
  ['ours: gateway/auth (JWT, profile)', /\/gateway\/auth\/|\/lib\/authorization\//],
  ['ours: other gateway code', /\/gateway\//],
  ['better-sqlite3 / knex', /better-sqlite3|\/knex\//],
  ['@apollo/query-planner', /@apollo\/query-planner/],
  ['@apollo/gateway (executor, fetch)', /@apollo\/gateway|@apollo\/federation-internals/],
  ['@apollo/server', /@apollo\/server|@apollo\/utils/],
  ['graphql-js', /node_modules\/graphql\//],
  ['jose (JWT)', /node_modules\/jose\//],
  ['undici / fetch', /undici|node-fetch|make-fetch-happen/],
  ['express / http', /node_modules\/(express|router|body-parser|raw-body|finalhandler|send|on-finished)\/|node:_http|node:http|node:net/],
  ['pino', /node_modules\/pino/],
  ['node internals', /^node:|^$/],
];

function areaOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  const ours = !url.includes('/node_modules/');
  for (const [area, pattern] of AREAS) {
    if (area.startsWith('ours:') && !ours) continue;
    if (pattern.test(area.startsWith('(') ? functionName : url)) return area;
  }
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? `other: ${match[1]}` : 'other';
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, window: { type: 'string' }, requests: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write('usage: profile-summary FILE.cpuprofile [--top 25]\n');
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
  const [from, to] = values.window === undefined ? [-Infinity, Infinity] : busiestWindow(profile, isIdle, Number(values.window) * 1e6);
  const selfMicros = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (at >= from && at < to) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  const idle = [...selfMicros].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, value]) => sum + value, 0);
  const busy = total - idle;

  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    byArea.set(areaOf(node), (byArea.get(areaOf(node)) ?? 0) + micros);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${path.relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const requests = values.requests === undefined ? undefined : Number(values.requests);
  const percent = (micros: number) => `${((micros / busy) * 100).toFixed(1)}%${requests ? ` (${(micros / requests).toFixed(0)} µs/request)` : ''}`;
  const seconds = (micros: number) => `${(micros / 1e6).toFixed(2)} s`;
  process.stdout.write(`${path.basename(file)}: ${seconds(total)} sampled, ${seconds(busy)} busy (${((busy / total) * 100).toFixed(0)}%)\n\n`);
  process.stdout.write('| area | self time | of busy |\n|---|---:|---:|\n');
  for (const [area, micros] of [...byArea].filter(([area]) => area !== '(idle)').sort((a, b) => b[1] - a[1])) {
    process.stdout.write(`| ${area} | ${seconds(micros)} | ${percent(micros)} |\n`);
  }
  process.stdout.write(`\nTop ${values.top} functions by self time:\n`);
  for (const [name, micros] of [...byFunction].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    process.stdout.write(`  ${percent(micros).padStart(6)}  ${name}\n`);
  }
}

/** [from, to) in µs since the profile's start: the `span` in which the profile was busiest. */
function busiestWindow(profile: CpuProfile, isIdle: (id: number) => boolean, span: number): [number, number] {
  const busyAt: { at: number; micros: number }[] = [];
  let at = 0;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (!isIdle(id)) busyAt.push({ at, micros: profile.timeDeltas[index] ?? 0 });
  });
  let best: [number, number] = [0, span];
  let bestBusy = -1;
  let start = 0;
  let inWindow = 0;
  for (const sample of busyAt) {
    inWindow += sample.micros;
    while (busyAt[start]!.at < sample.at - span) inWindow -= busyAt[start++]!.micros;
    if (inWindow > bestBusy) {
      bestBusy = inWindow;
      best = [sample.at - span, sample.at + 1];
    }
  }
  return best;
}

main();
