/**
 * npm run seed -- --residents N [--seed S] [--data-dir D] [--batch-size B] [--no-fast-path] [--no-defer-indexes]
 *
 * Builds the four legacy databases from the synthetic world. Progress goes to stderr, the
 * summary (rows per table, seconds, MB per file) to stdout.
 */
import { seedAll, type SeedOptions, type SeedReport } from './seeding/seed-all';
import { EnvCheck, exitOnConfigError } from '../lib/env-config';
import { LEGACY_SUBGRAPH_ENDPOINTS } from '../lib/subgraphs';
import { databaseConfig } from '../subgraphs/shared/database';
import { DEFAULT_SEED } from '../generator/world';
import { stopWhenParentIsGone } from '../lib/parent-watch';

const DEFAULT_RESIDENTS = 10000;

function usage(message?: string): never {
  if (message) process.stderr.write(`seed: ${message}\n`);
  process.stderr.write(
    'usage: npm run seed -- [--residents N] [--seed S] [--data-dir D] [--batch-size B] [--no-fast-path] [--no-defer-indexes]\n' +
      `  defaults: --residents ${DEFAULT_RESIDENTS} --seed ${DEFAULT_SEED} --data-dir $DATA_DIR or data/\n`,
  );
  process.exit(message ? 2 : 0);
}

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value?.replace(/_/g, ''));
  if (!value || !Number.isSafeInteger(n) || n < 1) usage(`${flag} needs a positive integer (got ${value ?? 'nothing'})`);
  return n;
}

export function parseArgs(argv: readonly string[]): SeedOptions {
  const options: SeedOptions = { residents: DEFAULT_RESIDENTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--residents':
        options.residents = positiveInteger(flag, value());
        break;
      case '--seed': {
        const seed = value();
        if (!seed) usage('--seed needs a value');
        options.seed = seed;
        break;
      }
      case '--data-dir': {
        const dir = value();
        if (!dir) usage('--data-dir needs a value');
        options.dataDir = dir;
        break;
      }
      case '--batch-size':
        options.batchSize = positiveInteger(flag, value());
        break;
      case '--no-fast-path':
        options.sqliteFastPath = false;
        break;
      case '--no-defer-indexes':
        options.deferIndexes = false;
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return options;
}

export function formatReport(report: SeedReport): string {
  const lines: string[] = [];
  lines.push(`seed ${JSON.stringify(report.seed)}: ${report.residents.toLocaleString('en')} persons in ${report.households.toLocaleString('en')} households, ${(report.elapsedMs / 1000).toFixed(1)} s`);
  lines.push('');
  lines.push(`${'database'.padEnd(15)}${'table'.padEnd(22)}${'rows'.padStart(12)}`);
  let total = 0;
  for (const db of report.databases) {
    for (const [table, rows] of Object.entries(db.tables)) {
      lines.push(`${db.name.padEnd(15)}${table.padEnd(22)}${rows.toLocaleString('en').padStart(12)}`);
      total += rows;
    }
  }
  lines.push(`${''.padEnd(15)}${'total'.padEnd(22)}${total.toLocaleString('en').padStart(12)}`);
  lines.push('');
  lines.push(`${'database'.padEnd(15)}${'client'.padEnd(16)}${'MB'.padStart(10)}  file`);
  for (const db of report.databases) {
    const mb = db.bytes === null ? '-' : (db.bytes / 1024 / 1024).toFixed(1);
    lines.push(`${db.name.padEnd(15)}${db.client.padEnd(16)}${mb.padStart(10)}  ${db.file ?? '(server)'}`);
  }
  return lines.join('\n');
}

/** The databases it will write, checked before anything is written: one message, exit code 2 (lib/env-config.ts). */
function checkConfiguration(env: NodeJS.ProcessEnv): void {
  const check = new EnvCheck(env);
  for (const endpoint of LEGACY_SUBGRAPH_ENDPOINTS) check.attempt(() => databaseConfig(endpoint.name, env));
  check.done('seed');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  try {
    checkConfiguration(process.env);
  } catch (error) {
    exitOnConfigError(error);
  }
  let lastPrint = 0;
  options.onProgress = (p) => {
    const now = Date.now();
    if (p.phase === 'load' && now - lastPrint < 2000 && p.residents < p.totalResidents) return;
    lastPrint = now;
    const pct = ((100 * p.residents) / p.totalResidents).toFixed(1);
    const rate = p.elapsedMs > 0 ? Math.round((p.residents * 1000) / p.elapsedMs) : 0;
    process.stderr.write(`[seed] ${p.phase.padEnd(7)} ${p.residents.toLocaleString('en')}/${p.totalResidents.toLocaleString('en')} persons (${pct}%), ${(p.elapsedMs / 1000).toFixed(1)} s, ${rate.toLocaleString('en')} persons/s\n`);
  };
  const report = await seedAll(options);
  process.stdout.write(`${formatReport(report)}\n`);
}

if (require.main === module) {
  // Started by `npm start`: stop when it is gone (a half-written seed is redone: its stamp is missing).
  stopWhenParentIsGone();
  main().catch((error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
