import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client's own headers, read ONCE per request (request-state.ts keeps the result): what the
 * caller names itself (client name and version), its own request id, the case (X-Case-Id) and the
 * declared purpose (X-Purpose). Nothing here is verified: the authenticator checks the purpose,
 * gateway/audit/client-text.ts checks and cuts the texts the audit trail keeps, both reading this.
 */
export interface ClientHeader {
  /** The header the value came from, lower-case (the first of its aliases that was sent). */
  readonly header: string;
  /** Trimmed; never empty. */
  readonly value: string;
}

export interface ClientHeaders {
  readonly claimedRequestId: ClientHeader | null;
  readonly clientName: ClientHeader | null;
  readonly clientVersion: ClientHeader | null;
  readonly caseReference: ClientHeader | null;
  readonly purpose: ClientHeader | null;
}

export type ClientHeaderMember = keyof ClientHeaders;

/** Lower-case header names per member, first present (and non-empty) wins. */
export const CLIENT_HEADER_NAMES: Readonly<Record<ClientHeaderMember, readonly string[]>> = {
  claimedRequestId: ['x-request-id'],
  clientName: ['apollographql-client-name', 'x-client-name'],
  clientVersion: ['apollographql-client-version', 'x-client-version'],
  caseReference: ['x-case-id'],
  purpose: ['x-purpose'],
};

function first(headers: IncomingHttpHeaders, names: readonly string[]): ClientHeader | null {
  for (const header of names) {
    const raw = headers[header];
    // A header sent twice arrives joined by Node (or as an array): read as the one text it is.
    const value = (Array.isArray(raw) ? raw.join(', ') : raw)?.trim();
    if (value !== undefined && value !== '') return { header, value };
  }
  return null;
}

export function parseClientHeaders(headers: IncomingHttpHeaders): ClientHeaders {
  return {
    claimedRequestId: first(headers, CLIENT_HEADER_NAMES.claimedRequestId),
    clientName: first(headers, CLIENT_HEADER_NAMES.clientName),
    clientVersion: first(headers, CLIENT_HEADER_NAMES.clientVersion),
    caseReference: first(headers, CLIENT_HEADER_NAMES.caseReference),
    purpose: first(headers, CLIENT_HEADER_NAMES.purpose),
  };
}
