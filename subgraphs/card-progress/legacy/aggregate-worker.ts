import { serveAggregates } from '../../shared/aggregate-worker-thread';
import { APPLICATION_AGGREGATES } from './aggregates';

/** The card system's aggregate worker thread (started by offThreadAggregate; see aggregates.ts). */
serveAggregates(APPLICATION_AGGREGATES.operations);
