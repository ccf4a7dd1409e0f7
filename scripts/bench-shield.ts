/**
 * What the subgraphs' second line (graphql-shield, subgraphs/shared/shield.ts) costs.
 *
 *   npx tsx scripts/bench-shield.ts [--representations 2000] [--runs 15] [--residents 3000]
 *
 * Seeds a throwaway synthetic dataset (deterministic; ~2 s), then executes the `_entities`
 * operation the gateway sends when it joins a page of residents — N representations, the basic
 * fields — against the residents and juki-cs schemas with and without the shield, in-process
 * (graphql `execute`, no HTTP: the shield's cost is in execution, and HTTP would only add the
 * same constant to both). Same database, same fresh DataLoader context per run, runs alternated
 * with and without, after a warm-up. Prints min / median / p90 per variant and the difference.
 * Not a test: timings depend on the machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { seedAll } from './seeding/seed-all';
import { REFERENCE_DATE } from '../generator/dates';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../subgraphs/shared/database';
import { buildSubgraphExecutableSchema, type SubgraphModule } from '../subgraphs/shared/server';
import { residentsSubgraph } from '../subgraphs/residents';
import { jukiCsSubgraph } from '../subgraphs/juki-cs';
import { principalOf, type SubgraphAuth, type VerifiedIdentity } from '../subgraphs/shared/identity';
import { resolveProfile } from '../lib/authorization/profile';
import { loadPolicy } from '../lib/policy/load';
import type { SubgraphName } from '../lib/subgraphs';

const { values } = parseArgs({
  options: {
    representations: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '15' },
    residents: { type: 'string', default: '3000' },
  },
});
const REPRESENTATIONS = Number(values.representations);
const RUNS = Number(values.runs);
const RESIDENTS = Number(values.residents);

process.env.WARD_AS_OF_DATE ??= REFERENCE_DATE;
process.env.LOG_LEVEL ??= 'silent';

interface Case {
  name: SubgraphName;
  module: SubgraphModule<object>;
  document: DocumentNode;
  representation(row: { ATENA_NO: string; JUMINHYO_CD: string }): Record<string, string>;
}

const CASES: Case[] = [
  {
    name: 'residents',
    module: residentsSubgraph as SubgraphModule<object>,
    document: parse(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
      id residentCode name { kanji kana containsGaiji } birthDate { iso wareki precision } sex
      address { full code } status residentType relationshipToHead { label } isHeadOfHousehold } } }`),
    representation: (row) => ({ __typename: 'Resident', id: row.ATENA_NO.trim() }),
  },
  {
    name: 'juki-cs',
    module: jukiCsSubgraph as SubgraphModule<object>,
    document: parse(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
      identityInfo { residentCode name nameKana birthDate { iso wareki } sex address changeReason updatedAt } } } }`),
    representation: (row) => ({ __typename: 'Resident', residentCode: row.JUMINHYO_CD.trim() }),
  },
];

function registryClerk(): SubgraphAuth {
  const rules = loadPolicy();
  const now = new Date();
  const identity: VerifiedIdentity = {
    sub: 'dev:registry-clerk',
    department: 'registry-division',
    roles: ['clerk'],
    purpose: 'resident-registry',
    mfa: true,
    scopes: [],
    ruleVersion: rules.version,
    requestId: 'bench',
    tokenId: 'bench',
    issuedAt: now,
    expiresAt: now,
  };
  const principal = principalOf(identity);
  const result = resolveProfile(rules, principal);
  if (!result.ok) throw new Error(result.refusal.message);
  return { identity, principal, profile: result.profile };
}

const VARIANTS = ['without shield', 'with shield', 'shield, every field wrapped'] as const;
type Variant = (typeof VARIANTS)[number];

function summary(samples: number[]): { min: number; median: number; p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { min: sorted[0], median: at(0.5), p90: at(0.9) };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-bench-shield-'));
  try {
    console.log(`seeding ${RESIDENTS} synthetic residents into ${dataDir} …`);
    await seedAll({ residents: RESIDENTS, dataDir });
    const auth = registryClerk();
    console.log(`node ${process.version}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}); ${REPRESENTATIONS} representations; ${RUNS} runs per variant after 3 warm-up runs\n`);

    for (const c of CASES) {
      const db = openDatabase(c.name, sqliteConfig(defaultSqliteFile(c.name, dataDir)));
      const register = openDatabase('residents', sqliteConfig(defaultSqliteFile('residents', dataDir)));
      try {
        const rows: { ATENA_NO: string; JUMINHYO_CD: string }[] = await register('JUMIN_KIHON').select('ATENA_NO', 'JUMINHYO_CD').orderBy('ATENA_NO').limit(REPRESENTATIONS);
        if (rows.length < REPRESENTATIONS) throw new Error(`only ${rows.length} persons: raise --residents`);
        const variables = { r: rows.map(c.representation) };
        const schemas: Record<Variant, GraphQLSchema> = {
          'without shield': buildSubgraphExecutableSchema(c.module, { shield: false }),
          'with shield': buildSubgraphExecutableSchema(c.module),
          'shield, every field wrapped': buildSubgraphExecutableSchema(c.module, { shield: { wrapIdentityOnlyFields: true } }),
        };
        const run = async (schema: GraphQLSchema): Promise<number> => {
          const contextValue = Object.assign(c.module.createContext(db, auth), { auth });
          const started = process.hrtime.bigint();
          const result = await execute({ schema, document: c.document, variableValues: variables, contextValue });
          const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
          if (result.errors?.length) throw new Error(`${c.name}: ${result.errors[0].message}`);
          return elapsed;
        };
        for (let i = 0; i < 3; i++) for (const schema of Object.values(schemas)) await run(schema);
        const samples: Record<Variant, number[]> = { 'without shield': [], 'with shield': [], 'shield, every field wrapped': [] };
        for (let i = 0; i < RUNS; i++) {
          // Rotate the order, so drift (GC, page cache, CPU frequency) hits every variant alike.
          for (let k = 0; k < VARIANTS.length; k++) {
            const variant = VARIANTS[(i + k) % VARIANTS.length];
            samples[variant].push(await run(schemas[variant]));
          }
        }
        const fmt = (n: number) => `${n.toFixed(1)} ms`;
        const baseline = summary(samples['without shield']).median;
        console.log(`${c.name}: _entities × ${REPRESENTATIONS}`);
        for (const variant of VARIANTS) {
          const s = summary(samples[variant]);
          const delta = s.median - baseline;
          const cost = variant === 'without shield' ? '' : `   cost +${fmt(delta)} (+${((delta / baseline) * 100).toFixed(0)}%, ${((delta * 1000) / REPRESENTATIONS).toFixed(1)} µs/entity)`;
          console.log(`  ${variant.padEnd(28)} min ${fmt(s.min)}  median ${fmt(s.median)}  p90 ${fmt(s.p90)}${cost}`);
        }
        console.log('');
      } finally {
        await db.destroy();
        await register.destroy();
      }
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
