import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context';

type FetcherResponse = Parameters<RemoteGraphQLDataSource['didEncounterError']>[2];

export const REQUEST_ID_HEADER = 'x-request-id';
export const PURPOSE_HEADER = 'x-purpose';

/**
 * Every call from the gateway to a subgraph goes through here.
 *
 * `willSendRequest` is THE single place where the caller's identity is attached to subgraph
 * requests. For now it forwards only the request id (log correlation) and the declared purpose;
 * the verified identity is NOT forwarded yet, and the caller's bearer token never is (it is an
 * end-user credential for the gateway, not for subgraphs). The issue that introduces signed
 * identities (a short-lived JWS the subgraphs verify) adds it here and nowhere else.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly subgraphName: string,
    url: string,
  ) {
    super({ url });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Health checks and schema loading run outside any caller's request (and carry no
    // incomingRequestContext; the kind enum itself is not exported by @apollo/gateway).
    if (!('incomingRequestContext' in options)) return;
    const { context, request } = options;
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(REQUEST_ID_HEADER, context.requestId);
    headers.set(PURPOSE_HEADER, context.identity.purpose);
  }

  /**
   * A subgraph that cannot be reached is reported to the caller by name only: the network
   * error quotes internal addresses, which belong in the log, not in a response.
   */
  override didEncounterError(error: Error, _fetchRequest: unknown, fetchResponse?: FetcherResponse, context?: GatewayContext): void {
    if (fetchResponse !== undefined) throw error;
    (context as Partial<GatewayContext> | undefined)?.logger?.error({ subgraph: this.subgraphName, err: error.message }, 'subgraph unreachable');
    throw new GraphQLError(`The ${this.subgraphName} subgraph is unavailable`, {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.subgraphName },
    });
  }
}
