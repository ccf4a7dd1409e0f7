import type { SubgraphModule } from '../shared/server';
import { createIntermediateContext, type IntermediateContext } from './context';
import { intermediateResolvers } from './resolvers';

/** 中間サーバ: the 団体内統合宛名番号 ↔ 符号 linkage and the 情報提供等記録; extends Resident. */
export const intermediateSubgraph: SubgraphModule<IntermediateContext> = {
  name: 'intermediate',
  resolvers: intermediateResolvers as SubgraphModule<IntermediateContext>['resolvers'],
  createContext: createIntermediateContext,
};
