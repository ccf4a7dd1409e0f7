/**
 * `npm run policy:dry-run -- (--proposal <id> | --policy-dir <dir> | --example tax-individual-number) --from D --to D`
 * The dry run of a rule change, as the console shows it (issue 12.2), printed: the profiles whose
 * fields change (the matrix), and the accesses of the trail in the period (AUDIT_DB_*) that the
 * change would newly refuse or newly allow. Compared with the rules in force: the version store's
 * (POLICY_STORE=database) or the policy folder's. `--example tax-individual-number` is the change
 * of the README: 課税課 (taxation-division) no longer reads 個人番号.
 */
import { parseArgs } from 'node:util';
import { loadAuditCalendar } from '../lib/audit/calendar';
import { resolvePeriod } from '../lib/audit/anomalies';
import { MAX_PAGE_SIZE, openAuditStore } from '../lib/audit/store';
import { loadClassifications } from '../lib/rule-versions/decide';
import { compileFiles, readFilesFromDir, versionOf, type RuleFiles } from '../lib/rule-versions/files';
import { OperationComparer, replay, type Impact } from '../lib/rule-versions/impact';
import { openRuleVersionStore, policyStoreMode } from '../lib/rule-versions/open';
import { dryRunMatrix } from '../lib/rule-versions/views';
import { inForceVersion, proposalOverInForce } from '../lib/rule-versions/workflow';

const EXAMPLES: Record<string, (files: RuleFiles) => RuleFiles> = {
  'tax-individual-number': (files) => {
    const grant = /\n      - roles: \[clerk\]\n        departments: \[taxation-division\]\n        purposes: \[local-tax\]\n        mfa: required\n(?=      # The tax counter|\n  foreign_resident_card:)/;
    if (!grant.test(files['policies.yaml'])) throw new Error('policies.yaml has no taxation-division grant of individual_number to take away');
    return { ...files, 'policies.yaml': files['policies.yaml'].replace(grant, '\n') };
  },
};

function printImpact(title: string, impact: Impact): void {
  process.stdout.write(`\n${title}: ${impact.accessCount} accesses (operations), ${impact.fieldAccessCount} field reads, ${impact.personCount} distinct persons\n`);
  for (const department of impact.departments) process.stdout.write(`  department ${department.department}: ${department.accessCount} accesses by ${department.userCount} users\n`);
  for (const user of impact.users.slice(0, 20)) process.stdout.write(`  user ${user.subject} (${user.department ?? '-'}): ${user.accessCount}\n`);
  if (impact.users.length > 20) process.stdout.write(`  … ${impact.users.length - 20} more users\n`);
  for (const field of impact.fields) process.stdout.write(`  field ${field.coordinate}: ${field.accessCount}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { proposal: { type: 'string' }, 'policy-dir': { type: 'string' }, example: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
  if (!values.from || !values.to) throw new Error('--from and --to are required (YYYY-MM-DD or ISO instants)');
  const sources = [values.proposal, values['policy-dir'], values.example].filter((v) => v !== undefined);
  if (sources.length !== 1) throw new Error('give exactly one of --proposal, --policy-dir, --example');

  const database = policyStoreMode() === 'database';
  const versions = database ? await openRuleVersionStore() : undefined;
  try {
    const inForceFiles = versions ? (await inForceVersion(versions)).version.files : readFilesFromDir();
    let proposedFiles: RuleFiles;
    if (values.proposal) {
      if (!versions) throw new Error('--proposal needs POLICY_STORE=database (the version store)');
      const proposal = await versions.proposal(values.proposal);
      if (!proposal) throw new Error('no such proposal');
      const base = await versions.version(proposal.baseVersion);
      const merged = base ? proposalOverInForce(proposal, base.files, inForceFiles) : undefined;
      proposedFiles = merged?.ok ? merged.files : proposal.files;
    } else if (values['policy-dir']) proposedFiles = readFilesFromDir(values['policy-dir']);
    else {
      const example = EXAMPLES[values.example!];
      if (!example) throw new Error(`unknown example; known: ${Object.keys(EXAMPLES).join(', ')}`);
      proposedFiles = example(inForceFiles);
    }
    const inForce = compileFiles(inForceFiles);
    const proposed = compileFiles(proposedFiles);
    const classifications = loadClassifications();
    const matrix = dryRunMatrix(inForce, proposed, classifications);
    process.stdout.write(`rules in force ${inForce.version.slice(0, 12)} (${database ? 'version store' : 'policy/'}) → proposed ${versionOf(proposedFiles).slice(0, 12)}\n`);
    process.stdout.write(`profiles: ${matrix.profileCount} compared, ${matrix.changedProfileCount} change; fields that change: ${matrix.fields.join(', ') || '-'}\n`);
    for (const row of matrix.rows) {
      process.stdout.write(`  ${row.profile.key} (${row.profile.departmentName} / ${row.profile.purposeName}): ${row.newlyRefused.map((f) => `-${f}`).concat(row.newlyAllowed.map((f) => `+${f}`)).join(' ')}${row.profileRefusal ? ` [refused: ${row.profileRefusal}]` : ''}\n`);
    }

    const period = resolvePeriod(loadAuditCalendar(), values.from, values.to);
    const store = await openAuditStore();
    try {
      const started = Date.now();
      const result = await replay(
        new OperationComparer(inForce, proposed, classifications),
        (async function* () {
          let after: string | null = null;
          for (;;) {
            const page = await store.query({ from: period.from, to: period.to }, { first: MAX_PAGE_SIZE, ...(after ? { after } : {}) });
            yield page.records;
            if (!page.hasNextPage || page.endCursor === null) return;
            after = page.endCursor;
          }
        })(),
      );
      process.stdout.write(`\nreplayed ${period.from} – ${period.to}: ${result.operationsAnalysed} operations decided on fields${result.truncated ? ' (stopped at the bound: the oldest part only)' : ''} in ${Date.now() - started} ms\n`);
      printImpact('newly refused', result.newlyRefused);
      printImpact('newly allowed', result.newlyAllowed);
    } finally {
      await store.close();
    }
  } finally {
    await versions?.db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`policy:dry-run failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
