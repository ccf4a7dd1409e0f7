import { runSubgraphProcess } from '../shared/main';
import { intermediateSubgraph } from './index';

void runSubgraphProcess(intermediateSubgraph);
