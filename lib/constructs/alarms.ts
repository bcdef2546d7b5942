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
import { METRICS_NAMESPACE } from './function-defaults.js';

/**
 * Custom metrics the poller publishes (Powertools Metrics, EMF) in namespace CodeArtsNotifier with the
 * default dimension `service=poller`. The poller code must emit exactly these names for the alarms to work.
 */
export const POLLER_METRICS = {
  /** Count, 1 per completed cycle: the heartbeat. */
  cyclesCompleted: 'CyclesCompleted',
  /** Seconds, age of the oldest event still waiting for Slack delivery. */
  oldestPendingEventAgeSeconds: 'OldestPendingEventAgeSeconds',
  /** Count, > 0 when Slack rejects the bot token (invalid_auth, token_revoked, …). */
  slackTokenBroken: 'SlackTokenBroken',
} as const;

export interface NotifierAlarmsProps {
  readonly poller: IFunction;
  readonly failureQueue: IQueue;
  readonly apiStage: IHttpStage;
  /** Create a topic and subscribe this address. */
  readonly alarmEmail?: string;
  /** Use this existing topic instead of creating one. */
  readonly alarmTopicArn?: string;
}

/** The alarms of ecosystem notes §4.6, all notifying one SNS topic (on alarm and on recovery). */
export class NotifierAlarms extends Construct {
  readonly topic: ITopic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: NotifierAlarmsProps) {
    super(scope, id);
    this.topic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn)
      : this.createTopic(props);

    const prefix = Stack.of(this).stackName;
    const pollerMetric = (metricName: string, statistic: string): Metric =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: 'poller' },
        statistic,
        period: Duration.minutes(5),
      });

    const alarm = (
      alarmId: string,
      description: string,
      metric: IMetric,
      options: {
        threshold: number;
        comparisonOperator: ComparisonOperator;
        evaluationPeriods?: number;
        datapointsToAlarm?: number;
        treatMissingData?: TreatMissingData;
      },
    ): Alarm => {
      const a = new Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.datapointsToAlarm,
        threshold: options.threshold,
        comparisonOperator: options.comparisonOperator,
        // Silence is normal for error counters; only the heartbeat treats it as a failure.
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      a.addOkAction(new SnsAction(this.topic));
      return a;
    };

    this.alarms = [
      alarm(
        'PollerErrors',
        'The poller failed in 3 of the last 5 minutes. One failed tick is retried by the next one; repeated ones mean no changes reach Slack. See the poller log group.',
        props.poller.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
        {
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
        },
      ),
      alarm(
        'PollerHeartbeatMissing',
        'No poll cycle completed in 5 minutes: the schedule is disabled or broken, or every tick fails before the end. Nothing is being watched.',
        pollerMetric(POLLER_METRICS.cyclesCompleted, 'Sum'),
        {
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          // A schedule that stopped produces no data at all, which is exactly what this alarm is for.
          treatMissingData: TreatMissingData.BREACHING,
        },
      ),
      alarm(
        'FailureQueueNotEmpty',
        'A poller tick failed or was dropped (Lambda on-failure destination or Scheduler dead-letter queue). Inspect the messages, then purge the queue.',
        props.failureQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        { threshold: 0, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
      alarm(
        'EventsPendingTooLong',
        'A deployment change has waited more than 10 minutes for Slack delivery (Slack down, rate-limited, or a broken channel).',
        pollerMetric(POLLER_METRICS.oldestPendingEventAgeSeconds, 'Maximum'),
        { threshold: 600, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
      alarm(
        'SlackTokenBroken',
        'Slack rejected the bot token (invalid_auth, token_revoked, account_inactive): nothing can be posted. Put a valid SLACK_BOT_TOKEN in the Slack secret.',
        pollerMetric(POLLER_METRICS.slackTokenBroken, 'Maximum'),
        { threshold: 0, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
      alarm(
        'Api5xx',
        'The HTTP API answered 5xx in the last 5 minutes: registrations or slash commands are failing. See the api log group.',
        props.apiStage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        { threshold: 0, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
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
