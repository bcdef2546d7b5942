import { beforeAll, describe, expect, it } from 'vitest';
import { callBudget } from '../../functions/shared/call-budget.js';
import {
  actionsOfRole,
  type BuiltApp,
  buildApp,
  conditionsFor,
  logicalId,
  resourcesFor,
} from './notifier-app.js';

// The planner, the poll queue and the workers, as docs/architecture.md describes them.

const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const OWN_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

let built: BuiltApp;
// The first synth in a worker loads most of aws-cdk-lib; allow for a busy machine.
beforeAll(() => {
  built = buildApp();
}, 120_000);

const resources = () => built.template.toJSON().Resources;
const idOf = (construct: Parameters<typeof logicalId>[1]) => logicalId(built.stack, construct);
const plannerId = () => idOf(built.stack.planner.fn);
const workerId = () => idOf(built.stack.worker.fn);
const pollQueueId = () => idOf(built.stack.pollQueue.queue);
const roleOf = (which: 'planner' | 'worker') => idOf(built.stack[which].fn.role!);
const env = (fnId: string) => resources()[fnId]!.Properties.Environment.Variables as Record<string, unknown>;
const arnOf = (id: string) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
const tableArn = () => arnOf(idOf(built.stack.table.table));
const indexArn = () =>
  JSON.stringify({
    'Fn::Join': ['', [{ 'Fn::GetAtt': [idOf(built.stack.table.table), 'Arn'] }, '/index/watch-index']],
  });
const leadingKeys = (keys: string[]) =>
  JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } });

describe('planner', () => {
  it('runs one at a time, finishing well inside the one-minute period', () => {
    const props = resources()[plannerId()]!.Properties;
    expect(props.ReservedConcurrentExecutions).toBe(1);
    expect(props.Timeout).toBeLessThanOrEqual(50);
  });

  it('drops late or failed ticks instead of retrying them, into the failure queue', () => {
    built.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: plannerId() },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [idOf(built.stack.planner.failureQueue), 'Arn'] } },
      },
    });
  });

  it('is ticked by EventBridge Scheduler every minute, without retries or a flexible window', () => {
    built.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    built.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [plannerId(), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf(built.stack.planner.failureQueue), 'Arn'] } },
      },
    });
  });

  it('the schedule role may invoke only the unqualified planner and dead-letter to the failure queue', () => {
    const role = idOf(built.stack.planner.schedulerRole);
    expect(actionsOfRole(built.template, role)).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(resourcesFor(built.template, role, 'lambda:InvokeFunction')).toEqual([arnOf(plannerId())]);
    expect(resourcesFor(built.template, role, 'sqs:SendMessage')).toEqual([
      arnOf(idOf(built.stack.planner.failureQueue)),
    ]);
  });

  it('receives its settings as environment variables: CodeArts ones, the Huawei secret by ARN, nothing of Slack', () => {
    expect(env(plannerId())).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'planner',
      POWERTOOLS_METRICS_NAMESPACE: 'CodeArtsNotifier',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      CODEARTS_REGION: 'cn-north-4',
      CODEARTS_TIME_ZONE: '+08:00',
      TABLE_NAME: { Ref: idOf(built.stack.table.table) },
      POLL_QUEUE_URL: { Ref: pollQueueId() },
      POLL_INTERVAL_SECONDS: '60',
      ACTIVE_POLL_SECONDS: '10',
      CHANGE_FEED: 'on',
      SWEEP_MINUTES: '10',
      CODEARTS_CONCURRENCY: '8',
      HUAWEI_SECRET_ARN: { Ref: idOf(built.stack.secrets.huawei) },
    });
  });

  it('may use exactly: the watch index, its own items, the poll and failure queues, the Huawei secret, its logs', () => {
    const role = roleOf('planner');
    expect(actionsOfRole(built.template, role)).toEqual(
      [
        ...OWN_ITEM_ACTIONS,
        'dynamodb:Query',
        ...LOG_ACTIONS,
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(resourcesFor(built.template, role, 'dynamodb:Query')).toEqual([indexArn()]);
    expect(resourcesFor(built.template, role, 'sqs:SendMessage')).toEqual(
      [arnOf(pollQueueId()), arnOf(idOf(built.stack.planner.failureQueue))].sort(),
    );
    expect(resourcesFor(built.template, role, 'secretsmanager:GetSecretValue')).toEqual([
      JSON.stringify({ Ref: idOf(built.stack.secrets.huawei) }),
    ]);
  });

  it('reads and writes only its tick, the fleet gates and the change feed items, never a task item', () => {
    const role = roleOf('planner');
    for (const action of OWN_ITEM_ACTIONS) {
      expect(resourcesFor(built.template, role, action)).toEqual([tableArn()]);
      expect(conditionsFor(built.template, role, action)).toEqual([
        leadingKeys(['TICK#planner', 'GATE#fleet', 'FEED#*']),
      ]);
    }
  });
});

describe('poll queue', () => {
  const queueProps = () => resources()[pollQueueId()]!.Properties;
  const dlqId = () => idOf(built.stack.pollQueue.deadLetterQueue);

  it('is a standard queue (FIFO has no per-message delay) whose visibility timeout is ≥ 6× the worker timeout', () => {
    expect(queueProps().FifoQueue).toBeUndefined();
    expect(queueProps().VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * resources()[workerId()]!.Properties.Timeout,
    );
  });

  it('redrives a poll that failed 5 receives to its dead-letter queue', () => {
    expect(queueProps().RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId(), 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('keeps a poll briefly, yet long enough to reach the dead-letter queue after the longest delay', () => {
    const { MessageRetentionPeriod, VisibilityTimeout, RedrivePolicy } = queueProps();
    expect(MessageRetentionPeriod).toBeLessThanOrEqual(3600);
    expect(MessageRetentionPeriod).toBeGreaterThanOrEqual(
      900 + RedrivePolicy.maxReceiveCount * VisibilityTimeout,
    );
    const dlq = resources()[dlqId()]!.Properties;
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('every queue is encrypted and refuses plain HTTP', () => {
    const queues = built.template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(3);
    const policies = Object.values(built.template.findResources('AWS::SQS::QueuePolicy'));
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = policies.find((p) =>
        p.Properties.Queues.some((q: unknown) => JSON.stringify(q) === JSON.stringify({ Ref: id })),
      );
      expect(policy?.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });
});

describe('worker', () => {
  const mapping = () => Object.values(built.template.findResources('AWS::Lambda::EventSourceMapping'))[0]!;

  it('has a 30 s timeout and is fed by one event source mapping on the poll queue', () => {
    expect(resources()[workerId()]!.Properties.Timeout).toBe(30);
    built.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(mapping().Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [pollQueueId(), 'Arn'] },
      FunctionName: { Ref: workerId() },
    });
  });

  it('reports partial batch failures, and runs as many workers as the call budget allows', () => {
    const budget = callBudget(8);
    expect(mapping().Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: budget.workers },
      MaximumBatchingWindowInSeconds: 1,
    });
    // Several rounds of each worker's calls in flight, so they stay full while a batch is worked through.
    expect(mapping().Properties.BatchSize).toBeGreaterThanOrEqual(4 * budget.callsPerWorker);
  });

  it.each([
    [1, 2],
    [32, 4],
    [256, 32],
  ])('a budget of %i calls runs at most %i workers', (concurrency, workers) => {
    const { template } = buildApp({ codeartsConcurrency: String(concurrency) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: workers },
    });
  });

  it('is created only once its role may receive from the queue', () => {
    const receivePolicy = Object.entries(built.template.findResources('AWS::IAM::Policy')).find(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('sqs:ReceiveMessage'),
    )!;
    expect(mapping().DependsOn).toContain(receivePolicy[0]);
  });

  it('receives its settings as environment variables, secrets by ARN only', () => {
    expect(env(workerId())).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'worker',
      POWERTOOLS_METRICS_NAMESPACE: 'CodeArtsNotifier',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      CODEARTS_REGION: 'cn-north-4',
      CODEARTS_TIME_ZONE: '+08:00',
      TABLE_NAME: { Ref: idOf(built.stack.table.table) },
      POLL_QUEUE_URL: { Ref: pollQueueId() },
      POLL_INTERVAL_SECONDS: '60',
      ACTIVE_POLL_SECONDS: '10',
      CODEARTS_CONCURRENCY: '8',
      HUAWEI_SECRET_ARN: { Ref: idOf(built.stack.secrets.huawei) },
      SLACK_SECRET_ARN: { Ref: idOf(built.stack.secrets.slack) },
    });
  });

  it('may use exactly: task items and gates, the poll queue (send, and the mapping’s receive), two secrets, its logs', () => {
    const role = roleOf('worker');
    const consume = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];
    expect(actionsOfRole(built.template, role)).toEqual(
      [
        ...OWN_ITEM_ACTIONS,
        'dynamodb:Query',
        ...LOG_ACTIONS,
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
        ...consume,
      ].sort(),
    );
    for (const action of ['sqs:SendMessage', ...consume]) {
      expect(resourcesFor(built.template, role, action)).toEqual([arnOf(pollQueueId())]);
    }
    expect(resourcesFor(built.template, role, 'secretsmanager:GetSecretValue')).toEqual(
      [built.stack.secrets.huawei, built.stack.secrets.slack]
        .map((s) => JSON.stringify({ Ref: idOf(s) }))
        .sort(),
    );
  });

  it('reads and writes only task items and the fleet gates, never the planner’s tick; reads people', () => {
    const role = roleOf('worker');
    for (const action of OWN_ITEM_ACTIONS) {
      expect([...new Set(resourcesFor(built.template, role, action))]).toEqual([tableArn()]);
      expect(conditionsFor(built.template, role, action)).toEqual(
        (action === 'dynamodb:GetItem'
          ? [leadingKeys(['TASK#*', 'GATE#fleet']), leadingKeys(['PERSON#*'])]
          : [leadingKeys(['TASK#*', 'GATE#fleet'])]
        ).sort(),
      );
    }
    // A task's run summaries are read with a Query inside its own partition, never across the table.
    expect(resourcesFor(built.template, role, 'dynamodb:Query')).toEqual([tableArn()]);
    expect(conditionsFor(built.template, role, 'dynamodb:Query')).toEqual([leadingKeys(['TASK#*'])]);
  });
});

describe('planner and worker', () => {
  it.each(['planner', 'worker'] as const)(
    '%s: no Scan, Delete, batched or transactional access, no wildcard resource',
    (which) => {
      const role = roleOf(which);
      const actions = actionsOfRole(built.template, role);
      expect(actions.filter((a) => /Scan|Delete.*Item|Batch|Transact|\*/.test(a))).toEqual([]);
      const granted = JSON.stringify(actions.flatMap((a) => resourcesFor(built.template, role, a)));
      expect(granted).not.toContain('*');
    },
  );
});
