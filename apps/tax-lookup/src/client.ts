/**
 * The app's whole GraphQL client: a typed document goes out as its id alone (`documentId`, the
 * GraphQL over HTTP persisted-documents convention) — the gateway runs the text a security
 * officer approved, never one the app sends. Variables are the only input.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import appInfo from '../app.json';

export interface GatewayClientOptions {
  /** http://127.0.0.1:4000/graphql under `npm start`. */
  readonly url: string;
  /** The clerk's token (from the ward's identity provider; `npm run token -- tax-clerk` in development). */
  readonly token: string;
  /** X-Case-Id: the tax case the lookup is for, when the purpose requires one. */
  readonly caseId?: string;
}

export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface Result<TData> {
  readonly data: TData | null | undefined;
  /** Field-level refusals and other errors the gateway answered beside the data. */
  readonly errors: readonly { message: string; path?: readonly (string | number)[]; extensions?: { code?: string } }[];
}

/** The document's id as the client preset embedded it (`sha256:<hex>`). */
export function documentIdOf(document: DocumentNode): string {
  const id = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof id !== 'string') throw new Error('the document carries no persisted-document hash: run `npm run codegen`');
  return id;
}

export async function execute<TData, TVariables>(options: GatewayClientOptions, document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<Result<TData>> {
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${options.token}`,
      // Who is asking, as the audit trail names it (the registration names the same app and version).
      'apollographql-client-name': appInfo.name,
      'apollographql-client-version': appInfo.version,
      // The 事務 this app serves (app.json): the rules decide every field for it, and mask where they say so.
      'x-purpose': appInfo.purpose,
      ...(options.caseId ? { 'x-case-id': options.caseId } : {}),
    },
    body: JSON.stringify({ documentId: documentIdOf(document), variables }),
  });
  const body = (await response.json()) as { data?: TData | null; errors?: Result<TData>['errors'] };
  if (!response.ok) {
    const first = body.errors?.[0];
    throw new GatewayError(first?.message ?? `HTTP ${response.status}`, response.status, first?.extensions?.code);
  }
  return { data: body.data, errors: body.errors ?? [] };
}
