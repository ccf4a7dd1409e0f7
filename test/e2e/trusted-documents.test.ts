import path from 'node:path';
import knexFactory from 'knex';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { auditSqliteConfig } from '../../lib/audit/config';
import { readAppFolder } from '../../lib/trusted-documents/app-manifest';
import { documentHashOf } from '../../lib/trusted-documents/manifest';
import { openTrustedDocumentStore, type TrustedDocumentStore } from '../../lib/trusted-documents/store';
import { TRUSTED_TABLES } from '../../lib/trusted-documents/migrations';
import { documentIdOf } from '../../apps/tax-lookup/src/client';
import { searchResidents, showResident } from '../../apps/tax-lookup/src/lookup';
import { SearchResidents, ShowResident } from '../../apps/tax-lookup/src/operations';
import { startFederation, type Federation } from '../support/federation';
import { postGraphQL, type GraphQLResult } from '../support/graphql';

/**
 * Trusted documents (issue 13 item 1) and the example department app (item 2), through the real
 * federation: the app's manifest registers; in `enforce` an unregistered operation is refused
 * with its own code and recorded, a registered but unapproved one is refused, an approved one
 * runs by its id alone (as the tax clerk, through the app's own code), a changed document under
 * an old id is refused; `audit` runs everything and records the untrusted document; `off` runs
 * everything. The enforcing gateway and the audit/off replicas share one registry (the audit
 * database), as replicas do.
 */

const APP_DIR = path.join(__dirname, '..', '..', 'apps', 'tax-lookup');
const UNREGISTERED = `query Other($id: ID!) { resident(id: $id) { name { kanji } individualNumber } }`;
const SHOW_HASH = documentIdOf(ShowResident).slice('sha256:'.length);
const SEARCH_HASH = documentIdOf(SearchResidents).slice('sha256:'.length);

const RECORDS = `query Records($filter: AuditFilter) { auditRecords(filter: $filter, first: 200) { records { kind decision operationHash errorCodes detail clientName } } }`;
const LIST = `query Docs($app: String) { trustedDocuments(filter: { app: $app }) { documents { hash operationName status apps { name version } fields { coordinate policies classifications } profiles { department role purpose masked } problems } } }`;
const APPROVE = `mutation Approve($hash: ID!, $reason: String!) { approveTrustedDocument(hash: $hash, reason: $reason) { hash status decidedBy } }`;
const REJECT = `mutation Reject($hash: ID!, $reason: String!) { rejectTrustedDocument(hash: $hash, reason: $reason) { hash status } }`;

interface AuditRow {
  kind: string;
  decision: string;
  operationHash: string | null;
  errorCodes: string[];
  detail: string | null;
  clientName: string | null;
}

describe('trusted documents and the example department app', () => {
  let federation: Federation;
  let registry: TrustedDocumentStore;
  let audit: RunningGateway;
  let off: RunningGateway;

  beforeAll(async () => {
    federation = await startFederation({ gatewayEnv: { TRUSTED_DOCUMENTS: 'enforce', TRUSTED_DOCUMENTS_CACHE_MS: '0' } });
    registry = await openTrustedDocumentStore(auditSqliteConfig(federation.auditFile));
    const replica = (mode: string) =>
      startGateway({ config: { ...federation.gatewayConfig, port: 0, trustedDocuments: { mode: mode as 'audit' | 'off', cacheMs: 0 } } });
    audit = await replica('audit');
    off = await replica('off');
  });

  afterAll(async () => {
    await off?.stop();
    await audit?.stop();
    await registry?.close();
    await federation?.stop();
  });

  const asClerk = async (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const token = await federation.token('tax-clerk');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
    const raw = await response.text();
    return { status: response.status, body: JSON.parse(raw) as GraphQLResult['body'], raw };
  };
  // The officer's own tools are not registered documents here (a console registers its own, as
  // any app): they go through the roll-out replica, which shares the registry and the trail.
  const officer = async <T = Record<string, any>>(query: string, variables?: Record<string, unknown>) =>
    postGraphQL<T>(audit.url, query, variables, { authorization: `Bearer ${await federation.token('security-officer')}` });
  const records = async (filter: Record<string, unknown>): Promise<AuditRow[]> => {
    const result = await officer<{ auditRecords: { records: AuditRow[] } }>(RECORDS, { filter });
    expect(result.body.errors).toBeUndefined();
    return result.body.data!.auditRecords.records;
  };
  const clientOf = async (url: string) => ({ url, token: await federation.token('tax-clerk') });
  const variables = { id: FIXTURE_FIRST_RESIDENT.addressNumber };

  test('the app manifest registers: both operations PENDING, attributed to tax-lookup@1.0.0; registering again changes nothing', async () => {
    const app = readAppFolder(APP_DIR);
    expect(app).toMatchObject({ name: 'tax-lookup', version: '1.0.0' });
    expect(app.documents.map((document) => document.hash).sort()).toEqual([SEARCH_HASH, SHOW_HASH].sort());
    expect(await registry.register(app.name, app.version, app.documents)).toMatchObject({ documents: 2, added: 2, known: 0 });
    expect(await registry.register(app.name, app.version, app.documents)).toMatchObject({ documents: 2, added: 0, known: 2 });
    const show = await registry.find(SHOW_HASH);
    expect(show).toMatchObject({ status: 'PENDING', apps: [{ app: 'tax-lookup', version: '1.0.0', operationName: 'TaxLookupShow' }] });
  });

  test('enforce: an unregistered operation is refused with OPERATION_NOT_TRUSTED (403) and recorded REFUSED, naming the document', async () => {
    const refused = await asClerk(federation.gatewayUrl, { query: UNREGISTERED, variables });
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_NOT_TRUSTED', reason: 'not_registered' });
    expect(refused.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    const hash = documentHashOf(UNREGISTERED);
    const rows = (await records({ subject: 'dev:tax-clerk', decision: 'REFUSED' })).filter((row) => row.operationHash === hash);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ errorCodes: ['OPERATION_NOT_TRUSTED'], detail: `HTTP 403 not_registered; document sha256:${hash} (UNREGISTERED)` });
  });

  test('enforce: a registered but unapproved document is refused, by id and by text', async () => {
    const byId = await asClerk(federation.gatewayUrl, { documentId: `sha256:${SHOW_HASH}`, variables });
    expect(byId.status).toBe(403);
    expect(byId.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_NOT_TRUSTED', reason: 'not_approved' });
    const byText = await asClerk(federation.gatewayUrl, { query: (await registry.find(SHOW_HASH))!.document, variables });
    expect(byText.status).toBe(403);
    expect(byText.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
  });

  test('the officer sees what each operation reads, its policies and who can run it in full; a clerk cannot approve', async () => {
    const listed = await officer<{ trustedDocuments: { documents: any[] } }>(LIST, { app: 'tax-lookup' });
    expect(listed.body.errors).toBeUndefined();
    const documents = listed.body.data!.trustedDocuments.documents;
    const show = documents.find((document) => document.hash === SHOW_HASH);
    expect(show).toMatchObject({ operationName: 'TaxLookupShow', status: 'PENDING', apps: [{ name: 'tax-lookup', version: '1.0.0' }], problems: [] });
    expect(show.fields).toContainEqual({ coordinate: 'Resident.individualNumber', policies: [['individual_number']], classifications: ['individual-number'] });
    expect(show.profiles).toContainEqual({ department: 'taxation-division', role: 'clerk', purpose: 'local-tax', masked: [] });
    // The counter purpose the app declares gets the number masked (policies.yaml `mask: last-four`).
    expect(show.profiles).toContainEqual({ department: 'taxation-division', role: 'clerk', purpose: 'local-tax-counter', masked: ['Resident.individualNumber'] });
    // 学務課 is not individual-number work: it can run the search, not the view with the number.
    expect(show.profiles).not.toContainEqual(expect.objectContaining({ department: 'school-affairs-division' }));
    const search = documents.find((document) => document.hash === SEARCH_HASH);
    expect(search.fields.map((field: { coordinate: string }) => field.coordinate)).not.toContain('Resident.individualNumber');
    expect(search.profiles).toContainEqual({ department: 'school-affairs-division', role: 'clerk', purpose: 'school-enrolment', masked: [] });

    const byClerk = await postGraphQL(audit.url, APPROVE, { hash: SHOW_HASH, reason: 'self-approval' }, { authorization: `Bearer ${await federation.token('tax-clerk')}` });
    expect(byClerk.body.data?.approveTrustedDocument ?? null).toBeNull();
    expect((await registry.find(SHOW_HASH))!.status).toBe('PENDING');

    // Bad input is the officer's 4xx-style error, never a decision.
    for (const variables of [{ hash: 'f'.repeat(64), reason: 'unknown' }, { hash: 'not-a-hash', reason: 'x' }, { hash: SHOW_HASH, reason: ' ' }, { hash: SHOW_HASH, reason: 'r'.repeat(201) }]) {
      const bad = await officer(APPROVE, variables);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect((await registry.find(SHOW_HASH))!.status).toBe('PENDING');
  });

  test('enforce: once approved, the app runs its operations by id alone as the tax clerk; the record names the app and the document', async () => {
    for (const hash of [SHOW_HASH, SEARCH_HASH]) {
      const approved = await officer(APPROVE, { hash, reason: '課税課 住民照会 v1.0.0 (申請 No. 13)' });
      expect(approved.body.errors).toBeUndefined();
      expect(approved.body.data).toMatchObject({ approveTrustedDocument: { hash, status: 'APPROVED', decidedBy: 'dev:security-officer' } });
    }
    const decided = await records({ kind: 'TRUSTED_DOCUMENT_DECIDED' });
    expect(decided.map((row) => row.operationHash).sort()).toEqual([SEARCH_HASH, SHOW_HASH].sort());

    const client = await clientOf(federation.gatewayUrl);
    const candidates = await searchResidents(client, { kana: 'ヤマダ', birthDate: FIXTURE_FIRST_RESIDENT.birthIso });
    expect(candidates.map((candidate) => candidate.id)).toContain(FIXTURE_FIRST_RESIDENT.addressNumber);
    const shown = await showResident(client, FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(shown.refusals).toEqual([]);
    // The app declares the counter purpose (app.json): the tax clerk sees the number masked.
    expect(shown.person).toMatchObject({ id: FIXTURE_FIRST_RESIDENT.addressNumber, individualNumber: `********${FIXTURE_FIRST_RESIDENT.individualNumber.slice(-4)}` });
    const raw = await asClerk(federation.gatewayUrl, { documentId: `sha256:${SHOW_HASH}`, variables }, { 'x-purpose': 'local-tax-counter' });
    expect(raw.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber.slice(0, 8));

    const ran = (await records({ subject: 'dev:tax-clerk', decision: 'GRANTED' })).filter((row) => row.operationHash === SHOW_HASH && row.clientName === 'tax-lookup');
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ clientName: 'tax-lookup', detail: `document sha256:${SHOW_HASH} of app tax-lookup@1.0.0 (APPROVED)` });

    // Apollo's form of the id runs too; GET by documentId as well.
    const apollo = await asClerk(federation.gatewayUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: SHOW_HASH } }, variables });
    expect(apollo.status).toBe(200);
    expect(apollo.body.data?.resident?.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    const token = await federation.token('tax-clerk');
    const get = await fetch(`${federation.gatewayUrl}?documentId=sha256:${SEARCH_HASH}&variables=${encodeURIComponent(JSON.stringify({ kanaPrefix: 'ヤマダ', birthDate: FIXTURE_FIRST_RESIDENT.birthIso }))}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
  });

  test('a changed document under an old id is refused: sent with the id (400) or changed in the registry (403)', async () => {
    const original = (await registry.find(SHOW_HASH))!.document;
    const changed = original.replace('individualNumber', 'individualNumber residentCode');
    const sent = await asClerk(federation.gatewayUrl, { documentId: `sha256:${SHOW_HASH}`, query: changed, variables });
    expect(sent.status).toBe(400);
    expect(sent.body.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_HASH_MISMATCH' });

    const db = knexFactory(auditSqliteConfig(federation.auditFile));
    try {
      await db(TRUSTED_TABLES.document).where({ hash: SHOW_HASH }).update({ document: changed });
      const stored = await asClerk(federation.gatewayUrl, { documentId: `sha256:${SHOW_HASH}`, variables });
      expect(stored.status).toBe(403);
      expect(stored.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_NOT_TRUSTED', reason: 'stored_hash_mismatch' });
      // Also where nothing is enforced: nobody approved that text.
      expect((await asClerk(off.url, { documentId: `sha256:${SHOW_HASH}`, variables })).status).toBe(403);
    } finally {
      await db(TRUSTED_TABLES.document).where({ hash: SHOW_HASH }).update({ document: original });
      await db.destroy();
    }
    expect((await asClerk(federation.gatewayUrl, { documentId: `sha256:${SHOW_HASH}`, variables })).status).toBe(200);
  });

  test('the document budgets apply to the stored text of a document run by id', async () => {
    const aliases = Array.from({ length: 101 }, (_, index) => `a${index}: id`).join(' ');
    const document = `query ManyAliases($id: ID!) { resident(id: $id) { ${aliases} } }`;
    await registry.register('budget-probe', '1.0.0', [{ hash: documentHashOf(document), document }]);
    await registry.decide(documentHashOf(document), 'APPROVED', 'test', 'budget probe');
    const run = await asClerk(federation.gatewayUrl, { documentId: documentHashOf(document), variables });
    expect(run.status).toBe(400);
    expect(run.body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'aliases' });
  });

  test('enforce: a rejected document is refused (reason rejected)', async () => {
    const rejected = await officer(REJECT, { hash: SEARCH_HASH, reason: 'superseded' });
    expect(rejected.body.data).toMatchObject({ rejectTrustedDocument: { status: 'REJECTED' } });
    const run = await asClerk(federation.gatewayUrl, { documentId: `sha256:${SEARCH_HASH}`, variables: { kanaPrefix: 'ヤマダ', birthDate: FIXTURE_FIRST_RESIDENT.birthIso } });
    expect(run.status).toBe(403);
    expect(run.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_NOT_TRUSTED', reason: 'rejected' });
  });

  test('audit (roll-out): an unregistered operation runs, and its record says so', async () => {
    const ran = await asClerk(audit.url, { query: UNREGISTERED, variables }, { 'apollographql-client-name': 'legacy-screen' });
    expect(ran.status).toBe(200);
    expect(ran.body.data?.resident?.name?.kanji).toBe(FIXTURE_FIRST_RESIDENT.name);
    const rows = (await records({ subject: 'dev:tax-clerk', decision: 'GRANTED' })).filter((row) => row.clientName === 'legacy-screen');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toBe(`document sha256:${documentHashOf(UNREGISTERED)} (UNREGISTERED)`);
    // An id the registry does not hold cannot run anywhere: there is no text to run.
    expect((await asClerk(audit.url, { documentId: 'f'.repeat(64), variables })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('off (development): everything runs, without reading the registry for a text', async () => {
    const before = off.gateway.trustedDocuments.stats().lookups;
    const ran = await asClerk(off.url, { query: UNREGISTERED, variables });
    expect(ran.status).toBe(200);
    expect(off.gateway.trustedDocuments.stats().lookups).toBe(before);
    const byId = await asClerk(off.url, { documentId: `sha256:${SHOW_HASH}`, variables });
    expect(byId.status).toBe(200);
    expect(byId.body.data?.resident?.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
  });
});
