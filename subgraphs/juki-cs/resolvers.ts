import { validateIndividualNumber } from '../../lib/identifiers/individual-number';
import { kanaSearchKey, trimFixedWidth } from '../../lib/legacy/text';
import { isIsoCalendarDay } from '../../lib/legacy/wareki';
import { badUserInput, supportMeasureRestricted } from '../shared/errors';
import type { JukiCsContext } from './context';
import type { IdentityRecord } from './records';
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

/**
 * 支援措置 row-level rule (本人確認情報の提供制限): for a person flagged in the CS
 * (HONNIN_KAKUNIN.SHIEN_SOCHI_FLG, read with the identity row itself, so no extra statement), the
 * identity items — the 4 information, 個人番号 — are withheld from a caller whose profile lacks
 * `supportMeasureRecords`. (The locating ones — address, and the operator and terminal that
 * recorded the last change, which locate the office — are withheld by the row rule the SDL's
 * marks drive, shared/locating-rule.ts.) Reads refuse such a person as a whole first
 * (context.visibleIdentity); this is the item-level line behind it.
 */
function identityItem<T>(identity: IdentityRecord, context: JukiCsContext, field: string, value: () => T): T {
  if (identity.supportMeasure && !context.auth.profile.supportMeasureRecords) throw supportMeasureRestricted(`IdentityInfo.${field}`);
  return value();
}

export const jukiCsResolvers: Resolvers = {
  Query: {
    identityByResidentCode: async (_parent, { residentCode }, context) => context.visibleIdentity(await context.loaders.identityByCode.load(residentCode)),
    identityByIndividualNumber: async (_parent, { individualNumber }, context) => {
      const number = validateIndividualNumber(individualNumber);
      if (!number.ok) throw badUserInput(number.message, { reason: number.reason });
      const identity = context.visibleIdentity(await context.loaders.identityByIndividualNumber.load(number.value));
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
      // 支援措置: a caller who may not see where such persons live does not find them by address either.
      const page = await searchIdentities(context.db, toSearchFilter(criteria), limit, !context.auth.profile.supportMeasureRecords);
      return { matches: page.identities.map(context.prime), truncated: page.truncated };
    },
  },
  Resident: {
    // Through the loader, so an entity batch is one statement and identityInfo reuses its row.
    __resolveReference: async (reference, context) => {
      const identity = context.visibleIdentity(await context.loaders.identityByCode.load(reference.residentCode));
      return identity ? { residentCode: identity.residentCode } : null;
    },
    identityInfo: async (resident, _args, context) => context.visibleIdentity(await context.loaders.identityByCode.load(resident.residentCode)),
  },
  IdentityInfo: {
    name: (identity, _args, context) => identityItem(identity, context, 'name', () => identity.name),
    nameKana: (identity, _args, context) => identityItem(identity, context, 'nameKana', () => identity.nameKana),
    birthDate: (identity, _args, context) => identityItem(identity, context, 'birthDate', () => identity.birthDate),
    sex: (identity, _args, context) => identityItem(identity, context, 'sex', () => identity.sex),
    // Checked before the number is read: a withheld number is never loaded.
    individualNumber: (identity, _args, context) =>
      identityItem(identity, context, 'individualNumber', () => context.loaders.individualNumber.load(identity.residentCode)),
    resident: (identity) => ({ residentCode: identity.residentCode }),
  },
};
