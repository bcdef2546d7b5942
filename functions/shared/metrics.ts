// The metric contract, shared by the functions that emit and the CDK alarms that read (pure data, so lib/ may
// import it). Each custom metric costs $0.30 a month however little it is used, so only what an alarm (or the
// change-feed fallback) watches is published, with Powertools Metrics (EMF) in METRICS_NAMESPACE and the default
// dimension `service=<function>`. Everything else an invocation counts goes into its one summary log line (the
// LOG_FIELDS below), where CloudWatch Logs Insights can sum it.

export const METRICS_NAMESPACE = 'CodeArtsNotifier';

/** The `service` dimension (and POWERTOOLS_SERVICE_NAME) of each function. */
export const SERVICE_NAMES = { planner: 'planner', worker: 'worker', api: 'api' } as const;

/** Published by the planner, once per tick it plans. */
export const PLANNER_METRICS = {
  /** Count, 1 per tick planned to the end: the heartbeat. */
  ticksPlanned: 'TicksPlanned',
  /** Seconds, age of the oldest change still waiting for Slack, over every watched task. */
  oldestPendingEventAgeSeconds: 'OldestPendingEventAgeSeconds',
  /** Count, CodeArts projects whose change feed could not be used this tick (every task of them is polled). */
  feedFallbacks: 'FeedFallbacks',
} as const;

/** Published by the worker, once per invocation. */
export const WORKER_METRICS = {
  /** Count, > 0 when Slack rejects the bot token (invalid_auth, token_revoked, …). */
  slackTokenBroken: 'SlackTokenBroken',
} as const;

/** The fields of the planner's summary log line ("Tick planned"). */
export const PLANNER_LOG_FIELDS = {
  watches: 'watches',
  pollsQueued: 'pollsQueued',
  skipped: 'skipped',
  /** ListAllApp calls of the tick. */
  codeartsCalls: 'codeartsCalls',
  /** Projects whose change feed is failing (their tasks polled directly). */
  feedFallbacks: 'feedFallbacks',
} as const;

/** The fields of the worker's summary log line ("Batch polled"). */
export const WORKER_LOG_FIELDS = {
  tasksPolled: 'tasksPolled',
  eventsDetected: 'eventsDetected',
  slackDeliveries: 'slackDeliveries',
  slackFailures: 'slackFailures',
  codeartsFailures: 'codeartsFailures',
  codeartsThrottled: 'codeartsThrottled',
  /** Tasks whose poll failed for another reason (the store refused, say); SQS offers them again. */
  taskErrors: 'taskErrors',
  /** Polls put back on the queue (a running deployment, Slack's Retry-After, CodeArts throttling). */
  pollsRequeued: 'pollsRequeued',
  /** The longest time between a change in CodeArts and its detection, in this invocation. */
  detectionLagSeconds: 'detectionLagSeconds',
} as const;
