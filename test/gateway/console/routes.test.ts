import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { decodeJwt } from 'jose';
import { consoleRoutes } from '../../../gateway/console/routes';
import { buildConsoleBundle } from '../../../gateway/console/bundle';
import type { AuthConfig } from '../../../gateway/config';
import { createLogger } from '../../../lib/logger';

/**
 * The console as the gateway serves it: a Japanese page whose every asset comes from the gateway
 * (CSP 'self'), a bundle that is the same bytes on every build (so it need not be committed), and
 * a persona picker that exists in dev mode only.
 */

const common = { issuer: 'iss', audience: 'aud', algorithms: ['ES256'] as const, clockToleranceSeconds: 5 };

async function serve(auth: AuthConfig): Promise<{ origin: string; close: () => Promise<void> }> {
  const app = express();
  app.use(consoleRoutes({ auth, logger: createLogger('console-test', 'silent') }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the console routes', () => {
  let dir: string;
  let dev: Awaited<ReturnType<typeof serve>>;
  let oidc: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-console-routes-'));
    dev = await serve({ ...common, algorithms: ['ES256'], mode: 'dev', devKeysPath: path.join(dir, 'dev-keys.json') });
    oidc = await serve({ ...common, algorithms: ['ES256'], mode: 'oidc', jwksUrl: new URL('http://127.0.0.1:9/jwks') });
  });

  afterAll(async () => {
    await dev?.close();
    await oidc?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('/console redirects to /console/, a Japanese page that loads only from the gateway', async () => {
    const redirect = await fetch(`${dev.origin}/console`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/console/']);
    const page = await fetch(`${dev.origin}/console/`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="ja">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    // Every src/href is a path on the gateway.
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(references).toEqual(['/console/console.css', '/console/console.js']);
  });

  test('the bundle is served (gzip, ETag) and unknown assets are 404', async () => {
    const js = await fetch(`${dev.origin}/console/console.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(100_000);
    const again = await fetch(`${dev.origin}/console/console.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${dev.origin}/console/other.js`)).status).toBe(404);
    expect((await fetch(`${dev.origin}/console/console.css`)).status).toBe(200);
  }, 60_000);

  test('two builds give the same bytes (reproducible, nothing to commit)', async () => {
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const [first, second] = [await buildConsoleBundle(), await buildConsoleBundle()];
    expect(digest(second.js)).toBe(digest(first.js));
    expect(digest(second.css)).toBe(digest(first.css));
    // No absolute path of this machine leaks into it.
    expect(first.js.toString('utf8')).not.toContain(path.resolve(__dirname, '..', '..', '..'));
  }, 60_000);

  test('the persona picker mints a dev token in dev mode only', async () => {
    const minted = await fetch(`${dev.origin}/console/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: 'security-officer' }) });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    expect(decodeJwt(token)).toMatchObject({ sub: 'dev:security-officer', roles: ['security-officer'], purpose: 'audit' });
    const unknown = await fetch(`${dev.origin}/console/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: 'nobody' }) });
    expect([unknown.status, ((await unknown.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code]).toEqual([400, 'UNKNOWN_PERSONA']);
    const malformed = await fetch(`${dev.origin}/console/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"persona":' });
    expect(malformed.status).toBe(400);
    const oversized = await fetch(`${dev.origin}/console/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: 'x'.repeat(5000) }) });
    expect(oversized.status).toBe(413);
    const production = await fetch(`${oidc.origin}/console/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: 'security-officer' }) });
    expect(production.status).toBe(404);
    const page = await (await fetch(`${oidc.origin}/console/`)).text();
    expect(page).toContain('"devSignIn":false');
  });
});
