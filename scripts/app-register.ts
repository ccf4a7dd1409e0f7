/**
 * `npm run app:register -- apps/<app>`: registers a department app's persisted documents (its
 * app.json name and version, and the manifest graphql-codegen's client preset wrote) in the
 * trusted-document registry on the audit database (AUDIT_DB_*; SQLite data/audit.sqlite by
 * default). New documents wait for a security officer's approval (PENDING); documents an earlier
 * version registered keep their decision. Prints what each document reads and who can run it.
 */
import { auditDatabaseConfig } from '../lib/audit/config';
import { readAppFolder } from '../lib/trusted-documents/app-manifest';
import { ManifestError } from '../lib/trusted-documents/manifest';
import { openTrustedDocumentStore } from '../lib/trusted-documents/store';
import { printDocuments } from './documents-list';

export async function runAppRegister(args: readonly string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const [dir, ...rest] = args;
  if (!dir || rest.length > 0) {
    process.stderr.write('usage: npm run app:register -- apps/<app>\n');
    return 2;
  }
  let app;
  try {
    app = readAppFolder(dir);
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const store = await openTrustedDocumentStore(auditDatabaseConfig());
  try {
    const result = await store.register(app.name, app.version, app.documents);
    out(`registered ${result.app}@${result.version}: ${result.documents} document(s), ${result.added} new (PENDING: a security officer approves them), ${result.known} known (their decision stays)`);
    await printDocuments(store, { app: app.name, version: app.version }, out);
    return 0;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  runAppRegister(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
