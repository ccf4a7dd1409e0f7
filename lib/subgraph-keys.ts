/**
 * One HMAC key per subgraph for the gateway → subgraph identity (issue 14 item 2).
 *
 * Why: signing every subgraph call with ES256 and verifying it cost ~8% of the gateway's CPU and
 * as much in each subgraph; HS256 signs and verifies about 4× cheaper per CPU-second
 * (scripts/bench/identity-signing.ts; EdDSA measured no better than ES256). The strength is kept
 * by giving each subgraph ITS OWN key: a subgraph holds only its key, so what it could mint is
 * accepted by itself alone — it still cannot mint an identity for another subgraph, as with the
 * gateway's private key. Everything else is unchanged: per call, `aud` the subgraph, the body's
 * digest, a fresh `jti` accepted once, a lifetime of seconds.
 *
 * Key ids name their subgraph (`hmac-<subgraph>-<hex>`): a subgraph refusing a token made with
 * another subgraph's key can say so (wrong audience) without being able to verify it.
 *
 * Configuration: the gateway holds every subgraph's key (GATEWAY_SUBGRAPH_KEYS: a JSON object
 * `{ "<subgraph>": <oct JWK>, … }`, inline or a file), each subgraph only its own
 * (GATEWAY_SUBGRAPH_KEY: one oct JWK, inline or a file). Outside production, without them, the
 * keys are generated once into `gateway-subgraph-keys.json` next to the dev identity key pair.
 * Without any HMAC key the asymmetric key (GATEWAY_SIGNING_KEY / GATEWAY_VERIFY_KEY) signs, as
 * before; a subgraph given both accepts both (a key rotation from one to the other).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { ensurePrivateDirectory } from './private-files';
import { SUBGRAPH_NAMES, type SubgraphName } from './subgraphs';

export const SUBGRAPH_KEY_ALGORITHM = 'HS256';
/** Dev key file, next to the dev identity key pair (identityDevKeysPath). */
export const SUBGRAPH_DEV_KEYS_FILE = 'gateway-subgraph-keys.json';
/** 256-bit keys: as long as the HS256 output. */
const KEY_BYTES = 32;

export interface SubgraphKey {
  readonly kid: string;
  /** The raw secret. */
  readonly secret: Uint8Array;
}

const KID_PATTERN = /^hmac-([a-z][a-z0-9-]*)-[0-9a-f]{8,}$/;

/** The subgraph a key id names, if it is an HMAC subgraph key id. */
export function subgraphOfKeyId(kid: unknown): string | undefined {
  if (typeof kid !== 'string') return undefined;
  const match = KID_PATTERN.exec(kid);
  if (!match) return undefined;
  const name = match[1] as string;
  // `hmac-juki-cs-…`: the longest subgraph name that prefixes the rest.
  return SUBGRAPH_NAMES.filter((candidate) => kid.startsWith(`hmac-${candidate}-`)).sort((a, b) => b.length - a.length)[0] ?? name;
}

/** Where the dev keys live: next to the dev identity key pair. */
export function subgraphDevKeysPath(identityDevKeysPath: string): string {
  return path.join(path.dirname(identityDevKeysPath), SUBGRAPH_DEV_KEYS_FILE);
}

/** A JWK as a subgraph key, or a sentence saying why not (never quoting the key). */
export function subgraphKeyOf(subgraph: string, jwk: unknown, where: string): { ok: true; key: SubgraphKey } | { ok: false; problem: string } {
  const key = jwk as JWK | null;
  if (typeof key !== 'object' || key === null || key.kty !== 'oct' || typeof key.k !== 'string') return { ok: false, problem: `${where}: the key for ${subgraph} must be a symmetric JWK (kty oct, k)` };
  const secret = Buffer.from(key.k, 'base64url');
  if (secret.length < KEY_BYTES) return { ok: false, problem: `${where}: the key for ${subgraph} must hold at least ${KEY_BYTES} bytes` };
  if (subgraphOfKeyId(key.kid) !== subgraph) return { ok: false, problem: `${where}: the key for ${subgraph} needs a kid "hmac-${subgraph}-<hex>"` };
  return { ok: true, key: { kid: key.kid as string, secret: new Uint8Array(secret) } };
}

/** A new key for a subgraph. */
export function newSubgraphJwk(subgraph: string): JWK {
  return { kty: 'oct', k: randomBytes(KEY_BYTES).toString('base64url'), kid: `hmac-${subgraph}-${randomBytes(6).toString('hex')}`, alg: SUBGRAPH_KEY_ALGORITHM, use: 'sig' };
}

/** Reads a setting: inline JSON, or a file holding it (relative to `baseDir`). */
function readJsonSetting(name: string, value: string, baseDir: string): { ok: true; json: unknown; where: string } | { ok: false; problem: string } {
  let text = value;
  let where = name;
  if (!value.trimStart().startsWith('{')) {
    const file = path.resolve(baseDir, value);
    where = `${name} (${file})`;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return { ok: false, problem: `${where}: cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
  }
  try {
    return { ok: true, json: JSON.parse(text), where };
  } catch {
    return { ok: false, problem: `${where} is not JSON` };
  }
}

/** GATEWAY_SUBGRAPH_KEYS (the gateway): one key for every subgraph. */
export function readGatewaySubgraphKeys(name: string, value: string, baseDir: string): { ok: true; keys: Record<string, JWK> } | { ok: false; problem: string } {
  const read = readJsonSetting(name, value, baseDir);
  if (!read.ok) return read;
  const record = read.json as Record<string, unknown>;
  const problems: string[] = [];
  for (const subgraph of SUBGRAPH_NAMES) {
    const checked = subgraphKeyOf(subgraph, record?.[subgraph], read.where);
    if (!checked.ok) problems.push(checked.problem);
  }
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return { ok: true, keys: Object.fromEntries(SUBGRAPH_NAMES.map((subgraph) => [subgraph, record[subgraph] as JWK])) };
}

/** GATEWAY_SUBGRAPH_KEY (a subgraph): its own key only. */
export function readOwnSubgraphKey(subgraph: SubgraphName, name: string, value: string, baseDir: string): { ok: true; key: JWK } | { ok: false; problem: string } {
  const read = readJsonSetting(name, value, baseDir);
  if (!read.ok) return read;
  const checked = subgraphKeyOf(subgraph, read.json, read.where);
  return checked.ok ? { ok: true, key: read.json as JWK } : checked;
}

/**
 * The dev keys of every subgraph, generated on first use. The gateway and the subgraphs may
 * arrive here at once: created atomically (the file appears complete or not at all; the loser of
 * a race reads the winner's keys).
 */
export function loadOrCreateSubgraphDevKeys(filePath: string): Record<string, JWK> {
  if (!fs.existsSync(filePath)) {
    ensurePrivateDirectory(path.dirname(filePath));
    const keys = Object.fromEntries(SUBGRAPH_NAMES.map((subgraph) => [subgraph, newSubgraphJwk(subgraph)]));
    const temporary = `${filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    try {
      fs.linkSync(temporary, filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  const read = readGatewaySubgraphKeys('dev subgraph keys', filePath, '/');
  if (!read.ok) throw new Error(`${read.problem}. Delete the file to generate new keys.`);
  return read.keys;
}
