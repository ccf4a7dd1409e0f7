/**
 * npx tsx scripts/bench/identity-signing.ts [--seconds 2] [--rounds 3]
 *
 * Issue 14 item 2: what one gateway → subgraph identity costs, sign + verify, per candidate —
 * ES256 (the dev default before), EdDSA (Ed25519) and HS256 with one key per subgraph — with the
 * protocol's claims as the gateway signs them (lib/gateway-identity.ts: typ, iss, aud = the
 * subgraph, iat/exp 10 s, a fresh jti, the body's SHA-256 in `bsh`) and the subgraph's checks
 * (jose jwtVerify with audience, issuer, typ, max age and required claims, then the body digest
 * compared and the jti remembered in the replay cache). Single thread, each candidate in turn,
 * repeated rounds, best round reported, counted per second of CPU time (see measure).
 * Not a test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { BODY_DIGEST_CLAIM, bodyDigestOf, IDENTITY_ISSUER, IDENTITY_TOKEN_TYPE } from '../../lib/gateway-identity';
import { ReplayCache } from '../../subgraphs/shared/replay-cache';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuthenticator } from '../../gateway/auth/authenticate';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { loadConfig } from '../../gateway/config';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } } });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

interface Candidate {
  readonly name: string;
  readonly alg: string;
  readonly signKey: KeyLike | Uint8Array;
  readonly verifyKey: KeyLike | Uint8Array;
}

const CLAIMS = {
  department: 'registry-division',
  roles: ['clerk'],
  purpose: 'resident-registry',
  mfa: true,
  scopes: ['residents:read'],
  ruleVersion: 'sha256:0123456789abcdef',
  requestId: randomUUID(),
};
const BODY = new TextEncoder().encode(JSON.stringify({ query: 'query ($id: ID!) { resident(id: $id) { name { kanji } birthDate } }', variables: { id: '0010000017' } }));

async function sign(candidate: Candidate, body: Uint8Array): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...CLAIMS, roles: [...CLAIMS.roles], scopes: [...CLAIMS.scopes], [BODY_DIGEST_CLAIM]: bodyDigestOf(body) })
    .setProtectedHeader({ alg: candidate.alg, typ: IDENTITY_TOKEN_TYPE, kid: 'k1' })
    .setSubject('registry-clerk')
    .setIssuer(IDENTITY_ISSUER)
    .setAudience('residents')
    .setIssuedAt(now)
    .setExpirationTime(now + 10)
    .setJti(randomUUID())
    .sign(candidate.signKey);
}

async function verify(candidate: Candidate, token: string, body: Uint8Array, replays: ReplayCache): Promise<void> {
  const { payload } = await jwtVerify(token, candidate.verifyKey, {
    algorithms: [candidate.alg],
    issuer: IDENTITY_ISSUER,
    audience: 'residents',
    typ: IDENTITY_TOKEN_TYPE,
    clockTolerance: 2,
    maxTokenAge: 10,
    requiredClaims: ['sub', 'iat', 'exp', 'jti', BODY_DIGEST_CLAIM],
  });
  if (payload[BODY_DIGEST_CLAIM] !== bodyDigestOf(body)) throw new Error('body mismatch');
  if (replays.remember(payload.jti as string, ((payload.exp as number) + 2) * 1000, Date.now()) !== 'first') throw new Error('replayed');
}

/**
 * Operations per second of this process's CPU time (user + system), not of the wall clock: on a
 * machine shared with other work the wall clock counts their time too, the CPU time only ours.
 * (jose signs and verifies synchronously with node:crypto under its async API: all on this thread.)
 */
async function measure(seconds: number, op: () => Promise<void>): Promise<number> {
  const until = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.cpuUsage();
  let count = 0;
  while (process.hrtime.bigint() < until) {
    await op();
    count += 1;
  }
  const used = process.cpuUsage(started);
  return count / ((used.user + used.system) / 1e6);
}

async function main(): Promise<void> {
  const es = await generateKeyPair('ES256');
  const ed = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const hmacKey = randomBytes(32);
  const candidates: Candidate[] = [
    { name: 'ES256 (P-256)', alg: 'ES256', signKey: es.privateKey, verifyKey: es.publicKey },
    { name: 'EdDSA (Ed25519)', alg: 'EdDSA', signKey: ed.privateKey, verifyKey: ed.publicKey },
    { name: 'HS256, one key per subgraph', alg: 'HS256', signKey: hmacKey, verifyKey: hmacKey },
  ];
  const results: { name: string; sign: number; verify: number; both: number }[] = [];
  for (const candidate of candidates) {
    const replays = new ReplayCache(10_000_000);
    const tokens: string[] = [];
    let best = { sign: 0, verify: 0, both: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      tokens.length = 0;
      const signRate = await measure(SECONDS, async () => void tokens.push(await sign(candidate, BODY)));
      let next = 0;
      const verifyRate = await measure(SECONDS, async () => {
        // Each token once (the replay cache would refuse a second time); sign more if verify outruns them.
        const token = next < tokens.length ? (tokens[next++] as string) : await sign(candidate, BODY);
        await verify(candidate, token, BODY, replays);
      });
      const bothRate = await measure(SECONDS, async () => verify(candidate, await sign(candidate, BODY), BODY, replays));
      best = { sign: Math.max(best.sign, signRate), verify: Math.max(best.verify, verifyRate), both: Math.max(best.both, bothRate) };
    }
    results.push({ name: candidate.name, ...best });
  }
  const base = results[0]!;
  const lines = [
    `Node ${process.version}, jose; best of ${ROUNDS} rounds × ${SECONDS} s per measure, one thread; ops per CPU-second.`,
    '',
    '| candidate | sign ops/s | verify ops/s (+ bsh + jti) | sign + verify ops/s | sign+verify ÷ ES256 |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.sign.toFixed(0)} | ${r.verify.toFixed(0)} | ${r.both.toFixed(0)} | ${(r.both / base.both).toFixed(2)}× |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await userTokens();
}

/**
 * The user's access token at the gateway (ES256 dev token): the authenticator verifying it every
 * time, against the verified-token cache recognising it (gateway/auth/authenticate.ts).
 */
async function userTokens(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-signing-'));
  try {
    const keysPath = path.join(dir, 'dev-keys.json');
    const keys = await loadOrCreateDevKeys(keysPath);
    const { token } = await mintDevToken({ persona: findPersona('registry-clerk')!, keys });
    const auth = loadConfig({ AUTH_DEV_KEYS_PATH: keysPath }).auth;
    const headers = { authorization: `Bearer ${token}` };
    const rates: Record<string, number> = {};
    for (const [name, cache] of [['verified every time', false], ['verified-token cache', {}]] as const) {
      const authenticator = await createAuthenticator(auth, cache);
      let best = 0;
      for (let round = 0; round < ROUNDS; round += 1) best = Math.max(best, await measure(SECONDS, async () => void (await authenticator.authenticate(headers))));
      rates[name] = best;
    }
    const uncached = rates['verified every time']!;
    process.stdout.write(
      ['', '| user token at the gateway | authentications per CPU-second | ÷ verified every time |', '|---|---:|---:|', ...Object.entries(rates).map(([name, rate]) => `| ${name} | ${rate.toFixed(0)} | ${(rate / uncached).toFixed(1)}× |`)].join('\n') + '\n',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`identity-signing bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
