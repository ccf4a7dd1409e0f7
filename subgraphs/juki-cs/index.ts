import type { SubgraphModule } from '../shared/server';
import { createJukiCsContext, type JukiCsContext } from './context';
import { jukiCsResolvers } from './resolvers';

/** 市町村CS (住基ネット): 本人確認情報 and the identity searches; extends the register's Resident. */
export const jukiCsSubgraph: SubgraphModule<JukiCsContext> = {
  name: 'juki-cs',
  resolvers: jukiCsResolvers as SubgraphModule<JukiCsContext>['resolvers'],
  createContext: createJukiCsContext,
};
