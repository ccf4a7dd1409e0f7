import { validateIndividualNumber } from '../../lib/identifiers/individual-number';
import { kanaSearchKey, trimFixedWidth } from '../../lib/legacy/text';
import { isIsoCalendarDay } from '../../lib/legacy/wareki';
import { badUserInput } from '../shared/errors';
import type { IdentitySearchCriteria, Resolvers } from './generated/resolvers-types';
import { searchIdentities } from './legacy/adapter';
import type { IdentitySearchFilter } from './records';

/** 4情報検索 returns candidates for a clerk to check, never a bulk list (bulk output needs approval). */
const MAX_SEARCH_RESULTS = 100;

/**
 * Validates the 4 information and returns them trimmed. The 4 information are 氏名 (name or
 * kana, which count as one), 生年月日, 性別 and 住所: at least two are required, one of them the
 * name, so that a search always narrows down to a person rather than listing a population.
 * Messages name the rule, never the values given.
 */
function toSearchFilter(criteria: IdentitySearchCriteria): IdentitySearchFilter {
  const filter: IdentitySearchFilter = {
    name: trimFixedWidth(criteria.name),
    nameKana: trimFixedWidth(criteria.nameKana),
    birthDate: trimFixedWidth(criteria.birthDate),
    sex: criteria.sex ?? null,
    address: trimFixedWidth(criteria.address),
  };
  const hasName = filter.name !== null || filter.nameKana !== null;
  const given = [hasName, filter.birthDate !== null, filter.sex !== null, filter.address !== null].filter(Boolean).length;
  if (!hasName || given < 2) {
    throw badUserInput(
      'searchIdentity needs at least two of the 4 information (name or nameKana, birthDate, sex, address), one of them name or nameKana',
      { reason: 'TOO_FEW_CRITERIA' },
    );
  }
  if (filter.nameKana !== null && kanaSearchKey(filter.nameKana) === '') {
    // Long-vowel marks, dashes and spaces are ignored by kana search: alone they match every name.
    throw badUserInput('criteria.nameKana must contain kana', { reason: 'EMPTY_NAME_KANA' });
  }
  if (filter.birthDate !== null && !isIsoCalendarDay(filter.birthDate)) {
    throw badUserInput('criteria.birthDate must be an ISO date YYYY-MM-DD', { reason: 'INVALID_DATE' });
  }
  return filter;
}

export const jukiCsResolvers: Resolvers = {
  Query: {
    identityByResidentCode: (_parent, { residentCode }, { loaders }) => loaders.identityByCode.load(residentCode),
    identityByIndividualNumber: async (_parent, { individualNumber }, context) => {
      const number = validateIndividualNumber(individualNumber);
      if (!number.ok) throw badUserInput(number.message, { reason: number.reason });
      const identity = await context.loaders.identityByIndividualNumber.load(number.value);
      if (!identity) return null;
      // The number is known now: asking for it again costs no query.
      context.loaders.individualNumber.prime(identity.residentCode, number.value);
      return context.prime(identity);
    },
    searchIdentity: async (_parent, { criteria, first }, context) => {
      const limit = first ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_RESULTS) {
        throw badUserInput(`first must be between 1 and ${MAX_SEARCH_RESULTS}`, { reason: 'FIRST_OUT_OF_RANGE' });
      }
      const page = await searchIdentities(context.db, toSearchFilter(criteria), limit);
      return { matches: page.identities.map(context.prime), truncated: page.truncated };
    },
  },
  Resident: {
    // Through the loader, so an entity batch is one statement and identityInfo reuses its row.
    __resolveReference: async (reference, { loaders }) => {
      const identity = await loaders.identityByCode.load(reference.residentCode);
      return identity ? { residentCode: identity.residentCode } : null;
    },
    identityInfo: (resident, _args, { loaders }) => loaders.identityByCode.load(resident.residentCode),
  },
  IdentityInfo: {
    individualNumber: (identity, _args, { loaders }) => loaders.individualNumber.load(identity.residentCode),
    resident: (identity) => ({ residentCode: identity.residentCode }),
  },
};
