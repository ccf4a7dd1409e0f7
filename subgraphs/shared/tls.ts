/**
 * HTTPS for a subgraph (issue 10.3: the gateway → subgraph hop carries the signed identity and
 * person data). Key and certificate come from configuration, as PEM files:
 * <PREFIX>_TLS_KEY_FILE / <PREFIX>_TLS_CERT_FILE for one subgraph (RESIDENTS_TLS_KEY_FILE …), else
 * SUBGRAPH_TLS_KEY_FILE / SUBGRAPH_TLS_CERT_FILE for all. Both or neither; without them the
 * subgraph serves plain HTTP. The gateway trusts the CA that signed the certificate (SUBGRAPH_CA_FILE).
 */
import fs from 'node:fs';
import path from 'node:path';
import { envPrefix, type SubgraphName } from '../../lib/subgraphs';
import { PROJECT_ROOT } from '../../lib/project-root';

export interface SubgraphTls {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate (chain). */
  readonly cert: string;
}


/** The subgraph's TLS key and certificate from the environment, or undefined (plain HTTP). Throws on a bad setting. */
export function loadSubgraphTls(name: SubgraphName, env: NodeJS.ProcessEnv = process.env): SubgraphTls | undefined {
  const read = (setting: string): { name: string; value: string } | undefined => {
    for (const variable of [`${envPrefix(name)}_${setting}`, `SUBGRAPH_${setting}`]) {
      const value = env[variable]?.trim();
      if (value) return { name: variable, value };
    }
    return undefined;
  };
  const key = read('TLS_KEY_FILE');
  const cert = read('TLS_CERT_FILE');
  if (!key && !cert) return undefined;
  if (!key || !cert) {
    throw new Error(`Invalid subgraph configuration: ${key ? key.name : cert!.name} is set without its pair (TLS_KEY_FILE and TLS_CERT_FILE go together)`);
  }
  const pem = (setting: { name: string; value: string }, marker: RegExp): string => {
    const file = path.resolve(PROJECT_ROOT, setting.value);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`Invalid subgraph configuration: ${setting.name} (${file}): cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // Never quote the file: it may hold a private key.
    if (!marker.test(text)) throw new Error(`Invalid subgraph configuration: ${setting.name} (${file}) is not a PEM file of the expected kind`);
    return text;
  };
  return { key: pem(key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/), cert: pem(cert, /-----BEGIN CERTIFICATE-----/) };
}
