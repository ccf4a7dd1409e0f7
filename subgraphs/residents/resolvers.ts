import { isIsoCalendarDay } from '../../lib/legacy/wareki';
import { badUserInput } from '../shared/errors';
import { MAX_BATCH_SIZE } from '../shared/loaders';
import type { Resolvers } from './generated/resolvers-types';
import type { ResidentsContext } from './context';
import { searchResidents } from './legacy/adapter';
import { populationStatistics } from './population-statistics';
import { residentsCursorCodec } from './cursor';

function assertIsoDate(value: string | null | undefined, argument: string): void {
  if (value != null && !isIsoCalendarDay(value)) {
    throw badUserInput(`${argument} must be an ISO date YYYY-MM-DD`);
  }
}

export const residentsResolvers: Resolvers = {
  Query: {
    resident: (_parent, { id }, { loaders }) => loaders.residentById.load(id),
    residentByCode: (_parent, { residentCode }, { loaders }) => loaders.residentByCode.load(residentCode),
    household: (_parent, { id }, { loaders }) => loaders.household.load(id),
    residents: async (_parent, { filter, first, after }, context) => {
      const pageSize = first ?? 20;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_BATCH_SIZE) {
        throw badUserInput(`first must be between 1 and ${MAX_BATCH_SIZE}`);
      }
      assertIsoDate(filter?.birthDateFrom, 'filter.birthDateFrom');
      assertIsoDate(filter?.birthDateTo, 'filter.birthDateTo');
      if (filter?.addressCode != null && !/^\d{1,6}$/.test(filter.addressCode)) throw badUserInput('filter.addressCode must be 1 to 6 digits');
      // Opaque cursors (cursor.ts): the position is sealed, never a readable 宛名番号.
      const cursors = residentsCursorCodec();
      // 支援措置: a caller who may not see where such persons live does not find them by address either.
      const withoutRestrictedLocations = context.auth.profile.supportMeasureRecords ? null : context.today;
      const page = await searchResidents(context.db, filter ?? {}, { first: pageSize, afterId: after != null ? cursors.open(after) : null }, withoutRestrictedLocations);
      const edges = page.residents.map((resident) => ({ cursor: cursors.seal(resident.id), node: context.prime(resident) }));
      return {
        edges,
        totalCount: page.totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
    populationStatistics: (_parent, { movementsFrom, movementsTo }, { db }) => {
      assertIsoDate(movementsFrom, 'movementsFrom');
      assertIsoDate(movementsTo, 'movementsTo');
      return populationStatistics(db, { from: movementsFrom, to: movementsTo });
    },
  },
  Resident: {
    __resolveReference: (reference, { loaders }) => {
      if ('id' in reference && reference.id) return loaders.residentById.load(reference.id);
      if ('residentCode' in reference && reference.residentCode) return loaders.residentByCode.load(reference.residentCode);
      return null;
    },
    individualNumber: (resident, _args, { loaders }) => loaders.individualNumber.load(resident.id),
    // 支援措置 row-level rule: every field that tells where the person lives (README, "支援措置").
    address: (resident, _args, context) => context.location(resident.id, 'Resident.address', resident.address),
    previousAddress: (resident, _args, context) => context.location(resident.id, 'Resident.previousAddress', resident.previousAddress),
    household: (resident, _args, { loaders }) => loaders.household.load(resident.householdId),
    foreignResident: (resident, _args, { loaders }) => (resident.residentType === 'FOREIGN' ? loaders.foreignResident.load(resident.id) : null),
    movements: (resident, _args, { loaders }) => loaders.movements.load(resident.id),
    certificateIssuances: (resident, _args, { loaders }) => loaders.certificateIssuances.load(resident.id),
    supportMeasure: (resident, _args, { loaders }) => loaders.supportMeasure.load(resident.id),
  },
  Movement: {
    addressBefore: (movement, _args, context) => context.location(movement.residentId, 'Movement.addressBefore', movement.addressBefore),
    addressAfter: (movement, _args, context) => context.location(movement.residentId, 'Movement.addressAfter', movement.addressAfter),
  },
  Removal: {
    destination: (removal, _args, context) => context.location(removal.residentId, 'Removal.destination', removal.destination),
  },
  Household: {
    // The head is a member: reading it from the members batch keeps one statement per level,
    // instead of a second lookup whose presence would depend on which rows a page holds.
    head: async (household, _args, { loaders }) =>
      (await loaders.householdMembers.load(household.id)).find((member) => member.id === household.headId) ??
      loaders.residentById.load(household.headId),
    members: async (household, _args, context) => (await context.loaders.householdMembers.load(household.id)).map(context.prime),
  },
};
