/**
 * `npm run documents:list -- [--app <name>] [--version <v>] [--status PENDING|APPROVED|REJECTED]`:
 * the security officer's view of registered documents, the same as the graph's
 * `trustedDocuments`: each document's hash, status and apps, the supergraph fields it reads with
 * their policies, and the (department, role, purpose) profiles that can run it in full.
 */
import { auditDatabaseConfig } from '../lib/audit/config';
import { officerView } from '../lib/trusted-documents/officer-view';
import { openTrustedDocumentStore, TRUSTED_STATUSES, type TrustedDocumentFilter, type TrustedDocumentStore, type TrustedStatus } from '../lib/trusted-documents/store';

const PAGE = 200;

export async function printDocuments(store: TrustedDocumentStore, filter: TrustedDocumentFilter, out: (line: string) => void): Promise<number> {
  const view = officerView();
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const page = await store.list(filter, PAGE, after);
    for (const document of page.documents) {
      count += 1;
      const analysis = view.analyse(document.document);
      const apps = document.apps.map((app) => `${app.app}@${app.version}`).join(', ');
      out('');
      out(`${analysis.operationName ?? '(anonymous)'}  sha256:${document.hash}`);
      out(`  status   ${document.status}${document.decidedBy ? ` by ${document.decidedBy} at ${document.decidedAt}: ${document.decisionReason}` : ''}`);
      out(`  apps     ${apps}`);
      out('  reads');
      for (const field of analysis.fields) {
        const policies = field.policies ? field.policies.map((alternative) => alternative.join(' & ')).join(' | ') : '(structural)';
        out(`    ${field.coordinate.padEnd(34)} ${policies}${field.classifications.length > 0 ? `  [${field.classifications.join(', ')}]` : ''}${field.unclassified ? '  UNCLASSIFIED: refused to everyone' : ''}`);
      }
      out('  runs whole for (department / role / purpose, with MFA)');
      if (analysis.profiles.length === 0) out('    nobody');
      for (const profile of analysis.profiles) out(`    ${profile.department} / ${profile.role} / ${profile.purpose}${profile.masked.length > 0 ? `  (masked: ${profile.masked.join(', ')})` : '  (in full)'}`);
      for (const problem of analysis.errors) out(`  PROBLEM  ${problem}`);
    }
    if (!page.hasNextPage) break;
    after = page.documents[page.documents.length - 1]!.hash;
  }
  if (count === 0) out('no registered documents match');
  return count;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const status = option(args, 'status');
  if (status !== undefined && !TRUSTED_STATUSES.includes(status as TrustedStatus)) {
    process.stderr.write(`--status must be one of ${TRUSTED_STATUSES.join(', ')}\n`);
    process.exit(2);
  }
  const app = option(args, 'app');
  const version = option(args, 'version');
  const filter: TrustedDocumentFilter = { ...(app ? { app } : {}), ...(version ? { version } : {}), ...(status ? { status: status as TrustedStatus } : {}) };
  openTrustedDocumentStore(auditDatabaseConfig())
    .then(async (store) => {
      try {
        await printDocuments(store, filter, (line) => process.stdout.write(`${line}\n`));
      } finally {
        await store.close();
      }
    })
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${(error as Error).message}\n`);
        process.exit(1);
      },
    );
}
