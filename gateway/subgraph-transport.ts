/**
 * The connection pool the gateway calls its subgraphs through (undici, Node's own HTTP client).
 * With SUBGRAPH_CA_FILE set, an https subgraph URL is trusted only when its server certificate
 * chains to THAT certificate authority (the ward's internal CA), not to the public roots: a
 * certificate from any other CA is refused, so the identity header and the answers cannot be read
 * or changed on the way (issue 10.3). Without it, https URLs use Node's default roots.
 */
import { Agent } from 'undici';

/**
 * Default deadline of one subgraph call (SUBGRAPH_TIMEOUT_MS, <PREFIX>_TIMEOUT_MS): above a
 * 1,000-row page on a busy host, far below a held connection.
 */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000;

export interface SubgraphTlsSettings {
  /** PEM text of the CA(s) that sign subgraph server certificates. */
  readonly caPem?: string;
}

export function createSubgraphDispatcher(settings: SubgraphTlsSettings = {}): Agent {
  return new Agent({
    // A call's deadline is the data source's (AbortSignal.timeout); these only bound idle sockets.
    keepAliveTimeout: 4_000,
    ...(settings.caPem !== undefined ? { connect: { ca: settings.caPem, rejectUnauthorized: true } } : {}),
  });
}
