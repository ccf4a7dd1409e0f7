import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { loadConfig } from '../../gateway/config';
import { configProblems } from './helpers';
import { GRAPHQL_PATH } from '../../lib/subgraphs';
import { loadSubgraphTls } from '../../subgraphs/shared/tls';
import { startFederation, type Federation } from '../support/federation';
import { createTestCa, issueServerCertificate } from '../support/test-ca';

/**
 * The gateway → subgraph hop (issue 10.3 and issue 9.7):
 * - HTTPS with a CA the test makes: the subgraphs serve certificates it signed, the gateway
 *   trusts it (SUBGRAPH_CA_FILE), and a subgraph whose certificate another CA signed is refused;
 * - a deadline per call: a subgraph that accepts the connection and never answers gives the caller
 *   partial data with SUBGRAPH_TIMEOUT, its connection is closed, and the gateway answers the next
 *   request.
 */

/**
 * A real HTTP server on loopback standing in for a subgraph that misbehaves: it reads each
 * request and then sends nothing (`silent`); the answer's headers and the start of a JSON body,
 * then nothing more (`stalls-in-body`); a 502 whose HTML quotes an internal address
 * (`answers-502`); a redirect to an internal address (`redirects`); or a valid answer compressed
 * although the gateway asked for none (`gzips`).
 */
interface SilentServer {
  readonly url: string;
  mode: 'silent' | 'stalls-in-body' | 'answers-502' | 'redirects' | 'gzips';
  /** Requests received. */
  requests(): number;
  /** Requests whose connection is still open (held by the other side). */
  held(): number;
  stop(): Promise<void>;
}

/** An address of the ward's inside network, as a misbehaving subgraph or proxy might quote it. */
const INTERNAL_ADDRESS = '10.1.2.3';

async function startSilentServer(): Promise<SilentServer> {
  const waiting = new Set<http.IncomingMessage>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    requests += 1;
    waiting.add(req);
    req.socket.on('close', () => waiting.delete(req));
    switch (silentServer.mode) {
      case 'stalls-in-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":{"_entities":[');
        return;
      case 'answers-502':
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end(`<html>bad gateway: upstream ${INTERNAL_ADDRESS}:8443 refused</html>`);
        return;
      case 'redirects':
        res.writeHead(307, { location: `http://${INTERNAL_ADDRESS}/graphql`, 'content-type': 'text/plain' });
        res.end(`moved to ${INTERNAL_ADDRESS}`);
        return;
      case 'gzips':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync(JSON.stringify({ data: { _entities: [] } })));
        return;
      default:
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const silentServer: SilentServer = {
    url: `http://127.0.0.1:${port}${GRAPHQL_PATH}`,
    mode: 'silent',
    requests: () => requests,
    held: () => waiting.size,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return silentServer;
}

let dir: string;
let federation: Federation;
let silent: SilentServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-hop-'));
  const wardCa = createTestCa(dir, 'ward');
  const otherCa = createTestCa(dir, 'other');
  const good = issueServerCertificate(wardCa, dir, 'subgraph');
  const rogue = issueServerCertificate(otherCa, dir, 'rogue');
  silent = await startSilentServer();
  federation = await startFederation({
    subgraphTls: { residents: good, 'juki-cs': good, audit: good, 'card-progress': rogue },
    gatewayEnv: {
      SUBGRAPH_CA_FILE: wardCa.certFile,
      // intermediate is the silent server; only its deadline is short (per subgraph), the others keep the default.
      INTERMEDIATE_URL: silent.url,
      INTERMEDIATE_TIMEOUT_MS: '500',
    },
  });
}, 120_000);

afterAll(async () => {
  await federation?.stop();
  await silent?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const PERSON = `resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}")`;

describe('HTTPS between the gateway and the subgraphs, with a configured CA', () => {
  test('the subgraphs serve https; a federated query over them is answered', async () => {
    expect(federation.subgraphs.residents.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(federation.subgraphs['juki-cs'].url).toMatch(/^https:/);
    const { status, body } = await federation.query<Record<string, any>>('registry-clerk', `{ ${PERSON} { id name { kanji } identityInfo { residentCode } } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.resident).toMatchObject({ id: FIXTURE_FIRST_RESIDENT.addressNumber, identityInfo: { residentCode: FIXTURE_FIRST_RESIDENT.residentCode } });
  });

  test('a plain-HTTP client cannot talk to an https subgraph', async () => {
    await expect(fetch(federation.subgraphs.residents.url.replace(/^https/, 'http'), { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  test('a subgraph whose certificate another CA signed is refused: its part is null with SUBGRAPH_UNAVAILABLE, nothing was read there', async () => {
    federation.resetStatements();
    const { status, body, raw } = await federation.query<Record<string, any>>('registry-clerk', `{ ${PERSON} { id myNumberCard { status } } }`);
    expect(status).toBe(200);
    expect(body.data?.resident).toEqual({ id: FIXTURE_FIRST_RESIDENT.addressNumber, myNumberCard: null });
    expect(body.errors?.map((error) => [error.extensions?.code, error.extensions?.serviceName])).toEqual([['SUBGRAPH_UNAVAILABLE', 'card-progress']]);
    expect(federation.statements['card-progress']).toEqual([]);
    // Neither the certificate problem nor an internal address reaches the caller.
    expect(raw).not.toMatch(/certificate|127\.0\.0\.1|https?:/i);
  });
});

describe('a deadline for each subgraph call', () => {
  test('a subgraph that never answers: partial data with SUBGRAPH_TIMEOUT, the connection is closed, the next request is answered', async () => {
    const before = silent.requests();
    const { status, body, raw } = await federation.query<Record<string, any>>('registry-clerk', `{ ${PERSON} { id name { kanji } informationLinkage { codeStatus } } }`);
    expect(status).toBe(200);
    expect(body.data?.resident).toMatchObject({ id: FIXTURE_FIRST_RESIDENT.addressNumber, informationLinkage: null });
    expect(body.data?.resident.name.kanji).toBeTruthy();
    expect(body.errors?.map((error) => [error.extensions?.code, error.extensions?.serviceName])).toEqual([['SUBGRAPH_TIMEOUT', 'intermediate']]);
    expect(raw).not.toMatch(/127\.0\.0\.1|https?:/);
    expect(silent.requests() - before).toBe(1);
    // The gateway gave up on the request and closed its connection rather than hold it.
    for (let i = 0; i < 100 && silent.held() > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(silent.held()).toBe(0);

    const next = await federation.query<Record<string, any>>('registry-clerk', `{ ${PERSON} { id identityInfo { residentCode } } }`);
    expect(next.status).toBe(200);
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data?.resident.identityInfo.residentCode).toBe(FIXTURE_FIRST_RESIDENT.residentCode);
  });

  test('a subgraph that sends its headers and part of its body, then nothing: the deadline covers the body too', async () => {
    silent.mode = 'stalls-in-body';
    try {
      const before = silent.requests();
      const started = Date.now();
      const { status, body, raw } = await federation.query<Record<string, any>>('registry-clerk', `{ ${PERSON} { id informationLinkage { codeStatus } } }`);
      expect(status).toBe(200);
      expect(body.data?.resident).toEqual({ id: FIXTURE_FIRST_RESIDENT.addressNumber, informationLinkage: null });
      expect(body.errors?.map((error) => [error.extensions?.code, error.extensions?.serviceName])).toEqual([['SUBGRAPH_TIMEOUT', 'intermediate']]);
      expect(raw).not.toMatch(/127\.0\.0\.1|https?:/);
      expect(silent.requests() - before).toBe(1);
      // Answered at the subgraph's deadline (500 ms), not held for the default 10 s.
      expect(Date.now() - started).toBeLessThan(5_000);
      for (let i = 0; i < 100 && silent.held() > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(silent.held()).toBe(0);
    } finally {
      silent.mode = 'silent';
    }
  });
});

describe("a subgraph answer the gateway cannot use is reported by the subgraph's name only", () => {
  test.each([
    ['answers-502', 'a 502 whose body quotes an internal address'],
    ['redirects', 'a redirect to an internal address (not followed: the identity goes to the subgraph only)'],
    ['gzips', 'a compressed answer the gateway did not ask for'],
  ] as const)("%s: %s → SUBGRAPH_UNAVAILABLE, the other subgraphs' data, no address, status or body", async (mode, _what) => {
    silent.mode = mode;
    try {
      const before = silent.requests();
      const { status, body, raw } = await federation.query<Record<string, any>>('registry-clerk', `{ ${PERSON} { id name { kanji } informationLinkage { codeStatus } } }`);
      expect(status).toBe(200);
      expect(body.data?.resident).toMatchObject({ id: FIXTURE_FIRST_RESIDENT.addressNumber, informationLinkage: null });
      expect(body.errors?.map((error) => [error.message, error.extensions])).toEqual([['The intermediate subgraph is unavailable', { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'intermediate' }]]);
      expect(raw).not.toMatch(/10\.1\.2\.3|127\.0\.0\.1|https?:|502|307|gzip|html/i);
      // Asked once: a redirect is not followed.
      expect(silent.requests() - before).toBe(1);
    } finally {
      silent.mode = 'silent';
    }
  });
});

describe('configuration', () => {
  const base = { AUTH_MODE: 'dev' };
  const problemsOf = configProblems;

  test('timeouts: 10 s by default, SUBGRAPH_TIMEOUT_MS for all, <PREFIX>_TIMEOUT_MS for one; out of range is a problem', () => {
    expect(loadConfig(base).subgraphTimeoutsMs).toEqual({ residents: 10000, 'juki-cs': 10000, intermediate: 10000, 'card-progress': 10000, audit: 10000 });
    expect(loadConfig({ ...base, SUBGRAPH_TIMEOUT_MS: '2000', JUKI_CS_TIMEOUT_MS: '8000' }).subgraphTimeoutsMs).toMatchObject({ residents: 2000, 'juki-cs': 8000 });
    expect(problemsOf({ ...base, SUBGRAPH_TIMEOUT_MS: '0' })).toEqual([expect.stringMatching(/SUBGRAPH_TIMEOUT_MS must be a whole number of milliseconds from 100 to 120000/)]);
    expect(problemsOf({ ...base, RESIDENTS_TIMEOUT_MS: '5s' })).toEqual([expect.stringMatching(/RESIDENTS_TIMEOUT_MS must be/)]);
  });

  test('identity lifetime: 10 s by default, 1–60 when set', () => {
    expect(loadConfig(base).identityWindow).toEqual({ lifetimeSeconds: 10, clockToleranceSeconds: 2 });
    expect(loadConfig({ ...base, GATEWAY_IDENTITY_LIFETIME_SECONDS: '30' }).identityWindow.lifetimeSeconds).toBe(30);
    expect(problemsOf({ ...base, GATEWAY_IDENTITY_LIFETIME_SECONDS: '3600' })).toEqual([expect.stringMatching(/GATEWAY_IDENTITY_LIFETIME_SECONDS must be a whole number of seconds from 1 to 60/)]);
  });

  test('SUBGRAPH_CA_FILE must be a readable PEM certificate; subgraph TLS files come in pairs and are never quoted', () => {
    expect(problemsOf({ ...base, SUBGRAPH_CA_FILE: '/nonexistent/ca.pem' })).toEqual([expect.stringMatching(/SUBGRAPH_CA_FILE .* cannot read the file: ENOENT/)]);
    const notPem = path.join(dir, 'not.pem');
    fs.writeFileSync(notPem, 'secret-material');
    expect(problemsOf({ ...base, SUBGRAPH_CA_FILE: notPem })).toEqual([expect.stringMatching(/holds no PEM certificate/)]);
    expect(loadSubgraphTls('residents', {})).toBeUndefined();
    expect(() => loadSubgraphTls('residents', { SUBGRAPH_TLS_CERT_FILE: notPem })).toThrow(/SUBGRAPH_TLS_CERT_FILE is set without its pair/);
    let message = '';
    try {
      loadSubgraphTls('residents', { RESIDENTS_TLS_KEY_FILE: notPem, SUBGRAPH_TLS_CERT_FILE: notPem });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/RESIDENTS_TLS_KEY_FILE .* is not a PEM file of the expected kind/);
    expect(message).not.toContain('secret-material');
  });
});
