/**
 * Pools of distinct credentials, rotated per request by autocannon's `setupRequest`, so every
 * request in a run carries an `Authorization` (or signed identity) value of its own as long as
 * the pool is larger than the run's request count (the JSON reports how many repeated).
 */
import { randomUUID } from 'node:crypto';
import { loadOrCreateDevKeys, type DevKeys } from '../../lib/dev-keys';
import { devIdentityClaims, mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona, type Persona } from '../../gateway/auth/personas';
import { createIdentitySigner, type IdentitySigner } from '../../gateway/identity-signing';
import type { SubgraphName } from '../../lib/subgraphs';

export interface HeaderPool {
  readonly header: string;
  /** The value for the next request (round robin). */
  next(): string;
  readonly size: number;
  /** Re-mints the pool (signed identities live 60 s); no-op for access tokens. */
  refresh(): Promise<void>;
}

export function personaOf(id: string): Persona {
  const persona = findPersona(id);
  if (!persona) throw new Error(`unknown persona ${id}`);
  return persona;
}

function roundRobin(values: string[]): () => string {
  let index = 0;
  return () => {
    const value = values[index % values.length] as string;
    index += 1;
    return value;
  };
}

/**
 * `Authorization: Bearer <dev token>`, each token with its own jti and, unless `oneUser`, its own
 * user (`dev:<persona>.<n>`, same department, roles and purpose): a counter of many clerks, so
 * that the per-user limits (policy/limits.yaml) are checked on every request but do not refuse a
 * load no one person could send. `oneUser`: every token is the persona itself.
 */
export async function accessTokenPool(keysPath: string, personaId: string, size: number, oneUser = false): Promise<HeaderPool> {
  const keys: DevKeys = await loadOrCreateDevKeys(keysPath);
  const persona = personaOf(personaId);
  const values: string[] = [];
  for (let i = 0; i < size; i += 1) {
    const user = oneUser ? persona : { ...persona, id: `${persona.id}.${i}` as Persona['id'] };
    values.push(`Bearer ${(await mintDevToken({ persona: user, keys, expiresIn: '8h' })).token}`);
  }
  return { header: 'authorization', next: roundRobin(values), size, refresh: async () => undefined };
}

/**
 * `x-gateway-identity` signed like the gateway does (gateway/identity-signing.ts) for a direct
 * subgraph call with `body`: each token is answered once and lives seconds, so the pool is
 * re-minted every few seconds during a run, and a run longer than the pool gets 401s (non2xx).
 */
export async function identityPool(identityKeysPath: string, subgraph: SubgraphName, personaId: string, ruleVersion: string, size: number, body: string): Promise<HeaderPool> {
  const signer: IdentitySigner = await createIdentitySigner({ source: 'dev', keysPath: identityKeysPath });
  const persona = personaOf(personaId);
  let values: string[] = [];
  let next = roundRobin(values);
  const mint = async () => {
    const fresh: string[] = [];
    for (let i = 0; i < size; i += 1) {
      fresh.push(await signer.sign(devIdentityClaims(persona, ruleVersion, randomUUID()), subgraph, Buffer.from(body, 'utf8')));
    }
    values = fresh;
    next = roundRobin(values);
  };
  await mint();
  return { header: 'x-gateway-identity', next: () => next(), size, refresh: mint };
}
