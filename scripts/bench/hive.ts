/**
 * The Hive Gateway contender: `hive-gateway supergraph FILE --port N` with a config file the
 * bench writes. Hive does not speak our signed-identity protocol, and a fixed header would not do
 * (a subgraph answers a token once, for one body, within seconds), so the config's plugin does what our gateway
 * does in SubgraphDataSource: verifies the caller's dev token (ES256, the dev key), then signs the
 * caller's identity for each subgraph call (bound to its body) with the gateway identity
 * key the subgraphs trust (HS256 with the subgraph's own key, as ours). No bypass in the subgraphs. Hive's in-flight deduplication of subgraph
 * requests is switched off (see the config below).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BODY_DIGEST_CLAIM, IDENTITY_HEADER, IDENTITY_ISSUER, IDENTITY_LIFETIME_SECONDS, IDENTITY_TOKEN_TYPE } from '../../lib/gateway-identity';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../gateway/config';

export interface HiveConfigOptions {
  readonly dir: string;
  readonly devKeysPath: string;
  readonly identityKeysPath: string;
  /** The gateway's HMAC key per subgraph (lib/subgraph-keys.ts): Hive signs each call as ours does. */
  readonly subgraphKeysPath: string;
  /** Hive Gateway with the Rust query planner (`@graphql-hive/router-runtime`'s unifiedGraphHandler) instead of its default. */
  readonly routerRuntime?: boolean;
  /** origin (http://127.0.0.1:port) → subgraph name */
  readonly subgraphByOrigin: Readonly<Record<string, string>>;
  readonly ruleVersion: string;
}

/** Writes `gateway.config.mjs` into `dir`; returns its path. */
export function writeHiveConfig(options: HiveConfigOptions): string {
  const file = path.join(options.dir, options.routerRuntime ? 'hive-gateway-router.config.mjs' : 'hive-gateway.config.mjs');
  const source = `// Written by scripts/bench/hive.ts for npm run bench. Do not edit.
import fs from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, base64url } from 'jose';
${options.routerRuntime ? "import { unifiedGraphHandler } from '@graphql-hive/router-runtime';\n" : ''}const subgraphKeys = JSON.parse(fs.readFileSync(${JSON.stringify(options.subgraphKeysPath)}, 'utf8'));

const devKeys = JSON.parse(fs.readFileSync(${JSON.stringify(options.devKeysPath)}, 'utf8'));
const identityKeys = JSON.parse(fs.readFileSync(${JSON.stringify(options.identityKeysPath)}, 'utf8'));
const accessKeys = createLocalJWKSet({ keys: [devKeys.publicJwk] });
const signingKey = await importJWK(identityKeys.privateJwk, 'ES256');
const SUBGRAPHS = ${JSON.stringify(options.subgraphByOrigin)};
const RULE_VERSION = ${JSON.stringify(options.ruleVersion)};

const callers = new WeakMap();
async function callerOf(context) {
  let caller = callers.get(context);
  if (!caller) {
    caller = (async () => {
      const header = context.request?.headers?.get('authorization') ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      const { payload } = await jwtVerify(token, accessKeys, { algorithms: ['ES256'], issuer: ${JSON.stringify(DEV_ISSUER)}, audience: ${JSON.stringify(DEV_AUDIENCE)}, clockTolerance: 30 });
      const amr = Array.isArray(payload.amr) ? payload.amr : [];
      return {
        sub: payload.sub, department: payload.department_id, roles: payload.roles, purpose: payload.purpose,
        mfa: amr.includes('mfa') || (amr.includes('pwd') && amr.includes('hwk')),
        scopes: typeof payload.scope === 'string' ? payload.scope.split(/\\s+/).filter(Boolean) : [],
        requestId: randomUUID(),
      };
    })();
    callers.set(context, caller);
  }
  return caller;
}

// One token per subgraph call, bound to its body (bsh) like our gateway's (lib/gateway-identity.ts).
async function identityFor(context, audience, body) {
  const caller = await callerOf(context);
  const now = Math.floor(Date.now() / 1000);
  const bsh = createHash('sha256').update(Buffer.from(typeof body === 'string' ? body : '', 'utf8')).digest('base64url');
  return new SignJWT({ department: caller.department, roles: caller.roles, purpose: caller.purpose, mfa: caller.mfa, scopes: caller.scopes, ruleVersion: RULE_VERSION, requestId: caller.requestId, ${JSON.stringify(BODY_DIGEST_CLAIM)}: bsh })
    .setProtectedHeader(subgraphKeys[audience] ? { alg: 'HS256', typ: ${JSON.stringify(IDENTITY_TOKEN_TYPE)}, kid: subgraphKeys[audience].kid } : { alg: 'ES256', typ: ${JSON.stringify(IDENTITY_TOKEN_TYPE)}, kid: identityKeys.kid })
    .setSubject(caller.sub).setIssuer(${JSON.stringify(IDENTITY_ISSUER)}).setAudience(audience)
    .setIssuedAt(now).setExpirationTime(now + ${IDENTITY_LIFETIME_SECONDS}).setJti(randomUUID())
    .sign(subgraphKeys[audience] ? base64url.decode(subgraphKeys[audience].k) : signingKey);
}

export const gatewayConfig = {
  logging: 'error',${options.routerRuntime ? '\n  // The Rust query planner (issue 14 item 4).\n  unifiedGraphHandler,' : ''}
  // Hive by default merges identical in-flight subgraph requests (same URL and body) from
  // DIFFERENT callers into one fetch, keyed before onFetch adds the caller's identity: callers
  // would share the first caller's answer. Off, so every request is answered for its own caller,
  // as our gateway does.
  transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
  plugins: () => [
    {
      async onFetch({ url, options, setOptions, context }) {
        const subgraph = SUBGRAPHS[new URL(url).origin];
        if (!subgraph || !context) return;
        const headers = { ...(options.headers ?? {}), ${JSON.stringify(IDENTITY_HEADER)}: await identityFor(context, subgraph, options.body) };
        setOptions({ ...options, headers });
      },
    },
  ],
};
`;
  fs.writeFileSync(file, source);
  return file;
}

/** The project's supergraph with the subgraph URLs pointed at the bench's subgraph processes. */
export function writeHiveSupergraph(dir: string, supergraphSdl: string, urlByName: Readonly<Record<string, string>>): string {
  const file = path.join(dir, 'supergraph.hive.graphql');
  const rewritten = supergraphSdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (whole, name: string) =>
    urlByName[name] !== undefined ? `@join__graph(name: "${name}", url: "${urlByName[name]}")` : whole,
  );
  fs.writeFileSync(file, rewritten);
  return file;
}
