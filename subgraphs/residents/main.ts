import { runSubgraphProcess } from '../shared/main';
import { residentsSubgraph } from './index';

void runSubgraphProcess(residentsSubgraph);
