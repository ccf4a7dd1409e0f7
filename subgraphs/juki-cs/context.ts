import type { Knex } from 'knex';
import type DataLoader from 'dataloader';
import { mapLoader } from '../shared/loaders';
import type { SubgraphAuth } from '../shared/identity';
import type { ProtectedPersonChecks } from '../shared/locating-rule';
import { supportMeasureRestricted } from '../shared/errors';
import * as adapter from './legacy/adapter';
import type { IdentityRecord } from './records';

export interface JukiCsLoaders {
  identityByCode: DataLoader<string, IdentityRecord | null>;
  identityByIndividualNumber: DataLoader<string, IdentityRecord | null>; // keys already validated
  individualNumber: DataLoader<string, string | null>; // 個人番号, from its own table, by 住民票コード
}

export interface JukiCsContext {
  db: Knex;
  /** The caller the gateway signed in, and its profile under this subgraph's rules. */
  auth: SubgraphAuth;
  loaders: JukiCsLoaders;
  /** Remembers a loaded person by 住民票コード, so a later lookup (e.g. an entity) costs no query. */
  prime(identity: IdentityRecord): IdentityRecord;
  /** The 支援措置 row rule on locating fields (shared/locating-rule.ts): the CS's own flag, read with the identity row. */
  locating: ProtectedPersonChecks;
  /**
   * 支援措置, the whole person: a protected person's 本人確認情報 is refused to a caller without
   * the right as one unit (SUPPORT_MEASURE_RESTRICTED for the read), never item by item.
   */
  visibleIdentity(identity: IdentityRecord | null): IdentityRecord | null;
}

export function createJukiCsContext(db: Knex, auth: SubgraphAuth): JukiCsContext {
  const loaders: JukiCsLoaders = {
    identityByCode: mapLoader<string, IdentityRecord | null>((codes) => adapter.findIdentitiesByCodes(db, codes), null),
    identityByIndividualNumber: mapLoader<string, IdentityRecord | null>((numbers) => adapter.findIdentitiesByIndividualNumbers(db, numbers), null),
    individualNumber: mapLoader<string, string | null>((codes) => adapter.findIndividualNumbers(db, codes), null),
  };
  return {
    db,
    auth,
    loaders,
    locating: { IdentityInfo: (identity: IdentityRecord) => identity.supportMeasure },
    visibleIdentity(identity) {
      if (identity !== null && identity.supportMeasure && !auth.profile.supportMeasureRecords) throw supportMeasureRestricted('IdentityInfo');
      return identity;
    },
    prime(identity) {
      loaders.identityByCode.prime(identity.residentCode, identity);
      return identity;
    },
  };
}
