import path from 'node:path';
import { graphqlBody, postGraphQL, type GraphQLResult } from './graphql';
import { devIdentityClaims } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { createIdentitySigner, type IdentitySigner } from '../../gateway/identity-signing';
import { IDENTITY_HEADER, identityDevKeysPath, type IdentityClaims } from '../../lib/gateway-identity';
import { DEFAULT_POLICY_DIR } from '../../lib/policy/files';
import { loadPolicy } from '../../lib/policy/load';

/**
 * Subgraphs answer only requests carrying an identity signed by the gateway. Tests that call a
 * subgraph directly sign one the way the gateway does (gateway/identity-signing.ts), with the key
 * pair the subgraph verifies against: by default the dev key pair the environment names
 * (global setup points GATEWAY_IDENTITY_DEV_KEYS_PATH into the test data), or a federation's
 * (`federation.identityKeysPath`).
 */

const signers = new Map<string, Promise<IdentitySigner>>();

export function defaultIdentityKeysPath(): string {
  return identityDevKeysPath((name) => process.env[name]?.trim() || undefined, path.resolve(__dirname, '..', '..'));
}

function signerFor(keysPath: string): Promise<IdentitySigner> {
  let signer = signers.get(keysPath);
  if (!signer) signers.set(keysPath, (signer = createIdentitySigner({ source: 'dev', keysPath })));
  return signer;
}

let ruleVersion: string | undefined;

/** The claims the gateway would sign for a persona (its default purpose unless given). */
export function personaClaims(personaId: string, overrides: Partial<IdentityClaims> = {}): IdentityClaims {
  const persona = findPersona(personaId);
  if (!persona) throw new Error(`unknown persona ${personaId}`);
  ruleVersion ??= loadPolicy(DEFAULT_POLICY_DIR).version;
  return { ...devIdentityClaims(persona, ruleVersion, 'test-request'), ...overrides };
}

export interface SignedIdentityOptions {
  /** Default: defaultIdentityKeysPath(). */
  keysPath?: string;
  /** Claims to change (purpose, mfa …). */
  claims?: Partial<IdentityClaims>;
}

/**
 * A signed identity for one call to `subgraph` (its `aud`) carrying exactly `body`, as the
 * gateway would send it for `persona`: a subgraph answers it once, and only with that body.
 */
export async function signIdentity(subgraph: string, persona: string, body: string, options: SignedIdentityOptions = {}): Promise<string> {
  const signer = await signerFor(options.keysPath ?? defaultIdentityKeysPath());
  return signer.sign(personaClaims(persona, options.claims), subgraph, Buffer.from(body, 'utf8'));
}

/**
 * `postGraphQL` to a running subgraph as the gateway would send it for `persona`: with a fresh
 * identity signed for that subgraph and that body (by default with the key pair of
 * defaultIdentityKeysPath; a federation's is `federation.identityKeysPath`).
 */
export async function postToSubgraph<TData = Record<string, any>>(
  subgraph: { name: string; url: string },
  query: string,
  variables?: Record<string, unknown>,
  persona = 'registry-clerk',
  options: SignedIdentityOptions = {},
): Promise<GraphQLResult<TData>> {
  const header = await signIdentity(subgraph.name, persona, graphqlBody(query, variables), options);
  return postGraphQL<TData>(subgraph.url, query, variables, { [IDENTITY_HEADER]: header });
}
