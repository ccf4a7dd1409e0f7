import knexFactory from 'knex';
import type { Logger } from 'pino';
import { auditDatabaseConfig } from '../../lib/audit/config';
import { PersonReferenceSeal } from '../../lib/audit/person-references';
import type { GatewayConfig } from '../config';
import type { IdentitySigner } from '../identity-signing';
import type { OwnedResources } from '../lifecycle';
import { SubgraphCallError, SubgraphDataSource, type SubgraphTransport } from '../subgraph-data-source';
import { AttributionRefused, PersonAttribution, residentCodeQuery, residentIdsOf } from './attribution';
import type { AuditWriter } from './writer';

/** The seal of the references persons are named by (lib/audit/person-references.ts), under a key derived from the gateways' signing key. */
export function personReferenceSeal(signer: IdentitySigner): PersonReferenceSeal {
  return new PersonReferenceSeal(signer.deriveSecret('ward-gateway audit person reference v1'));
}

/**
 * The person attribution of this gateway (attribution.ts): the register (the residents subgraph)
 * asked through a data source of its own, signed as every call is; the sweep reading the audit
 * database only where `sweep` says (the process that owns the trail, or one worker of several:
 * one sweeper per trail is enough). Stopped before the writer closes (owned closes newest first).
 */

export function openPersonAttribution(input: {
  readonly config: GatewayConfig;
  readonly writer: AuditWriter;
  readonly seal: PersonReferenceSeal;
  readonly signer: IdentitySigner;
  readonly transport: Pick<SubgraphTransport, 'dispatcher' | 'observer'>;
  readonly sweep: boolean;
  readonly logger: Logger;
  readonly owned: OwnedResources;
}): PersonAttribution {
  const { config, owned } = input;
  const register = new SubgraphDataSource('residents', config.subgraphUrls.residents, input.signer, { timeoutMs: config.subgraphTimeoutsMs.residents, ...input.transport });
  const db = input.sweep ? owned.own(knexFactory({ ...auditDatabaseConfig({ ...config.audit.env }), pool: { min: 0, max: 1 } }), (knex) => knex.destroy()) : undefined;
  const attribution = owned.own(
    new PersonAttribution({
      writer: input.writer,
      seal: input.seal,
      resolve: async (codes, claims) => {
        try {
          const { data, failed } = await register.callFor(claims, residentCodeQuery(codes));
          return residentIdsOf(codes, data, failed);
        } catch (error) {
          // 4xx: the register refused this caller as a whole; anything else is tried again.
          if (error instanceof SubgraphCallError && error.status >= 400 && error.status < 500) throw new AttributionRefused(error.message);
          throw error;
        }
      },
      logger: input.logger,
      ...(db ? { db } : {}),
    }),
    (running) => running.stop(),
  );
  attribution.start();
  return attribution;
}
