// The defaults (and the ranges and forms) of the settings that both the functions and the CDK stack read: the functions
// from the environment (functions/config.ts), the stack from CDK context (lib/config.ts), which passes them on
// as that environment. Pure data, so lib/ may import it: a default changed here changes on both sides.

export const DEFAULTS = {
  /** CODEARTS_REGION / codeartsRegion: the region of tasks registered without one. */
  codeartsRegion: 'cn-north-4',
  /** CODEARTS_TIME_ZONE / codeartsTimeZone: CodeArts' zone-less times; its examples read as UTC+8. */
  codeartsTimeZone: '+08:00',
  /** CODEARTS_CONCURRENCY / codeartsConcurrency: CodeArts calls in flight across every worker. */
  codeartsConcurrency: 8,
  /** POLL_INTERVAL_SECONDS: the planner's tick (the stack's default schedule, `rate(1 minute)`). */
  pollIntervalSeconds: 60,
  /** ACTIVE_POLL_SECONDS / activePollSeconds: how soon a task with a running deployment is polled again. */
  activePollSeconds: 10,
  /** CHANGE_FEED / changeFeed: ask ListAllApp per project what moved. */
  changeFeed: true,
  /** SWEEP_MINUTES / sweepMinutes: every task is polled directly at least this often. */
  sweepMinutes: 10,
  /** MAX_WATCHES_PER_CHANNEL / maxWatchesPerChannel. */
  maxWatchesPerChannel: 100,
  /** MAX_UNVERIFIED_PER_CHANNEL / maxUnverifiedPerChannel: watches CodeArts has not confirmed yet. */
  maxUnverifiedPerChannel: 5,
  /** SLACK_API_URL / slackApiUrl: Slack's Web API. */
  slackApiUrl: 'https://slack.com/api/',
  /** SLACK_HOOKS_URL: where Slack's `response_url`s live. */
  slackHooksUrl: 'https://hooks.slack.com/',
} as const;

/** CODEARTS_TIME_ZONE / codeartsTimeZone: a UTC offset `±HH:MM`, the hours at most 14 (e.g. `+08:00`). */
export const TIME_ZONE_OFFSET_PATTERN = /^[+-](0\d|1[0-4]):[0-5]\d$/;

/** The inclusive ranges both sides accept for the same setting. */
export const RANGES = {
  sweepMinutes: { min: 1, max: 1440 },
  maxWatchesPerChannel: { min: 1, max: 1000 },
  maxUnverifiedPerChannel: { min: 0, max: 100 },
} as const;
