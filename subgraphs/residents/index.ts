import type { SubgraphModule } from '../shared/server';
import { createResidentsContext, type ResidentsContext } from './context';
import { residentsResolvers } from './resolvers';

/** 住民記録システム: the register, owner of the Resident entity. */
export const residentsSubgraph: SubgraphModule<ResidentsContext> = {
  name: 'residents',
  resolvers: residentsResolvers as SubgraphModule<ResidentsContext>['resolvers'],
  createContext: createResidentsContext,
};
