import type { Knex } from 'knex';
import { cachedAggregate, minimumCellSize, sumBy, suppressSmallCells, todayInJapan, type StatisticCell } from '../shared/statistics';
import type { CardIssuanceStatistics, Resolvers } from './generated/resolvers-types';
import type { CardProgressContext } from './context';
import { APPLICATION_AGGREGATES } from './legacy/aggregates';
import { offThreadAggregate } from '../shared/aggregate-worker';
import type { CardStatus } from './records';

/** Lifecycle order of the states (the order of the legacy codes), and their labels for dashboards. */
const STATUS_LABELS: Record<CardStatus, string> = {
  APPLIED: '申請受付',
  IN_PRODUCTION: 'カード作成中',
  ARRIVED: '区に到着',
  NOTICE_SENT: '交付通知書発送済',
  RESERVED: '交付予約済',
  ISSUED: '交付済',
  REVOKED: '廃止・返納',
  CANCELLED: '取消 (交付前に転出・死亡)',
};
const STATUS_ORDER = Object.keys(STATUS_LABELS);
/** Keys for codes outside the legacy list and for applications without an issuing office. */
const UNKNOWN_STATUS = 'UNKNOWN';
const NO_OFFICE = 'UNASSIGNED';

function cells(sums: Map<string, number>, minimum: number, order: (a: string, b: string) => number, labelOf: (key: string) => string | null): StatisticCell[] {
  const list = [...sums.keys()].sort(order).map((key) => ({ key, label: labelOf(key), count: sums.get(key) ?? 0 }));
  return suppressSmallCells(list, minimum);
}

const byLifecycle = (a: string, b: string): number => (STATUS_ORDER.indexOf(a) + 1 || 99) - (STATUS_ORDER.indexOf(b) + 1 || 99);

/**
 * 交付状況の統計: applications (not persons) by current state and by issuing office, small cells
 * suppressed. Only aggregates: the adapter returns counts, never a person row.
 */
export async function cardIssuanceStatistics(db: Knex): Promise<CardIssuanceStatistics> {
  const asOf = todayInJapan();
  const minimum = minimumCellSize();
  return cachedAggregate(db, ['cardIssuanceStatistics', asOf, minimum], async () => {
    // Under SQLite on the card system's aggregate worker, not this thread (shared/aggregate-worker.ts).
    const groups = await offThreadAggregate(db, APPLICATION_AGGREGATES, 'countApplicationGroups');
    const officeNames = new Map(groups.byOffice.map((g) => [g.office?.code ?? NO_OFFICE, g.office?.name ?? '交付場所未定']));
    return {
      asOf,
      minimumCellSize: minimum,
      byStatus: cells(
        sumBy(groups.byStatus, (g) => g.status ?? UNKNOWN_STATUS, (g) => g.count),
        minimum,
        byLifecycle,
        (key) => STATUS_LABELS[key as CardStatus] ?? '不明な状態コード',
      ),
      byOffice: cells(
        sumBy(groups.byOffice, (g) => g.office?.code ?? NO_OFFICE, (g) => g.count),
        minimum,
        (a, b) => a.localeCompare(b),
        (key) => officeNames.get(key) ?? null,
      ),
    };
  });
}

export const cardProgressResolvers: Resolvers = {
  Query: {
    cardIssuanceStatistics: (_parent, _args, { db }) => cardIssuanceStatistics(db),
  },
  Resident: {
    // This subgraph does not own residents: any 宛名番号 is a reference, resolved without a query.
    __resolveReference: (reference) => ({ id: reference.id, locationWithheld: reference.locationWithheld }),
    myNumberCard: (resident, _args, { loaders, locationFlags }) => {
      // The register's 支援措置 answer (@requires), for the row rule on the card's locating fields.
      locationFlags.note(resident);
      return loaders.latestCard.load(resident.id);
    },
  },
  MyNumberCard: {
    events: (card, _args, { loaders }) => loaders.events.load(card.applicationId),
    reservation: (card, _args, { loaders }) => loaders.reservation.load(card.applicationId),
  },
};
