import { runSubgraphProcess } from '../shared/main';
import { residentsSubgraph } from './index';
import { cursorKeyFromEnvironment } from './cursor';

// RESIDENTS_CURSOR_KEY is read on the first page asked for: checked at start with the rest.
void runSubgraphProcess(residentsSubgraph, { checkEnvironment: cursorKeyFromEnvironment });
