/**
 * A department app's folder as the registry reads it: `app.json` (name, version) and the
 * client preset's manifest (default `src/gql/persisted-documents.json`, or app.json `manifest`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkAppName, checkAppVersion, ManifestError, readManifest, type ManifestDocument } from './manifest';

export const DEFAULT_MANIFEST = 'src/gql/persisted-documents.json';

export interface AppManifest {
  readonly name: string;
  readonly version: string;
  readonly manifestFile: string;
  readonly documents: readonly ManifestDocument[];
}

export function readAppFolder(dir: string): AppManifest {
  const appFile = path.join(dir, 'app.json');
  let app: { name?: unknown; version?: unknown; manifest?: unknown };
  try {
    app = JSON.parse(fs.readFileSync(appFile, 'utf8')) as typeof app;
  } catch (error) {
    throw new ManifestError(`cannot read ${appFile}: ${(error as Error).message}`);
  }
  if (typeof app.name !== 'string' || typeof app.version !== 'string') throw new ManifestError(`${appFile} must name the app ("name") and its version ("version")`);
  const manifestFile = path.join(dir, typeof app.manifest === 'string' ? app.manifest : DEFAULT_MANIFEST);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (error) {
    throw new ManifestError(`cannot read ${manifestFile} (run \`npm run codegen\`): ${(error as Error).message}`);
  }
  return { name: checkAppName(app.name), version: checkAppVersion(app.version), manifestFile, documents: readManifest(json) };
}
