/**
 * An app's persisted-document manifest, as graphql-codegen's client preset writes it with
 * `persistedDocuments: { hashAlgorithm: 'sha256' }`: `persisted-documents.json` =
 * `{ "sha256:<hex of the document text>": "<document text>" }` (the plain hex is accepted too). The hash is the document's id
 * (GraphQL over HTTP `documentId`, Apollo's `extensions.persistedQuery.sha256Hash`) and the
 * operationHash the audit trail keeps for it.
 */
import { createHash } from 'node:crypto';

/** What a manifest may hold: an app registers its own few operations, not a library. */
export const MAX_MANIFEST_DOCUMENTS = 500;
/** A document's text; the gateway's document budgets apply to it again at every request. */
export const MAX_DOCUMENT_LENGTH = 100_000;

export const DOCUMENT_HASH = /^[0-9a-f]{64}$/;
/** An app name: lowercase words joined by '-' (the folder under apps/). */
export const APP_NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** An app version: printable ASCII without spaces. */
export const APP_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$/;

export interface ManifestDocument {
  readonly hash: string;
  readonly document: string;
}

export class ManifestError extends Error {
  readonly code = 'INVALID_MANIFEST';
}

export function documentHashOf(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/**
 * The manifest's documents, each checked: a lowercase sha256 key that is the sha256 of its text
 * (a document changed under an old id is refused here, before anything is stored).
 */
export function readManifest(json: unknown): ManifestDocument[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ManifestError('a manifest is a JSON object { "<sha256>": "<document>" }');
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0) throw new ManifestError('the manifest holds no documents');
  if (entries.length > MAX_MANIFEST_DOCUMENTS) throw new ManifestError(`a manifest holds at most ${MAX_MANIFEST_DOCUMENTS} documents`);
  return entries.map(([key, document]) => {
    const hash = key.startsWith('sha256:') ? key.slice('sha256:'.length) : key;
    if (!DOCUMENT_HASH.test(hash)) throw new ManifestError(`"${hash.slice(0, 80)}" is not a sha256 hash (64 lowercase hex digits)`);
    if (typeof document !== 'string' || document.length === 0 || document.length > MAX_DOCUMENT_LENGTH) {
      throw new ManifestError(`the document of ${hash} must be a text of 1 to ${MAX_DOCUMENT_LENGTH} characters`);
    }
    const actual = documentHashOf(document);
    if (actual !== hash) throw new ManifestError(`the document under ${hash} hashes to ${actual}: the manifest is stale or was changed`);
    return { hash, document };
  });
}

export function checkAppName(name: string): string {
  if (!APP_NAME.test(name)) throw new ManifestError(`app name "${name.slice(0, 80)}" must be lowercase letters, digits and '-' (at most 64)`);
  return name;
}

export function checkAppVersion(version: string): string {
  if (!APP_VERSION.test(version)) throw new ManifestError(`app version "${version.slice(0, 40)}" must be 1 to 32 characters of [0-9A-Za-z.+_-]`);
  return version;
}
