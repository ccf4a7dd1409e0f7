import { runSubgraphProcess } from '../shared/main';
import { cardProgressSubgraph } from './index';

void runSubgraphProcess(cardProgressSubgraph);
