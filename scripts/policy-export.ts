/**
 * `npm run policy:export -- --out DIR [--version ID]`
 * Writes a rule version (default: the one in force) as the policy/ folder format: the seven rule
 * files, byte for byte, so it can be read, diffed, archived for the self-inspection (promise 14)
 * or uploaded as a proposal. Reads the version store (POLICY_STORE=database, AUDIT_DB_*).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFilesToDir } from '../lib/rule-versions/files';
import { openRuleVersionStore } from '../lib/rule-versions/open';
import { inForceVersion } from '../lib/rule-versions/workflow';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, version: { type: 'string' } } });
  if (!values.out) throw new Error('--out DIR is required');
  const versions = await openRuleVersionStore();
  try {
    const version = values.version ? await versions.version(values.version) : (await inForceVersion(versions)).version;
    if (!version) throw new Error('no such version');
    writeFilesToDir(version.files, path.resolve(values.out));
    process.stdout.write(`version ${version.id} (#${version.sequence}, ${version.origin}, ${version.createdAt}) written to ${path.resolve(values.out)}\n`);
  } finally {
    await versions.db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`policy:export failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
