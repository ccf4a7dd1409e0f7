import { isIsoCalendarDay } from '../../lib/legacy/wareki';
import { badUserInput, supportMeasureRestricted } from '../shared/errors';
import { MAX_BATCH_SIZE } from '../shared/loaders';
import type { Resolvers } from './generated/resolvers-types';
import type { ResidentsContext } from './context';
import { countResidents, searchResidents } from './legacy/adapter';
import { populationStatistics } from './population-statistics';
import { residentsCursorCodec } from './cursor';

function assertIsoDate(value: string | null | undefined, argument: string): void {
  if (value != null && !isIsoCalendarDay(value)) {
    throw badUserInput(`${argument} must be an ISO date YYYY-MM-DD`);
  }
}

export const residentsResolvers: Resolvers = {
  Query: {
    // 支援措置: a direct read of a protected person is refused as one unit (context.visiblePerson).
    resident: async (_parent, { id }, context) => context.visiblePerson(await context.loaders.residentById.load(id)),
    residentByCode: async (_parent, { residentCode }, context) => context.visiblePerson(await context.loaders.residentByCode.load(residentCode)),
    household: async (_parent, { id }, context) => {
      const household = await context.loaders.household.load(id);
      // A household shares one address: the household of a protected person is refused as a whole.
      if (household && !context.seesProtectedPersons && (await context.loaders.locationRestricted.load(household.headId))) throw supportMeasureRestricted('Household');
      return household;
    },
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
      // 支援措置: a caller who may not see protected persons does not find them in a list, by any
      // filter: left out in the page's own statement, so no position or error marks them.
      const withoutRestrictedLocations = context.seesProtectedPersons ? null : context.today;
      const page = await searchResidents(context.db, filter ?? {}, { first: pageSize, afterId: after != null ? cursors.open(after) : null }, withoutRestrictedLocations);
      // Known unprotected (the statement left the others out): their row-rule checks cost nothing.
      if (!context.seesProtectedPersons) for (const resident of page.residents) context.loaders.locationRestricted.prime(resident.id, false);
      const edges = page.residents.map((resident) => ({ cursor: cursors.seal(resident.id), node: context.prime(resident) }));
      let counted: Promise<number> | undefined;
      return {
        edges,
        // Once per page, however many aliases of totalCount the client sends.
        countTotal: () => (counted ??= countResidents(context.db, filter ?? {}, withoutRestrictedLocations)),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
    // Whole complete months only (monthPeriod): refused otherwise with STATISTICS_PERIOD_NOT_WHOLE_MONTHS.
    populationStatistics: (_parent, { movementsFrom, movementsTo }, { db }) => populationStatistics(db, { from: movementsFrom, to: movementsTo }),
  },
  Resident: {
    __resolveReference: async (reference, context) => {
      if ('id' in reference && reference.id) return context.visiblePerson(await context.loaders.residentById.load(reference.id));
      if ('residentCode' in reference && reference.residentCode) return context.visiblePerson(await context.loaders.residentByCode.load(reference.residentCode));
      return null;
    },
    individualNumber: (resident, _args, { loaders }) => loaders.individualNumber.load(resident.id),
    // 支援措置: the locating fields (address, previousAddress, …) are withheld by the row rule the
    // SDL's marks drive (shared/locating-rule.ts), not here.
    household: (resident, _args, { loaders }) => loaders.household.load(resident.householdId),
    foreignResident: (resident, _args, { loaders }) => (resident.residentType === 'FOREIGN' ? loaders.foreignResident.load(resident.id) : null),
    movements: (resident, _args, { loaders }) => loaders.movements.load(resident.id),
    certificateIssuances: (resident, _args, { loaders }) => loaders.certificateIssuances.load(resident.id),
    supportMeasure: (resident, _args, { loaders }) => loaders.supportMeasure.load(resident.id),
    // For the other subgraphs' row rule (@requires). A caller with the right is never withheld
    // (no statement); for the others the person was checked (or listed as unprotected) already.
    locationWithheld: (resident, _args, context) => (context.seesProtectedPersons ? false : context.loaders.locationRestricted.load(resident.id)),
  },
  ResidentConnection: {
    totalCount: (connection) => connection.countTotal(),
  },
  Household: {
    // The head is a member: reading it from the members batch keeps one statement per level,
    // instead of a second lookup whose presence would depend on which rows a page holds.
    head: async (household, _args, context) =>
      context.visiblePerson(
        (await context.loaders.householdMembers.load(household.id)).find((member) => member.id === household.headId) ??
          (await context.loaders.residentById.load(household.headId)),
      ),
    // A list: protected persons are left out (no error marks their place).
    members: async (household, _args, context) => (await context.visiblePersons(await context.loaders.householdMembers.load(household.id))).map(context.prime),
  },
};
