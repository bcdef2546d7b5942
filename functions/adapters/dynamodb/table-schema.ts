// The one definition of the notifier's DynamoDB table, shared by the CDK stack (lib/), the local run
// (bin/local.ts), the tests and the store adapter. Pure data: no imports, so lib/ may import it.

export const TABLE_SCHEMA = {
  /** Partition key: `TASK#<task_id>` for a watched task, `LEASE#<name>` for a lease. */
  partitionKey: 'pk',
  /** Sort key: `TASK` for the task item, `LEASE` for a lease. */
  sortKey: 'sk',
  /**
   * Sparse index over every watched task (only task items carry `kind`), so the poller reads all
   * watches with one paged query instead of one request per task.
   */
  tasksIndex: { name: 'tasks-by-kind', partitionKey: 'kind', sortKey: 'pk' },
  /** Epoch seconds after which DynamoDB may delete the item (leases, archived runs). */
  ttlAttribute: 'expiresAt',
} as const;

export type TableSchema = typeof TABLE_SCHEMA;
