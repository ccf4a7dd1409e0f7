import { runSubgraphProcess } from '../shared/main';
import { jukiCsSubgraph } from './index';

void runSubgraphProcess(jukiCsSubgraph);
