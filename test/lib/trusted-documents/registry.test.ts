import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { openTrustedDocumentStore, type TrustedDocumentStore } from '../../../lib/trusted-documents/store';
import { documentHashOf, ManifestError, readManifest } from '../../../lib/trusted-documents/manifest';
import { readAppFolder } from '../../../lib/trusted-documents/app-manifest';
import { fieldsRead } from '../../../lib/trusted-documents/analysis';
import { loadTrustedDocumentsConfig } from '../../../gateway/trusted-documents/config';
import { auditDialects, type ScratchAuditStore } from '../../support/audit-store';

/**
 * The trusted-document registry (lib/trusted-documents/) on every dialect the audit database runs
 * on (SQLite; PostgreSQL when the run has one), two stores on one database as two gateway
 * replicas share it; the manifest reader and the configuration.
 */

const doc = (name: string) => `query ${name} { auditChainStatus { recordCount } }`;
const entry = (name: string) => ({ hash: documentHashOf(doc(name)), document: doc(name) });

describe.each(auditDialects().map((dialect) => [dialect.name, dialect] as const))('the registry on %s', (_name, dialect) => {
  let scratch: ScratchAuditStore;
  let registry: TrustedDocumentStore;
  let replica: TrustedDocumentStore;

  beforeAll(async () => {
    scratch = await dialect.open();
    registry = await openTrustedDocumentStore(scratch.config);
    replica = await openTrustedDocumentStore(scratch.config);
  });

  afterAll(async () => {
    await registry?.close();
    await replica?.close();
    await scratch?.cleanup();
  });

  test('registration is per app version; approvals are per hash and survive a new version; the other replica reads them at once', async () => {
    expect(await registry.register('counter', '1.0.0', [entry('A'), entry('B')])).toMatchObject({ added: 2, known: 0 });
    expect((await replica.decide(entry('A').hash, 'APPROVED', 'dev:security-officer', 'ok'))?.status).toBe('APPROVED');
    // Version 2 keeps A, changes B into C.
    expect(await registry.register('counter', '2.0.0', [entry('A'), entry('C')])).toMatchObject({ added: 1, known: 1 });
    const a = await replica.find(entry('A').hash);
    expect(a).toMatchObject({ status: 'APPROVED', decidedBy: 'dev:security-officer', apps: [{ app: 'counter', version: '1.0.0', operationName: 'A' }, { app: 'counter', version: '2.0.0' }] });
    expect((await replica.find(entry('C').hash))?.status).toBe('PENDING');
    const v2 = await replica.list({ app: 'counter', version: '2.0.0' }, 10);
    expect(v2.documents.map((document) => document.hash).sort()).toEqual([entry('A').hash, entry('C').hash].sort());
    expect((await replica.list({ status: 'PENDING' }, 10)).documents.map((document) => document.hash).sort()).toEqual([entry('B').hash, entry('C').hash].sort());
    // Pages by hash.
    const first = await registry.list({}, 2);
    expect(first.hasNextPage).toBe(true);
    const second = await registry.list({}, 2, first.documents[1]!.hash);
    expect([...first.documents, ...second.documents].map((document) => document.hash)).toEqual([entry('A'), entry('B'), entry('C')].map((e) => e.hash).sort());
    expect(await registry.decide('0'.repeat(64), 'REJECTED', 'x', 'y')).toBeUndefined();
  });

  test('a manifest whose text does not hash to its key is refused whole, nothing stored', async () => {
    await expect(registry.register('counter', '3.0.0', [entry('D'), { hash: entry('E').hash, document: doc('F') }])).rejects.toThrow(/does not hash/);
    expect(await registry.find(entry('D').hash)).toBeUndefined();
  });
});

describe('the manifest as the client preset writes it', () => {
  test('keys "sha256:<hex>" or "<hex>", each the sha256 of its text', () => {
    expect(readManifest({ [`sha256:${entry('A').hash}`]: doc('A'), [entry('B').hash]: doc('B') })).toEqual([entry('A'), entry('B')]);
    expect(() => readManifest({ [entry('A').hash]: doc('B') })).toThrow(ManifestError);
    expect(() => readManifest({ ['x'.repeat(64)]: doc('A') })).toThrow(/not a sha256/);
    expect(() => readManifest([])).toThrow(ManifestError);
    expect(() => readManifest({})).toThrow(/no documents/);
  });

  test("the example app's folder reads; a folder without app.json is refused", () => {
    const app = readAppFolder(path.join(__dirname, '..', '..', '..', 'apps', 'tax-lookup'));
    expect(app).toMatchObject({ name: 'tax-lookup', version: '1.0.0' });
    expect(app.documents.length).toBeGreaterThan(0);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'app-'));
    expect(() => readAppFolder(empty)).toThrow(/app\.json/);
    fs.rmSync(empty, { recursive: true });
  });

  test('fields read: fragments and inline fragments count, __typename does not', () => {
    const schema = buildSchema('type Query { a: A } type A { x: Int y: B } type B { z: Int }');
    expect(fieldsRead('query Q { a { __typename ...F y { ... on B { z } } } } fragment F on A { x }', schema)).toEqual({
      operationName: 'Q',
      coordinates: ['A.x', 'A.y', 'B.z', 'Query.a'],
      errors: [],
    });
    expect(fieldsRead('{ nope }', schema).errors).toHaveLength(1);
  });

  test('TRUSTED_DOCUMENTS: enforce in production by default, off elsewhere; anything else refused', () => {
    const load = (env: Record<string, string>) => {
      const problems: string[] = [];
      return { config: loadTrustedDocumentsConfig((name) => env[name], problems), problems };
    };
    expect(load({}).config.mode).toBe('off');
    expect(load({ NODE_ENV: 'production' }).config.mode).toBe('enforce');
    expect(load({ TRUSTED_DOCUMENTS: 'audit' }).config).toEqual({ mode: 'audit', cacheMs: 5000 });
    expect(load({ TRUSTED_DOCUMENTS: 'strict' }).problems).toHaveLength(1);
    expect(load({ TRUSTED_DOCUMENTS_CACHE_MS: '-1' }).problems).toHaveLength(1);
  });
});
