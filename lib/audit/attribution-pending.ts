/**
 * OPERATION records that name a person by a reference (lib/audit/person-references.ts) that no
 * PERSONS_ATTRIBUTED record names yet: what a gateway that stopped before the link left to do.
 * The gateway's sweep (gateway/audit/attribution.ts) reads them at start and then periodically.
 */
import type { Knex } from 'knex';
import { AUDIT_TABLES } from './migrations';
import { personReferencePrefix } from './person-references';
import { LOG_COLUMNS, rowToRecord, type LogRow } from './rows';
import type { AuditRecord } from './types';

export interface PendingAttributionQuery {
  /** The reference fields the gateway resolves (`residentCode`). */
  readonly fields: readonly string[];
  /** Only records that occurred before this instant (ms): younger ones are still being attributed by their own request. */
  readonly occurredBeforeMs: number;
  /** Only records after this sequence (the sweep's progress), oldest first, at most `limit`. */
  readonly afterSequence: number;
  readonly limit: number;
}

export async function pendingAttributions(db: Knex, query: PendingAttributionQuery): Promise<AuditRecord[]> {
  const log = AUDIT_TABLES.log;
  const rows = (await db(log)
    .select(LOG_COLUMNS.map((column) => `${log}.${column}`))
    .where(`${log}.kind`, 'OPERATION')
    .where(`${log}.sequence`, '>', query.afterSequence)
    .where(`${log}.occurred_ms`, '<', query.occurredBeforeMs)
    .whereExists((unlinked) => {
      unlinked
        .select(db.raw('1'))
        .from({ ref: AUDIT_TABLES.person })
        .whereRaw('?? = ??', ['ref.sequence', `${log}.sequence`])
        .where((prefixes) => {
          for (const field of query.fields) prefixes.orWhere('ref.person_id', 'like', `${personReferencePrefix(field)}%`);
        })
        .whereNotExists((linked) => {
          linked
            .select(db.raw('1'))
            .from({ named: AUDIT_TABLES.person })
            .join({ link: log }, 'link.sequence', 'named.sequence')
            .whereRaw('?? = ??', ['named.person_id', 'ref.person_id'])
            .where('link.kind', 'PERSONS_ATTRIBUTED');
        });
    })
    .orderBy(`${log}.sequence`, 'asc')
    .limit(query.limit)) as LogRow[];
  return rows.map(rowToRecord);
}
