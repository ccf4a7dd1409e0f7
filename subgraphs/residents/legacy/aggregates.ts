import path from 'node:path';
import { defineAggregateWorker } from '../../shared/aggregate-worker';
import { countRegisterGroups } from './adapter';

/**
 * The register's dashboard aggregates, computed off the subgraph's request thread under SQLite
 * (subgraphs/shared/aggregate-worker.ts): the worker (aggregate-worker.ts, through its plain-JS
 * bootstrap) serves these same functions, so the legacy columns stay in this folder.
 */
export const REGISTER_AGGREGATES = defineAggregateWorker('residents register', path.join(__dirname, 'aggregate-worker-bootstrap.js'), { countRegisterGroups });
