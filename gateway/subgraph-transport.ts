/**
 * The connection pool the gateway calls its subgraphs through (undici, Node's own HTTP client).
 * With SUBGRAPH_CA_FILE set, an https subgraph URL is trusted only when its server certificate
 * chains to THAT certificate authority (the ward's internal CA), not to the public roots: a
 * certificate from any other CA is refused, so the identity header and the answers cannot be read
 * or changed on the way (issue 10.3). Without it, https URLs use Node's default roots.
 */
import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher } from 'undici';

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
    // A call's deadline is callSubgraph's (below); these only bound idle sockets.
    keepAliveTimeout: 4_000,
    ...(settings.caPem !== undefined ? { connect: { ca: settings.caPem, rejectUnauthorized: true } } : {}),
  });
}

/** What a subgraph call answers: the part of the Fetch API's Response that RemoteGraphQLDataSource and the gateway read. */
export interface SubgraphResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

export interface SubgraphCall {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes sent (the identity token is signed over them). */
  readonly body: Buffer;
  /** Deadline of the whole call, its answer's body included. */
  readonly timeoutMs: number;
}

/** origin and path of each subgraph URL, parsed once (a gateway calls a handful of URLs). */
const targets = new Map<string, { readonly origin: string; readonly path: string }>();

function targetOf(url: string): { readonly origin: string; readonly path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    targets.set(url, (target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }));
  }
  return target;
}

/**
 * One call to a subgraph through undici's own request API (`Dispatcher.request`) rather than its
 * `fetch`: the same connection pool and TLS trust, without the WHATWG Request, Response, Headers
 * and web-stream objects fetch builds around every call (on Node 20 each web stream is also made
 * transferable). Measured alone (`npx tsx scripts/bench/subgraph-call-cost.ts`): about a quarter
 * of fetch's CPU per call, on the gateway's request thread.
 *
 * The deadline covers the whole call, as `AbortSignal.timeout` on fetch did: connecting, the
 * answer's headers and its body, until the body is read (`json`/`text`). It rejects with a
 * DOMException named TimeoutError, as fetch did; an unreachable subgraph rejects with the
 * socket's error (`code`: ECONNREFUSED …). Redirects are not followed (the signed identity goes
 * to the subgraph's URL only), and a compressed answer is refused: it asks for `identity`.
 */
export async function callSubgraph(dispatcher: Dispatcher, url: string, call: SubgraphCall): Promise<SubgraphResponse> {
  const { origin, path } = targetOf(url);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), call.timeoutMs);
  timer.unref();
  let answer: Dispatcher.ResponseData;
  try {
    // identity: the request API, unlike fetch, decodes no compressed body (and none is wanted).
    answer = await dispatcher.request({ origin, path, method: call.method as Dispatcher.HttpMethod, headers: { 'accept-encoding': 'identity', ...call.headers }, body: call.body, signal: deadline.signal });
  } catch (error) {
    clearTimeout(timer);
    throw error;
  }
  const { statusCode, headers, body } = answer;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    // Compressed all the same (a proxy on the way): refused as unreadable rather than parsed as bytes.
    clearTimeout(timer);
    await body.dump().catch(() => undefined);
    throw new Error(`subgraph answer encoded as ${String(encoding)}; the gateway accepts only identity`);
  }
  // The deadline ends once the body is read, or failed to be.
  const read = <T>(reading: Promise<T>): Promise<T> => reading.finally(() => clearTimeout(timer));
  return {
    status: statusCode,
    ok: statusCode >= 200 && statusCode < 300,
    statusText: STATUS_CODES[statusCode] ?? '',
    url,
    headers: {
      get(name: string): string | null {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    json: () => read(body.json()),
    text: () => read(body.text()),
  };
}
