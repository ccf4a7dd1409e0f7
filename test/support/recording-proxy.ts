import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GRAPHQL_PATH } from '../../lib/subgraphs';

/** One request as it crossed the wire: what a listener on the plain-HTTP hop would capture. */
export interface CapturedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RecordingProxy {
  /** Its GraphQL URL (put it where the gateway expects the subgraph). */
  readonly url: string;
  readonly captured: CapturedRequest[];
  stop(): Promise<void>;
}

/**
 * A real HTTP server on loopback between the gateway and one subgraph: it records every request
 * (headers and body bytes) and forwards it unchanged to `target`, answering with the target's
 * answer. It stands for someone reading the gateway → subgraph hop. `target` is asked per request
 * (the subgraph may start after the proxy).
 */
export async function startRecordingProxy(target: () => string): Promise<RecordingProxy> {
  const captured: CapturedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      captured.push({ headers: { ...req.headers }, body });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
      }
      fetch(target(), { method: req.method, headers, ...(body.length > 0 ? { body } : {}) }).then(
        async (answer) => {
          const bytes = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(bytes);
        },
        () => {
          res.writeHead(502).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${GRAPHQL_PATH}`,
    captured,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
