import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuiltApp, buildApp, logicalId } from './notifier-app.js';

let built: BuiltApp;
// The first synth in a worker loads most of aws-cdk-lib; allow for a busy machine.
beforeAll(() => {
  built = buildApp();
}, 120_000);

const idOf = (construct: Parameters<typeof logicalId>[1]) => logicalId(built.stack, construct);
const has = (props: Record<string, unknown>) =>
  built.template.hasResourceProperties('AWS::CloudWatch::Alarm', props);
const queueName = (id: string) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }];

describe('alarms', () => {
  it('ten alarms, all notifying the alarm topic on alarm and on recovery', () => {
    const topicRef = { Ref: idOf(built.stack.alarms.topic) };
    const alarms = Object.values(built.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(10);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
    }
  });

  it('a change feed failing for half an hour raises an alarm', () => {
    has({
      Namespace: 'CodeArtsNotifier',
      MetricName: 'FeedFallbacks',
      Dimensions: [{ Name: 'service', Value: 'planner' }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 6,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('the heartbeat treats a silent planner as breaching', () => {
    has({
      Namespace: 'CodeArtsNotifier',
      MetricName: 'TicksPlanned',
      Dimensions: [{ Name: 'service', Value: 'planner' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('planner and worker errors, in 3 of 5 minutes', () => {
    for (const fn of [built.stack.planner.fn, built.stack.worker.fn]) {
      has({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(fn) } }],
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 0,
      });
    }
  });

  it('a poll waiting on the queue for more than five ticks beyond its delay', () => {
    has({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: queueName(idOf(built.stack.pollQueue.queue)),
      Statistic: 'Maximum',
      Threshold: 5 * 60 + 10,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('any message in the dead-letter queue or the failure queue', () => {
    for (const queue of [built.stack.pollQueue.deadLetterQueue, built.stack.planner.failureQueue]) {
      has({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: queueName(idOf(queue)),
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('stuck events (from the planner), a broken Slack token (from the workers), API 5xx', () => {
    has({
      MetricName: 'OldestPendingEventAgeSeconds',
      Dimensions: [{ Name: 'service', Value: 'planner' }],
      Statistic: 'Maximum',
      Threshold: 600,
    });
    has({
      MetricName: 'SlackTokenBroken',
      Dimensions: [{ Name: 'service', Value: 'worker' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    has({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: Match.arrayWith([{ Name: 'Stage', Value: '$default' }]),
    });
  });

  it('a slower schedule widens the heartbeat window and the backlog threshold with its ticks', () => {
    const { template } = buildApp({ schedule: 'rate(10 minutes)', activePollSeconds: '30' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TicksPlanned',
      Period: 2 * 600,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 5 * 600 + 30,
    });
  });

  it('the created topic refuses plain HTTP, and alarmEmail subscribes an address', () => {
    built.template.resourceCountIs('AWS::SNS::Subscription', 0);
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const { template } = buildApp({ alarmEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('an existing topic is used as is', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    const { template } = buildApp({ alarmTopicArn: topicArn });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
    }
  });
});
