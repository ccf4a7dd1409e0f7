import { serveAggregates } from '../../shared/aggregate-worker-thread';
import { REGISTER_AGGREGATES } from './aggregates';

/** The register's aggregate worker thread (started by offThreadAggregate; see aggregates.ts). */
serveAggregates(REGISTER_AGGREGATES.operations);
