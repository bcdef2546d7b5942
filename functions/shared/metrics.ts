// The metric contract, shared by the functions that emit and the CDK alarms that read (pure data, so lib/ may
// import it). Every custom metric is published with Powertools Metrics (EMF) in METRICS_NAMESPACE, with the
// default dimension `service=<function>`.

export const METRICS_NAMESPACE = 'CodeArtsNotifier';

/** The `service` dimension (and POWERTOOLS_SERVICE_NAME) of each function. */
export const SERVICE_NAMES = { planner: 'planner', worker: 'worker', api: 'api' } as const;

/** Published by the planner, once per tick it plans. */
export const PLANNER_METRICS = {
  /** Count, 1 per tick planned to the end: the heartbeat. */
  ticksPlanned: 'TicksPlanned',
  /** Count, a tick another invocation had already planned (a duplicate or retried invocation). */
  ticksSkipped: 'TicksSkipped',
  /** Count, watched tasks read from the index. */
  watches: 'Watches',
  /** Count, polls queued this tick. */
  pollsQueued: 'PollsQueued',
  /** Seconds, age of the oldest change still waiting for Slack, over every watched task. */
  oldestPendingEventAgeSeconds: 'OldestPendingEventAgeSeconds',
  /** Count, CodeArts projects whose change feed could not be used this tick (every task of them is polled). */
  feedFallbacks: 'FeedFallbacks',
  /** Count, CodeArts calls the planner made (the change feed). */
  codeartsCalls: 'PlannerCodeArtsCalls',
} as const;

/** Published by the worker, once per invocation (summed over its batch). */
export const WORKER_METRICS = {
  tasksPolled: 'TasksPolled',
  eventsDetected: 'EventsDetected',
  slackDeliveries: 'SlackDeliveries',
  slackFailures: 'SlackFailures',
  codeartsFailures: 'CodeArtsFailures',
  codeartsThrottled: 'CodeArtsThrottled',
  /** Count, tasks whose poll failed for another reason (the store refused, say); the next tick retries them. */
  taskErrors: 'TaskErrors',
  /** Count, > 0 when Slack rejects the bot token (invalid_auth, token_revoked, …). */
  slackTokenBroken: 'SlackTokenBroken',
  /** Seconds, the longest time between a change in CodeArts and its detection, in this invocation. */
  detectionLagSeconds: 'DetectionLagSeconds',
  /** Count, polls put back on the queue (a running deployment, Slack's Retry-After, CodeArts throttling). */
  pollsRequeued: 'PollsRequeued',
} as const;
