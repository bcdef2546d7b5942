import { RetentionDays } from 'aws-cdk-lib/aws-logs';
// Pure data shared with the functions (which is why lib/ may import them): the same defaults, ranges and region rule.
import { MAX_CODEARTS_CONCURRENCY } from '../functions/shared/call-budget.js';
import { DEFAULTS, RANGES, TIME_ZONE_OFFSET_PATTERN } from '../functions/shared/defaults.js';
import { REGION_PATTERN } from '../functions/shared/region.js';

/**
 * Everything the stack can be told at synth time, read from `cdk.json` "context" or `-c key=value`.
 * Values from `-c` always arrive as strings, values from cdk.json as JSON, so every reader accepts both.
 * Nothing here is looked up in AWS: the stack stays synthesizable offline and env-agnostic.
 */
export interface NotifierSettings {
  /** Stack name (context `stackName`). */
  readonly stackName: string;
  /** AWS region to pin the stack to; unset = environment-agnostic, the CLI's region at deploy time. */
  readonly region?: string;
  /** EventBridge Scheduler expression for the planner, `rate(…)` or `cron(…)`; see {@link tickSeconds}. */
  readonly schedule: string;
  /** Seconds a task with a running deployment waits on the poll queue (SQS DelaySeconds) before its next poll. */
  readonly activePollSeconds: number;
  /** CodeArts calls in flight across every worker: the call budget the workers share. */
  readonly codeartsConcurrency: number;
  /** The planner asks CodeArts' ListAllApp per project what moved (`on`), or polls every task every tick. */
  readonly changeFeed: boolean;
  /** Every watched task is polled directly at least this often (minutes), whatever the change feed says. */
  readonly sweepMinutes: number;
  /** Default Huawei Cloud region of watched tasks. */
  readonly codeartsRegion: string;
  /** Offset of CodeArts' zone-less timestamps, e.g. `+08:00`. */
  readonly codeartsTimeZone: string;
  readonly codeartsEndpoint?: string;
  readonly huaweiIamEndpoint?: string;
  readonly codeartsConsoleUrl?: string;
  readonly slackApiUrl?: string;
  /** Retention of every log group the stack creates (functions and API access logs). */
  readonly logRetention: RetentionDays;
  /** Email subscribed to the alarm topic the stack creates. Mutually exclusive with `alarmTopicArn`. */
  readonly alarmEmail?: string;
  /** Existing SNS topic for alarms; when set, the stack creates no topic. */
  readonly alarmTopicArn?: string;
  /** Existing Secrets Manager secrets (complete ARNs); unset = the stack creates placeholder secrets. */
  readonly huaweiSecretArn?: string;
  /** The Slack bot token's secret. */
  readonly slackSecretArn?: string;
  /** The Slack signing secret's secret. */
  readonly slackSigningSecretArn?: string;
  readonly apiKeysSecretArn?: string;
  /** Slack workspaces the slash command serves (SLACK_TEAM_ID), comma-separated; unset: any that signs. */
  readonly slackTeamIds?: string;
  /** Watches per channel, and of them unconfirmed ones (MAX_WATCHES_PER_CHANNEL, MAX_UNVERIFIED_PER_CHANNEL). */
  readonly maxWatchesPerChannel?: number;
  readonly maxUnverifiedPerChannel?: number;
  /** HTTP API stage throttling: steady-state requests per second and burst size. */
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
}

/** The context keys this app reads, each with what it accepts (used in error messages and the README). */
export const CONTEXT_KEYS = {
  stackName: 'CloudFormation stack name (letters, digits, hyphens; starts with a letter)',
  region: 'AWS region such as eu-west-1; omit for an environment-agnostic stack',
  schedule:
    'Scheduler expression: rate(1 minute) up to rate(60 minutes) or rate(1 hour), or cron(...) (taken as every minute)',
  activePollSeconds: 'integer 1..300 (seconds a running task waits on the poll queue before its next poll)',
  codeartsConcurrency: `integer 1..${MAX_CODEARTS_CONCURRENCY} (CodeArts calls in flight across every worker)`,
  changeFeed: 'on or off',
  sweepMinutes: `integer ${RANGES.sweepMinutes.min}..${RANGES.sweepMinutes.max} (minutes between direct polls of every task)`,
  codeartsRegion: 'Huawei Cloud region such as cn-north-4',
  codeartsTimeZone: 'UTC offset such as +08:00',
  codeartsEndpoint: 'https URL (credentials travel to it)',
  huaweiIamEndpoint: 'https URL (credentials travel to it)',
  codeartsConsoleUrl: 'http(s) URL template with {region}, {task_id}, {record_id}',
  slackApiUrl: 'https URL (the bot token travels to it)',
  logRetentionDays: `one of CloudWatch's retention periods in days (${finiteRetentionDays().join(', ')})`,
  alarmEmail: 'an email address (not together with alarmTopicArn)',
  alarmTopicArn: 'an SNS topic ARN (not together with alarmEmail)',
  huaweiSecretArn: 'a complete Secrets Manager secret ARN (ending in -XXXXXX)',
  slackSecretArn: 'a complete Secrets Manager secret ARN (ending in -XXXXXX)',
  slackSigningSecretArn: 'a complete Secrets Manager secret ARN (ending in -XXXXXX)',
  apiKeysSecretArn: 'a complete Secrets Manager secret ARN (ending in -XXXXXX)',
  slackTeamIds: 'Slack workspace IDs (T… or E…), comma-separated',
  maxWatchesPerChannel: `integer ${RANGES.maxWatchesPerChannel.min}..${RANGES.maxWatchesPerChannel.max}`,
  maxUnverifiedPerChannel: `integer ${RANGES.maxUnverifiedPerChannel.min}..${RANGES.maxUnverifiedPerChannel.max}`,
  apiThrottleRateLimit: 'integer 1..10000 requests per second',
  apiThrottleBurstLimit: 'integer 1..5000 requests',
} as const;

export type ContextKey = keyof typeof CONTEXT_KEYS;

export const DEFAULT_SETTINGS = {
  stackName: 'CodeArtsNotifier',
  schedule: 'rate(1 minute)',
  activePollSeconds: DEFAULTS.activePollSeconds,
  codeartsConcurrency: DEFAULTS.codeartsConcurrency,
  changeFeed: DEFAULTS.changeFeed,
  sweepMinutes: DEFAULTS.sweepMinutes,
  codeartsRegion: DEFAULTS.codeartsRegion,
  codeartsTimeZone: DEFAULTS.codeartsTimeZone,
  logRetention: RetentionDays.ONE_MONTH,
  apiThrottleRateLimit: 10,
  apiThrottleBurstLimit: 20,
} as const satisfies Partial<NotifierSettings>;

/** Thrown with every invalid key listed at once, so one `cdk synth` shows all that needs fixing. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CDK context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\([^()]+\)$/;
const RATE_UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };
/** The functions accept POLL_INTERVAL_SECONDS up to an hour (functions/config.ts). */
const MAX_TICK_SECONDS = 3600;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TEAM_IDS = /^[TE][A-Z0-9]{6,20}(,[TE][A-Z0-9]{6,20})*$/;

/**
 * Seconds between two planner ticks (POLL_INTERVAL_SECONDS) for a Scheduler expression: `rate(N unit)` is N
 * units; a `cron(…)` is taken as every minute, the shortest period a cron can have. Undefined when the
 * expression is neither, or a rate Scheduler refuses (zero, or `1 minutes`).
 */
export function tickSeconds(schedule: string): number | undefined {
  if (CRON.test(schedule)) return 60;
  const rate = RATE.exec(schedule);
  if (!rate) return undefined;
  const count = Number(rate[1]);
  const unit = rate[2] ?? '';
  // Scheduler wants the singular unit for 1 and the plural otherwise, and refuses a zero rate.
  if (count === 0 || (count === 1) !== !unit.endsWith('s')) return undefined;
  return count * (RATE_UNIT_SECONDS[unit.replace(/s$/, '')] ?? Number.NaN);
}

function finiteRetentionDays(): number[] {
  return Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE)
    .sort((a, b) => a - b);
}

/**
 * Reads and validates the settings. `get` is `(key) => app.node.tryGetContext(key)` in bin/app.ts and a
 * plain object lookup in tests.
 */
export function readSettings(get: (key: ContextKey) => unknown): NotifierSettings {
  const problems: string[] = [];
  const fail = (key: ContextKey, value: unknown): undefined => {
    problems.push(`${key}=${JSON.stringify(value)}: expected ${CONTEXT_KEYS[key]}`);
    return undefined;
  };

  // Empty strings count as unset so `-c codeartsEndpoint=` can clear a value set in cdk.json.
  const raw = (key: ContextKey): unknown => {
    const value = get(key);
    return value === '' || value === null ? undefined : value;
  };

  const text = (key: ContextKey, pattern: RegExp): string | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    return typeof value === 'string' && pattern.test(value) ? value : fail(key, value);
  };

  /** `secure`: an endpoint that receives credentials; a Lambda has no loopback simulator, so https only. */
  const url = (key: ContextKey, secure = false): string | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    const scheme = secure ? /^https:\/\//i : /^https?:\/\//i;
    if (typeof value === 'string' && scheme.test(value) && URL.canParse(value)) return value;
    return fail(key, value);
  };

  const integer = (key: ContextKey, min: number, max: number): number | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+$/.test(value)
          ? Number(value)
          : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : fail(key, value);
  };

  const schedule = (): string | undefined => {
    const value = raw('schedule');
    if (value === undefined) return undefined;
    const seconds = typeof value === 'string' ? tickSeconds(value) : undefined;
    return seconds !== undefined && seconds <= MAX_TICK_SECONDS ? (value as string) : fail('schedule', value);
  };

  const onOff = (key: ContextKey): boolean | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    return value === 'on' || value === 'off' ? value === 'on' : fail(key, value);
  };

  const retention = (): RetentionDays | undefined => {
    const days = integer('logRetentionDays', 1, 3653);
    if (days === undefined) return undefined;
    return finiteRetentionDays().includes(days) ? (days as RetentionDays) : fail('logRetentionDays', days);
  };

  const settings: NotifierSettings = {
    stackName: text('stackName', STACK_NAME) ?? DEFAULT_SETTINGS.stackName,
    region: text('region', REGION_PATTERN),
    schedule: schedule() ?? DEFAULT_SETTINGS.schedule,
    activePollSeconds: integer('activePollSeconds', 1, 300) ?? DEFAULT_SETTINGS.activePollSeconds,
    codeartsConcurrency:
      integer('codeartsConcurrency', 1, MAX_CODEARTS_CONCURRENCY) ?? DEFAULT_SETTINGS.codeartsConcurrency,
    changeFeed: onOff('changeFeed') ?? DEFAULT_SETTINGS.changeFeed,
    sweepMinutes:
      integer('sweepMinutes', RANGES.sweepMinutes.min, RANGES.sweepMinutes.max) ??
      DEFAULT_SETTINGS.sweepMinutes,
    codeartsRegion: text('codeartsRegion', REGION_PATTERN) ?? DEFAULT_SETTINGS.codeartsRegion,
    codeartsTimeZone: text('codeartsTimeZone', TIME_ZONE_OFFSET_PATTERN) ?? DEFAULT_SETTINGS.codeartsTimeZone,
    codeartsEndpoint: url('codeartsEndpoint', true),
    huaweiIamEndpoint: url('huaweiIamEndpoint', true),
    codeartsConsoleUrl: url('codeartsConsoleUrl'),
    slackApiUrl: url('slackApiUrl', true),
    logRetention: retention() ?? DEFAULT_SETTINGS.logRetention,
    alarmEmail: text('alarmEmail', EMAIL),
    alarmTopicArn: text('alarmTopicArn', TOPIC_ARN),
    huaweiSecretArn: text('huaweiSecretArn', SECRET_ARN),
    slackSecretArn: text('slackSecretArn', SECRET_ARN),
    slackSigningSecretArn: text('slackSigningSecretArn', SECRET_ARN),
    apiKeysSecretArn: text('apiKeysSecretArn', SECRET_ARN),
    slackTeamIds: text('slackTeamIds', TEAM_IDS),
    maxWatchesPerChannel: integer(
      'maxWatchesPerChannel',
      RANGES.maxWatchesPerChannel.min,
      RANGES.maxWatchesPerChannel.max,
    ),
    maxUnverifiedPerChannel: integer(
      'maxUnverifiedPerChannel',
      RANGES.maxUnverifiedPerChannel.min,
      RANGES.maxUnverifiedPerChannel.max,
    ),
    apiThrottleRateLimit: integer('apiThrottleRateLimit', 1, 10_000) ?? DEFAULT_SETTINGS.apiThrottleRateLimit,
    apiThrottleBurstLimit:
      integer('apiThrottleBurstLimit', 1, 5_000) ?? DEFAULT_SETTINGS.apiThrottleBurstLimit,
  };

  if (settings.alarmEmail && settings.alarmTopicArn) {
    problems.push(
      'alarmEmail and alarmTopicArn are both set: give alarmEmail to let the stack create a topic, ' +
        'or alarmTopicArn to use an existing one (subscribe the email to that topic yourself)',
    );
  }

  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}
