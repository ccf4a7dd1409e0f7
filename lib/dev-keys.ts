import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { ensurePrivateDirectory } from './private-files';

export const DEV_KEY_ALGORITHM = 'ES256';

/** Shape of `data/dev-keys.json`. */
interface DevKeysFile {
  readonly alg: typeof DEV_KEY_ALGORITHM;
  readonly kid: string;
  readonly createdAt: string;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

export interface DevKeys {
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly publicKey: KeyLike;
  readonly privateKey: KeyLike;
}

/**
 * Loads the dev signing key pair, generating it on first use. The gateway (verifying) and
 * `npm run token` (signing) may both arrive here first, so creation is atomic: the file appears
 * complete or not at all, and the loser of a race reads the winner's keys.
 */
export async function loadOrCreateDevKeys(filePath: string): Promise<DevKeys> {
  if (!fs.existsSync(filePath)) await createDevKeysFile(filePath);
  return readDevKeys(filePath);
}

async function readDevKeys(filePath: string): Promise<DevKeys> {
  let parsed: DevKeysFile;
  try {
    parsed = JSON.parse(fs.readFileSync(filePath, 'utf8')) as DevKeysFile;
  } catch (error) {
    throw new Error(`Cannot read dev keys from ${filePath}: ${(error as Error).message}. Delete the file to generate a new pair.`);
  }
  if (parsed.alg !== DEV_KEY_ALGORITHM || typeof parsed.kid !== 'string' || !parsed.publicJwk || !parsed.privateJwk) {
    throw new Error(`Dev keys file ${filePath} is not an ${DEV_KEY_ALGORITHM} key pair. Delete it to generate a new pair.`);
  }
  const publicKey = await importJWK(parsed.publicJwk, DEV_KEY_ALGORITHM);
  const privateKey = await importJWK(parsed.privateJwk, DEV_KEY_ALGORITHM);
  if (publicKey instanceof Uint8Array || privateKey instanceof Uint8Array) {
    throw new Error(`Dev keys file ${filePath} holds a symmetric key; expected ${DEV_KEY_ALGORITHM}.`);
  }
  return { kid: parsed.kid, publicJwk: parsed.publicJwk, publicKey, privateKey };
}

async function createDevKeysFile(filePath: string): Promise<void> {
  const { publicKey, privateKey } = await generateKeyPair(DEV_KEY_ALGORITHM, { extractable: true });
  const kid = `dev-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: DEV_KEY_ALGORITHM, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: DEV_KEY_ALGORITHM, use: 'sig' };
  const file: DevKeysFile = { alg: DEV_KEY_ALGORITHM, kid, createdAt: new Date().toISOString(), publicJwk, privateJwk };

  ensurePrivateDirectory(path.dirname(filePath));
  const temporary = `${filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  try {
    // link() fails when the target exists, unlike rename(): first writer wins, nobody overwrites.
    fs.linkSync(temporary, filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
