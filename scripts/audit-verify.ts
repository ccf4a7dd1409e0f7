/**
 * `npm run audit:verify [-- --chunk <records>] [--anchor FILE] [--list <n>] [--quiet]`
 * Walks the audit trail's hash chain in sequence order (AUDIT_DB_CLIENT / AUDIT_DB_FILE /
 * AUDIT_DB_URL choose the store, as for the gateway) to its end, checks each record's
 * AUDIT_PERSON rows and field sets against it, and lists every broken record (the first --list,
 * default 100, all counted). With --anchor, the chain must still hold the head exported then by
 * `npm run audit:anchor` (a cut or rewritten chain no longer does).
 * Exit code 0: intact; 1: broken (the records and reasons on stdout); 2: could not verify;
 * 3: intact, but the append-only triggers had been dropped (put back now — find out who did it).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAnchor, type AuditAnchorFile } from '../lib/audit/anchor';
import { openAuditStore, type AuditBreakReason } from '../lib/audit/store';

const USAGE = 'usage: npm run audit:verify [-- --chunk <records>] [--anchor FILE] [--list <n>] [--quiet]\n';

const EXPLANATIONS: Record<AuditBreakReason, string> = {
  PERSON_ROWS: "the AUDIT_PERSON rows of the record do not match its persons: a row was added, removed or altered",
  FIELD_ROWS: "the stored fields of the record (its field set, AUDIT_FIELD_SET, or its AUDIT_FIELD rows) do not match its fields: a row was added, removed or altered, or the record names another set",
  ANCHOR_MISMATCH: "the record an anchor names is missing or carries another hash: the chain was cut or rewritten after the anchor was taken",
  HASH_MISMATCH: "the record's content does not match its hash: it was changed after it was written",
  CHAIN_BROKEN: "the record does not link to its predecessor's hash (or the chain head): this record or the one before it was rewritten, or it was never appended through the chain",
  SEQUENCE_GAP: 'the record is missing: it was deleted',
  SEQUENCE_ORDER: 'an intact record stands at the wrong place in the chain: records were reordered',
};

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { chunk: { type: 'string' }, anchor: { type: 'string' }, list: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
  const chunkSize = values.chunk ? Number(values.chunk) : undefined;
  const maxListed = values.list ? Number(values.list) : 100;
  if ((chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) || !Number.isInteger(maxListed) || maxListed < 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  let anchor: AuditAnchorFile | undefined;
  if (values.anchor) {
    try {
      anchor = parseAnchor(fs.readFileSync(values.anchor, 'utf8'));
    } catch (error) {
      process.stderr.write(`audit:verify: ${values.anchor} is not an audit anchor: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const store = await openAuditStore();
  try {
    if (store.repairedTriggers.length > 0) {
      process.stdout.write(`WARNING: append-only triggers were missing and have been put back: ${store.repairedTriggers.join(', ')}\n`);
    }
    const started = Date.now();
    let lastReport = 0;
    const result = await store.verify({
      chunkSize,
      maxListed,
      ...(anchor ? { anchor } : {}),
      onProgress: ({ verified, total }) => {
        if (values.quiet || Date.now() - lastReport < 2000) return;
        lastReport = Date.now();
        process.stderr.write(`  verified ${verified.toLocaleString('en')} of ${total.toLocaleString('en')} records\n`);
      },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const anchored = anchor ? `, holding the anchor's record ${anchor.sequence} (taken ${anchor.anchoredAt})` : '';
    if (result.ok) {
      process.stdout.write(`audit trail intact: ${result.records.toLocaleString('en')} records verified in ${seconds} s (${store.dialect})${anchored}\n`);
      return store.repairedTriggers.length > 0 ? 3 : 0;
    }
    const { sequence, reason } = result.firstBroken;
    const lines = [
      `audit trail BROKEN at record ${sequence}: ${reason} — ${EXPLANATIONS[reason]}.`,
      `${result.records.toLocaleString('en')} records before it verified intact (${seconds} s, ${store.dialect}).`,
      `${result.brokenCount.toLocaleString('en')} broken record(s) in all${result.brokenCount > result.broken.length ? `, the first ${result.broken.length} listed` : ''}:`,
      ...result.broken.map((broken) => `  record ${broken.sequence}: ${broken.reason}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`audit:verify could not run: ${error.message}\n`);
    process.exit(2);
  },
);
