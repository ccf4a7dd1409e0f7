/**
 * `npm run audit:anchor [-- --out FILE]`
 * Exports the audit chain's head (sequence, hash, when it was written) for keeping outside the
 * database: a small JSON file (lib/audit/anchor.ts), written to FILE (mode 0600, never over an
 * existing file) or to stdout. Keep it where the database's administrators cannot write (a
 * security officer's medium, a ticket, paper: the sequence and hash are enough), and check the
 * trail against it later with `npm run audit:verify -- --anchor FILE`.
 * AUDIT_DB_* choose the store, as for the gateway. Exit 0: written; 2: could not.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { anchorFile } from '../lib/audit/anchor';
import { openAuditStore } from '../lib/audit/store';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const store = await openAuditStore();
  try {
    const anchor = anchorFile(await store.head(), store.dialect);
    const text = `${JSON.stringify(anchor, null, 2)}\n`;
    if (values.out) {
      fs.writeFileSync(values.out, text, { mode: 0o600, flag: 'wx' });
      process.stderr.write(`audit anchor written to ${values.out}: record ${anchor.sequence}, hash ${anchor.hash}\n`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`audit:anchor could not run: ${error.message}\n`);
    process.exit(2);
  },
);
