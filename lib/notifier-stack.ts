import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type NotifierSettings, tickSeconds } from './config.js';
import { NotifierAlarms } from './constructs/alarms.js';
import { NotifierApi } from './constructs/api.js';
import { Planner } from './constructs/planner.js';
import { PollQueue } from './constructs/poll-queue.js';
import { NotifierSecrets } from './constructs/secrets.js';
import { NotifierTable } from './constructs/table.js';
import { WORKER_TIMEOUT, Worker } from './constructs/worker.js';

export interface NotifierStackProps extends StackProps {
  readonly settings: NotifierSettings;
}

/**
 * The environment variables for talking to CodeArts (functions/config.ts reads them), read the same way by
 * every function. Optional overrides are left out when unset, so the function's own defaults (derived from
 * the region) apply.
 */
export function codeartsEnvironment(s: NotifierSettings): Record<string, string> {
  const env: Record<string, string> = {
    CODEARTS_REGION: s.codeartsRegion,
    CODEARTS_TIME_ZONE: s.codeartsTimeZone,
  };
  if (s.codeartsEndpoint) env.CODEARTS_ENDPOINT = s.codeartsEndpoint;
  if (s.huaweiIamEndpoint) env.HUAWEI_IAM_ENDPOINT = s.huaweiIamEndpoint;
  return env;
}

/** The CodeArts variables plus those of the functions that talk to Slack (the worker and the api). */
export function serviceEnvironment(s: NotifierSettings): Record<string, string> {
  const env = codeartsEnvironment(s);
  if (s.codeartsConsoleUrl) env.CODEARTS_CONSOLE_URL = s.codeartsConsoleUrl;
  if (s.slackApiUrl) env.SLACK_API_URL = s.slackApiUrl;
  return env;
}

/** Variables only the api function reads (who may use the slash command, what a channel may hold). */
export function apiEnvironment(s: NotifierSettings): Record<string, string> {
  const env: Record<string, string> = {};
  if (s.slackTeamIds) env.SLACK_TEAM_ID = s.slackTeamIds;
  if (s.maxWatchesPerChannel !== undefined) env.MAX_WATCHES_PER_CHANNEL = String(s.maxWatchesPerChannel);
  if (s.maxUnverifiedPerChannel !== undefined)
    env.MAX_UNVERIFIED_PER_CHANNEL = String(s.maxUnverifiedPerChannel);
  return env;
}

/**
 * The whole notifier: table, secrets, the scheduled planner, the poll queue and its workers, the registration
 * API, alarms.
 */
export class NotifierStack extends Stack {
  readonly table: NotifierTable;
  readonly secrets: NotifierSecrets;
  readonly pollQueue: PollQueue;
  readonly planner: Planner;
  readonly worker: Worker;
  readonly api: NotifierApi;
  readonly alarms: NotifierAlarms;

  constructor(scope: Construct, id: string, props: NotifierStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const shared = serviceEnvironment(s);
    // readSettings only accepts a schedule it can derive a period from.
    const tick = tickSeconds(s.schedule)!;

    this.table = new NotifierTable(this, 'Store');
    this.secrets = new NotifierSecrets(this, 'Secrets', {
      huaweiSecretArn: s.huaweiSecretArn,
      slackSecretArn: s.slackSecretArn,
      slackSigningSecretArn: s.slackSigningSecretArn,
      apiKeysSecretArn: s.apiKeysSecretArn,
    });

    this.pollQueue = new PollQueue(this, 'PollQueue', { consumerTimeout: WORKER_TIMEOUT });

    this.planner = new Planner(this, 'Planning', {
      table: this.table,
      pollQueue: this.pollQueue,
      huaweiSecret: this.secrets.huawei,
      schedule: s.schedule,
      tickSeconds: tick,
      activePollSeconds: s.activePollSeconds,
      codeartsConcurrency: s.codeartsConcurrency,
      changeFeed: s.changeFeed,
      sweepMinutes: s.sweepMinutes,
      codeartsEnvironment: codeartsEnvironment(s),
      logRetention: s.logRetention,
    });

    this.worker = new Worker(this, 'Workers', {
      table: this.table,
      pollQueue: this.pollQueue,
      huaweiSecret: this.secrets.huawei,
      // The bot token's secret only: the workers never see the signing secret.
      slackSecret: this.secrets.slack,
      tickSeconds: tick,
      activePollSeconds: s.activePollSeconds,
      codeartsConcurrency: s.codeartsConcurrency,
      serviceEnvironment: shared,
      logRetention: s.logRetention,
    });

    this.api = new NotifierApi(this, 'Registration', {
      table: this.table,
      pollQueue: this.pollQueue,
      huaweiSecret: this.secrets.huawei,
      slackSigningSecret: this.secrets.slackSigning,
      apiKeysSecret: this.secrets.apiKeys,
      serviceEnvironment: { ...shared, ...apiEnvironment(s) },
      logRetention: s.logRetention,
      throttleRateLimit: s.apiThrottleRateLimit,
      throttleBurstLimit: s.apiThrottleBurstLimit,
    });

    this.alarms = new NotifierAlarms(this, 'Alarms', {
      planner: this.planner.fn,
      worker: this.worker.fn,
      pollQueue: this.pollQueue.queue,
      deadLetterQueue: this.pollQueue.deadLetterQueue,
      failureQueue: this.planner.failureQueue,
      apiStage: this.api.stage,
      tickSeconds: tick,
      activePollSeconds: s.activePollSeconds,
      alarmEmail: s.alarmEmail,
      alarmTopicArn: s.alarmTopicArn,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'HuaweiSecretArn', {
      value: this.secrets.huawei.secretArn,
      description: 'Fill with put-secret-value (lib/README.md)',
    });
    new CfnOutput(this, 'SlackSecretArn', {
      value: this.secrets.slack.secretArn,
      description: 'The Slack bot token (SLACK_BOT_TOKEN); fill with put-secret-value (lib/README.md)',
    });
    new CfnOutput(this, 'SlackSigningSecretArn', {
      value: this.secrets.slackSigning.secretArn,
      description:
        'The Slack signing secret (SLACK_SIGNING_SECRET); fill with put-secret-value (lib/README.md)',
    });
    new CfnOutput(this, 'ApiKeysSecretArn', {
      value: this.secrets.apiKeys.secretArn,
      description: 'Holds NOTIFIER_API_KEY, the bearer key for /tasks',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'PollDeadLetterQueueUrl', {
      value: this.pollQueue.deadLetterQueue.queueUrl,
      description: 'Polls that failed every receive (alarm PollDeadLetters)',
    });
    new CfnOutput(this, 'FailureQueueUrl', {
      value: this.planner.failureQueue.queueUrl,
      description: 'Planner ticks that failed or were dropped (alarm FailureQueueNotEmpty)',
    });
  }
}
