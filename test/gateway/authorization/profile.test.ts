import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import { authenticationMiddleware, authorizationOf, permissionProfileMiddleware } from '../../../gateway/auth/middleware';
import type { Authenticator } from '../../../gateway/auth/authenticate';
import { DEPARTMENTS } from '../../../gateway/auth/personas';
import type { Identity } from '../../../gateway/context';
import { requestIdMiddleware } from '../../../gateway/request-id';
import { DEFAULT_POLICY_DIR } from '../../../lib/policy/files';
import { createPolicyStore, type PolicyStore } from '../../../lib/policy/store';
import { silentLogger, tempDir } from '../helpers';

/**
 * The gateway's profile resolution per request (gateway/auth/middleware.ts): the rules in force
 * turn a verified identity into a permission profile, or refuse the request before its body is
 * read: revoked → 401, unknown department → 403, unknown or unregistered purpose → 400.
 */

const identity = (overrides: Partial<Identity> = {}): Identity => ({
  subject: 'dev:registry-clerk',
  department: { id: DEPARTMENTS.registry.id, name: DEPARTMENTS.registry.name },
  roles: ['clerk'],
  purpose: 'resident-registry',
  purposeSource: 'token',
  mfa: true,
  scopes: [],
  issuer: 'test',
  expiresAt: new Date(Date.now() + 3600_000),
  client: {},
  ...overrides,
});

let server: http.Server;
let url: string;
let rules: PolicyStore;
let policyDir: string;
let next: Identity;
let bodiesParsed = 0;

beforeAll(async () => {
  policyDir = tempDir('policy');
  for (const file of fs.readdirSync(DEFAULT_POLICY_DIR)) fs.copyFileSync(path.join(DEFAULT_POLICY_DIR, file), path.join(policyDir, file));
  rules = createPolicyStore({ dir: policyDir, logger: silentLogger(), watch: false });
  const authenticator: Authenticator = { authenticate: async (_headers: IncomingHttpHeaders) => next };
  const app = express();
  app.use(requestIdMiddleware);
  app.post(
    '/graphql',
    authenticationMiddleware(authenticator, silentLogger()),
    permissionProfileMiddleware(() => rules.current(), silentLogger()),
    (_req, _res, done) => {
      bodiesParsed += 1;
      done();
    },
    (req, res) => {
      const { principal, profile } = authorizationOf(req);
      res.json({ principal, granted: [...profile.granted].sort(), introspection: profile.introspection });
    },
  );
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  rules.stop();
  await new Promise((resolve) => server.close(resolve));
});

async function post(who: Identity): Promise<{ status: number; body: any; headers: Headers }> {
  next = who;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

test('a principal the rules accept gets its profile in the request', async () => {
  const { status, body } = await post(identity({ scopes: ['registry:read'] }));
  expect(status).toBe(200);
  expect(body.principal).toEqual({
    subject: 'dev:registry-clerk',
    departmentId: 'registry-division',
    roles: ['clerk'],
    purpose: 'resident-registry',
    mfa: true,
    scopes: ['registry:read'],
  });
  expect(body.granted).toContain('individual_number');
  expect(body.introspection).toBe(true);
});

test('a purpose the department is not registered for: 400 naming both, before the body is read', async () => {
  const before = bodiesParsed;
  const { status, body, headers } = await post(identity({ subject: 'dev:school-clerk', department: { id: DEPARTMENTS.schoolAffairs.id, name: DEPARTMENTS.schoolAffairs.name }, purpose: 'resident-registry', purposeSource: 'header' }));
  expect(status).toBe(400);
  expect(headers.get('cache-control')).toBe('no-store');
  expect(body.errors).toEqual([
    {
      message: expect.stringMatching(/school-affairs-division.*not registered for purpose.*resident-registry/),
      extensions: { code: 'BAD_REQUEST', reason: 'purpose_not_registered' },
    },
  ]);
  expect(body.data).toBeUndefined();
  expect(bodiesParsed).toBe(before);
});

test('an unknown purpose: 400', async () => {
  const { status, body } = await post(identity({ purpose: 'fishing', purposeSource: 'header' }));
  expect(status).toBe(400);
  expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/Purpose "fishing" is not a known/), extensions: { code: 'BAD_REQUEST', reason: 'unknown_purpose' } });
});

test('a department the rules do not know: 403', async () => {
  const { status, body } = await post(identity({ department: { id: 'parks-division', name: '公園緑地課' } }));
  expect(status).toBe(403);
  expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/parks-division/), extensions: { code: 'FORBIDDEN', reason: 'unknown_department' } });
});

test('a revoked subject: 401 with an invalid_token challenge', async () => {
  const { status, body, headers } = await post(identity({ subject: 'dev:revoked-clerk' }));
  expect(status).toBe(401);
  expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/revoked/), extensions: { code: 'UNAUTHENTICATED', reason: 'revoked' } });
  expect(headers.get('www-authenticate')).toMatch(/^Bearer realm="ward-gateway", error="invalid_token"/);
  // The HR reason stays in the rules and the audit trail, never in the response.
  expect(JSON.stringify(body)).not.toContain('異動');
});

test('a revocation added to the rules applies to the next request, without a restart', async () => {
  const who = identity({ subject: 'dev:branch-clerk', department: { id: DEPARTMENTS.setagayaBranch.id, name: DEPARTMENTS.setagayaBranch.name } });
  expect((await post(who)).status).toBe(200);
  const file = path.join(policyDir, 'revocations.yaml');
  fs.appendFileSync(file, `  - subject: dev:branch-clerk\n    revokedAt: "2026-11-01T09:00:00+09:00"\n    reason: 退職 (synthetic)\n    approvedBy: 世田谷総合支所長 (synthetic)\n`);
  expect(rules.reload()).toMatchObject({ ok: true });
  expect((await post(who)).status).toBe(401);
});
