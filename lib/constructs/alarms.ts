import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
// The metric names are the functions' contract (pure data): renaming one there renames it here.
import {
  METRICS_NAMESPACE,
  PLANNER_METRICS,
  SERVICE_NAMES,
  WORKER_METRICS,
} from '../../functions/shared/metrics.js';

/** Ticks a visible poll may wait beyond its delay before the backlog alarm fires. */
export const POLL_BACKLOG_TICKS = 5;

export interface NotifierAlarmsProps {
  readonly planner: IFunction;
  readonly worker: IFunction;
  readonly pollQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly failureQueue: IQueue;
  readonly apiStage: IHttpStage;
  /** Seconds between planner ticks. */
  readonly tickSeconds: number;
  /** The delay a worker puts a running task back with (the usual age of a re-poll when it becomes visible). */
  readonly activePollSeconds: number;
  /** Create a topic and subscribe this address. */
  readonly alarmEmail?: string;
  /** Use this existing topic instead of creating one. */
  readonly alarmTopicArn?: string;
}

interface AlarmOptions {
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData?: TreatMissingData;
}

/**
 * Seconds after which the oldest visible poll counts as a backlog: POLL_BACKLOG_TICKS ticks beyond the delay
 * a running task is put back with. A poll redelivered once after a killed worker (visibility timeout, 3
 * minutes) stays below it; workers that cannot keep up, or keep failing, do not.
 */
export function pollBacklogSeconds(tickSeconds: number, activePollSeconds: number): number {
  return POLL_BACKLOG_TICKS * tickSeconds + activePollSeconds;
}

/**
 * The alarms for the planner, the workers, the queues and the API, all notifying one SNS topic (alarm and
 * OK).
 */
export class NotifierAlarms extends Construct {
  readonly topic: ITopic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: NotifierAlarmsProps) {
    super(scope, id);
    this.topic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn)
      : this.createTopic(props);

    const custom = (service: string, metricName: string, statistic: string, period: Duration): Metric =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic,
        period,
      });
    const fiveMinutes = Duration.minutes(5);
    const oneMinute = Duration.minutes(1);
    // A slower schedule than every 2½ minutes gets a heartbeat window of two of its ticks.
    const heartbeatWindow = Duration.seconds(Math.max(fiveMinutes.toSeconds(), 2 * props.tickSeconds));

    const prefix = Stack.of(this).stackName;
    const alarm = (alarmId: string, description: string, metric: IMetric, options: AlarmOptions): Alarm => {
      const a = new Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.datapointsToAlarm,
        threshold: options.threshold,
        comparisonOperator: options.comparisonOperator,
        // Silence is normal for error counters and empty queues; only the heartbeat treats it as a failure.
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      a.addOkAction(new SnsAction(this.topic));
      return a;
    };
    const anyAbove = (threshold: number): AlarmOptions => ({
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    const errorsIn3Of5Minutes: AlarmOptions = { ...anyAbove(0), evaluationPeriods: 5, datapointsToAlarm: 3 };
    const queueDepth = (queue: IQueue): IMetric =>
      queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' });

    this.alarms = [
      alarm(
        'PlannerErrors',
        'The planner failed in 3 of the last 5 minutes. A failed tick is not retried (the next one plans again); repeated failures mean no task is polled except running ones already on the queue. See the planner log group.',
        props.planner.metricErrors({ period: oneMinute, statistic: 'Sum' }),
        errorsIn3Of5Minutes,
      ),
      alarm(
        'PlannerHeartbeatMissing',
        'No planner tick was planned to the end recently: the schedule is disabled or broken, or every tick fails. Nothing new is being polled.',
        custom(SERVICE_NAMES.planner, PLANNER_METRICS.ticksPlanned, 'Sum', heartbeatWindow),
        {
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          // A schedule that stopped produces no data at all, which is exactly what this alarm is for.
          treatMissingData: TreatMissingData.BREACHING,
        },
      ),
      alarm(
        'WorkerErrors',
        'Worker invocations failed as a whole in 3 of the last 5 minutes (a failed poll alone is reported per message and retried). Their polls come back after the visibility timeout. See the worker log group.',
        props.worker.metricErrors({ period: oneMinute, statistic: 'Sum' }),
        errorsIn3Of5Minutes,
      ),
      alarm(
        'PollQueueBacklog',
        `A poll has waited on the poll queue more than ${POLL_BACKLOG_TICKS} ticks beyond its delay for 3 minutes: the workers cannot keep up (raise codeartsConcurrency if CodeArts allows) or keep failing.`,
        props.pollQueue.metricApproximateAgeOfOldestMessage({ period: oneMinute, statistic: 'Maximum' }),
        {
          ...anyAbove(pollBacklogSeconds(props.tickSeconds, props.activePollSeconds)),
          evaluationPeriods: 3,
        },
      ),
      alarm(
        'PollDeadLetters',
        'A poll failed every one of its receives and moved to the dead-letter queue. The planner polls the task again on its own; inspect the message and the worker log, then purge the queue.',
        queueDepth(props.deadLetterQueue),
        anyAbove(0),
      ),
      alarm(
        'FailureQueueNotEmpty',
        'A planner tick failed or was dropped (Lambda on-failure destination or Scheduler dead-letter queue). Inspect the messages, then purge the queue.',
        queueDepth(props.failureQueue),
        anyAbove(0),
      ),
      alarm(
        'EventsPendingTooLong',
        'A deployment change has waited more than 10 minutes for Slack delivery (Slack down, rate-limited, or a broken channel).',
        custom(SERVICE_NAMES.planner, PLANNER_METRICS.oldestPendingEventAgeSeconds, 'Maximum', fiveMinutes),
        anyAbove(600),
      ),
      alarm(
        'ChangeFeedFallback',
        "CodeArts' change feed (ListAllApp) has failed for some project for 30 minutes: every task of it is polled every tick, which costs CodeArts calls (and may meet its throttling). GET /tasks shows which project (health.change_feed) and the error; set CHANGE_FEED=off if the API is not served in your region.",
        custom(SERVICE_NAMES.planner, PLANNER_METRICS.feedFallbacks, 'Maximum', fiveMinutes),
        { ...anyAbove(0), evaluationPeriods: 6 },
      ),
      alarm(
        'SlackTokenBroken',
        'Slack rejected the bot token (invalid_auth, token_revoked, account_inactive): nothing can be posted. Put a valid SLACK_BOT_TOKEN in the Slack secret.',
        custom(SERVICE_NAMES.worker, WORKER_METRICS.slackTokenBroken, 'Maximum', fiveMinutes),
        anyAbove(0),
      ),
      alarm(
        'Api5xx',
        'The HTTP API answered 5xx in the last 5 minutes: registrations or slash commands are failing. See the api log group.',
        props.apiStage.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
        anyAbove(0),
      ),
    ];
  }

  private createTopic(props: NotifierAlarmsProps): Topic {
    const topic = new Topic(this, 'Topic', { displayName: 'CodeArts notifier alarms', enforceSSL: true });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states, no secrets or user data. CloudWatch cannot ' +
        'publish to a topic encrypted with the AWS-managed aws/sns key, and a customer-managed key would add ' +
        'a monthly key charge and a key policy for no data worth protecting.',
    });
    if (props.alarmEmail) topic.addSubscription(new EmailSubscription(props.alarmEmail));
    return topic;
  }
}
