/**
 * Bulk output only with prior approval (大量出力の事前承認, promise 7): the gateway's side. The
 * rules are policy/bulk-output.yaml, the counts and approvals live in the audit database
 * (lib/bulk/), approvals are issued and withdrawn through the audit subgraph.
 */
export { bulkOutputPlugin, BULK_APPROVAL_HEADER } from './plugin';
export type { BulkOutputPluginOptions } from './plugin';
