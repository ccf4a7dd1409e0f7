/**
 * Which subgraph schema the supergraph was composed from. `npm run compose` writes, in the
 * supergraph file's header, the sha256 of each subgraph's SDL exactly as that subgraph serves it
 * (`_service { sdl }`); the gateway's readiness check (gateway/observability/readiness.ts) asks
 * each subgraph for its SDL and compares. A subgraph deployed with another schema than the one
 * composed is reported, by name, before it answers a request with fields the planner does not
 * expect.
 */
import { createHash } from 'node:crypto';

/** A header line: `# subgraph-sdl-sha256 <name> <64 hex digits>`. */
const LINE_PREFIX = '# subgraph-sdl-sha256 ';
const LINE = /^# subgraph-sdl-sha256 ([A-Za-z0-9_-]+) ([0-9a-f]{64})$/;

export function subgraphSdlHash(sdl: string): string {
  return createHash('sha256').update(sdl, 'utf8').digest('hex');
}

/** The header lines for these subgraphs (name → hash), in the order given. */
export function subgraphSdlHashLines(hashes: ReadonlyMap<string, string>): string {
  return [...hashes].map(([name, hash]) => `${LINE_PREFIX}${name} ${hash}\n`).join('');
}

/** name → hash, from the comment lines at the top of a supergraph file (empty when it has none). */
export function subgraphSdlHashesOf(supergraphText: string): ReadonlyMap<string, string> {
  const hashes = new Map<string, string>();
  for (const line of supergraphText.split('\n')) {
    if (!line.startsWith('#')) break;
    const match = LINE.exec(line.trimEnd());
    if (match) hashes.set(match[1], match[2]);
  }
  return hashes;
}
