import path from 'node:path';
import { defineAggregateWorker } from '../../shared/aggregate-worker';
import { countApplicationGroups } from './adapter';

/**
 * The card system's dashboard aggregates (交付状況の統計), computed off the subgraph's request
 * thread under SQLite (subgraphs/shared/aggregate-worker.ts): the worker (aggregate-worker.ts,
 * through its plain-JS bootstrap) serves these same functions, so the legacy columns stay here.
 */
export const APPLICATION_AGGREGATES = defineAggregateWorker('card-progress applications', path.join(__dirname, 'aggregate-worker-bootstrap.js'), { countApplicationGroups });
