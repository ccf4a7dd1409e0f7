import { runSubgraphProcess } from '../shared/main';
import { auditSubgraph } from './index';

void runSubgraphProcess(auditSubgraph);
