/**
 * `npm run audit:seed-trail -- [--from 2026-11-01] [--days 30] [--residents 10000] [--seed S]`
 * Appends a synthetic month of the ward's staff reading the register (generator/audit-trail.ts)
 * to the audit trail the environment names (AUDIT_DB_*; default data/audit.sqlite), decided under
 * the rules in force (policy/): the trail the dry run (`npm run policy:dry-run`), the anomaly
 * report and the console's charts are shown on. Synthetic persons only.
 */
import { parseArgs } from 'node:util';
import { generateTrail } from '../generator/audit-trail';
import { generateWorld } from '../generator/world';
import { openAuditStore } from '../lib/audit/store';
import { loadPolicy } from '../lib/policy/load';
import { loadClassifications } from '../lib/rule-versions/decide';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { from: { type: 'string', default: '2026-11-01' }, days: { type: 'string', default: '30' }, residents: { type: 'string', default: '10000' }, seed: { type: 'string' } },
  });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.from!)) throw new Error('--from must be a date (YYYY-MM-DD)');
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new Error('--days must be 1 to 366');
  const personIds: string[] = [];
  for (const households of generateWorld({ residents: Number(values.residents) })) {
    for (const household of households) for (const person of household.members) personIds.push(person.addressNumber);
  }
  const rules = loadPolicy();
  const store = await openAuditStore();
  let written = 0;
  try {
    for (const entries of generateTrail({ from: values.from!, days, personIds, rules, classifications: loadClassifications(), ruleVersion: rules.version, ...(values.seed ? { seed: values.seed } : {}) })) {
      for (let i = 0; i < entries.length; i += 500) await store.append(entries.slice(i, i + 500));
      written += entries.length;
    }
  } finally {
    await store.close();
  }
  process.stdout.write(`appended ${written} synthetic operation records (${values.from}, ${days} days)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`audit:seed-trail failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
