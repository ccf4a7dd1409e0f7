import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FIXTURE_FIRST_RESIDENT } from '../../../generator/fixtures';
import { openAuditStore, type AuditStore } from '../../../lib/audit/store';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { errorCause, safeMessage } from '../../../lib/log-cause';
import { startFederation, type Federation } from '../../support/federation';

/**
 * Issue 15.4: access lines an operator can use (operation name, client, user id, decision, status,
 * duration) and errors at error level with their cause — never the document, variables or a
 * person's data. The gateway's real log, captured as its JSON lines.
 */

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const lines: Line[] = [];
const raw: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
      raw.push(text);
      lines.push(JSON.parse(text) as Line);
    }
    done();
  },
});

const ID = FIXTURE_FIRST_RESIDENT.addressNumber;
const ERROR = 50;
const INFO = 30;

let federation: Federation;
let store: AuditStore;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-access-log-'));
  store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
  federation = await startFederation({ audit: store, gateway: { logger: pino({ level: 'debug' }, sink) } });
});
afterAll(async () => {
  await federation?.stop();
  await store?.close().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function accessLineOf(response: Response): Promise<Line> {
  const requestId = response.headers.get('x-request-id');
  for (let i = 0; i < 50; i++) {
    const line = lines.find((candidate) => candidate.msg === 'request' && candidate.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no access line for ${requestId}`);
}

test('a granted operation: name, client, user id, decision, status and duration; not the variables', async () => {
  const result = await federation.query('registry-clerk', 'query ResidentCard($id: ID!) { resident(id: $id) { name { kanji } } }', { id: ID }, { 'apollographql-client-name': 'madoguchi', 'apollographql-client-version': '2.1' });
  expect(result.status).toBe(200);
  const line = await accessLineOf(result.response);
  expect(line).toMatchObject({ level: INFO, method: 'POST', path: '/graphql', status: 200, operationName: 'ResidentCard', client: { name: 'madoguchi', version: '2.1' }, userId: 'dev:registry-clerk', decision: 'GRANTED' });
  expect(typeof line.durationMs).toBe('number');
  expect(JSON.stringify(line)).not.toContain(ID);
  expect(JSON.stringify(line)).not.toContain(FIXTURE_FIRST_RESIDENT.name);
});

test('a partly refused operation says PARTIAL with the refusal code', async () => {
  const result = await federation.query('school-clerk', 'query Card($id: ID!) { resident(id: $id) { name { kanji } individualNumber } }', { id: ID });
  const line = await accessLineOf(result.response);
  expect(line).toMatchObject({ status: 200, operationName: 'Card', userId: 'dev:school-clerk', decision: 'PARTIAL', errorCodes: ['UNAUTHORIZED_FIELD_OR_TYPE'] });
});

test('a refusal at the front: REFUSED with its code, no user when none was authenticated', async () => {
  const anonymous = await federation.query(null, '{ __typename }');
  expect(await accessLineOf(anonymous.response)).toMatchObject({ level: INFO, status: 401, userId: null, decision: 'REFUSED', errorCodes: ['UNAUTHENTICATED'] });
});

test('a 5xx is logged at error level with its cause (class, code, message), never the person data', async () => {
  await store.close();
  const result = await federation.query('registry-clerk', 'query ResidentCard($id: ID!) { resident(id: $id) { name { kanji } } }', { id: ID });
  expect(result.status).toBe(503);
  const line = await accessLineOf(result.response);
  expect(line).toMatchObject({ level: ERROR, status: 503, operationName: 'ResidentCard', userId: 'dev:registry-clerk', errorCodes: ['AUDIT_UNAVAILABLE'] });
  expect(line.error).toEqual({ type: 'AuditUnavailableError', code: 'AUDIT_UNAVAILABLE', message: 'audit store: closed' });
  for (const text of raw) {
    expect(text).not.toContain(ID);
    expect(text).not.toContain(FIXTURE_FIRST_RESIDENT.name);
    expect(text).not.toMatch(/"stack"|\n\s+at /);
  }
});

test('a cause keeps the class, code and first line; quoted values and digit runs are masked', () => {
  const error = Object.assign(new TypeError('insert into "JUMIN_KIHON" values (\'山田 太郎\', 123456789012) failed\n    at secret (/work/x.ts:1:1)'), { code: 'SQLITE_CONSTRAINT' });
  expect(errorCause(error)).toEqual({ type: 'TypeError', code: 'SQLITE_CONSTRAINT', message: 'insert into "…" values ("…", #) failed' });
  expect(safeMessage('x'.repeat(500)).length).toBeLessThanOrEqual(201);
});
