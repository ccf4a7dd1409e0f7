import type { SubgraphModule } from '../shared/server';
import { createCardProgressContext, type CardProgressContext } from './context';
import { cardProgressResolvers } from './resolvers';

/** 個人番号カード交付進捗管理システム: each person's My Number card, from application to hand-over. */
export const cardProgressSubgraph: SubgraphModule<CardProgressContext> = {
  name: 'card-progress',
  resolvers: cardProgressResolvers as SubgraphModule<CardProgressContext>['resolvers'],
  createContext: createCardProgressContext,
};
