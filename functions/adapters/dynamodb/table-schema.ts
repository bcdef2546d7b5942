// The one definition of the notifier's DynamoDB table, shared by the CDK stack (lib/), the local run
// (bin/local.ts), the tests and the store adapter. Pure data: no imports, so lib/ may import it.

export const TABLE_SCHEMA = {
  /**
   * Partition key: `TASK#<task_id>` for a watched task (and the summaries of its finished runs), `TICK#planner` for
   * the planner's progress through a tick, `GATE#fleet` for the fleet-wide pauses (CodeArts throttling, Slack rate
   * limits), `FEED#fleet` for the change feed's health, `PERSON#<codearts user>` for a CodeArts user's Slack user,
   * `CHANNEL#<channel>` for a channel's projects, watches and audit trail.
   */
  partitionKey: 'pk',
  /**
   * Sort key: `TASK` for a task item, `RUN#<slot>` for a run summary (a ring of slots per task, expiring by TTL),
   * `TICK`, `GATE`, `FEED`, `PERSON` and `CHANNEL` for the others.
   */
  sortKey: 'sk',
  /**
   * Sparse index over every watched task (`kind = task`; people items carry `kind = person`, so `GET /people` is a
   * query too), so the planner reads all watches with one paged query. It projects only the few attributes the
   * planner decides on, copied to the top level of the task item by the store: the index stays small, and a write
   * that changes none of them costs no index write.
   */
  watchIndex: {
    name: 'watch-index',
    partitionKey: 'kind',
    sortKey: 'pk',
    projected: ['region', 'projectId', 'active', 'pendingSince', 'gone', 'feed', 'insightDueAt'],
  },
  /** Epoch seconds after which DynamoDB may delete the item (planner ticks, archived runs). */
  ttlAttribute: 'expiresAt',
} as const;
