import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SERVICE_NAMES } from '../../functions/shared/metrics.js';
import { ENTRY } from '../paths.js';
import { NotifierFunction } from './function-defaults.js';
import type { PollQueue } from './poll-queue.js';
import { grantGetSecretValue } from './secrets.js';
import type { NotifierTable } from './table.js';

/**
 * An upper bound well below the one-minute period: a tick reads the watch index, asks the change feed and
 * queues its polls in seconds, and a hung call must not run into the next tick.
 */
export const PLANNER_TIMEOUT = Duration.seconds(50);
/** The minimum Lambda and Scheduler accept: a tick that cannot start within a minute is superseded anyway. */
export const TICK_MAX_EVENT_AGE = Duration.seconds(60);

/**
 * LambdaInvoke, minus the `<function ARN>:*` grant (IAM5): the schedule always invokes the unqualified
 * function ARN, so invoking versions and aliases is never needed.
 */
class InvokeUnqualifiedFunction extends LambdaInvoke {
  constructor(
    private readonly targetFunction: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(targetFunction, props);
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.targetFunction.functionArn],
      }),
    );
  }
}

/**
 * The on-failure destination, granting only sqs:SendMessage (what Lambda uses to deliver the record);
 * `SqsDestination` would add GetQueueAttributes and GetQueueUrl, which nothing here calls.
 */
function sendOnlyQueueDestination(queue: IQueue): IDestination {
  return {
    bind: (_scope, fn) => {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
      return { destination: queue.queueArn };
    },
  };
}

export interface PlannerProps {
  readonly table: NotifierTable;
  readonly pollQueue: PollQueue;
  readonly huaweiSecret: ISecret;
  /** Scheduler expression, e.g. `rate(1 minute)`. */
  readonly schedule: string;
  /** Seconds between ticks (POLL_INTERVAL_SECONDS), derived from the schedule. */
  readonly tickSeconds: number;
  readonly activePollSeconds: number;
  readonly codeartsConcurrency: number;
  readonly changeFeed: boolean;
  readonly sweepMinutes: number;
  /** CODEARTS_* / HUAWEI_IAM_ENDPOINT variables: the planner talks to CodeArts, never to Slack. */
  readonly codeartsEnvironment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
}

/**
 * The scheduled planner (docs/architecture.md): one invocation at a time (reserved concurrency 1),
 * no retries and a 60 s maximum event age at both Scheduler and Lambda so a late tick is dropped instead of
 * queued behind the next one, and whatever is dropped or fails lands in one encrypted queue. Each tick it
 * reads the watch index, asks CodeArts' change feed (ListAllApp) what moved, and queues one poll per due
 * task.
 */
export class Planner extends Construct {
  readonly fn: NodejsFunction;
  readonly failureQueue: Queue;
  readonly schedule: Schedule;
  readonly schedulerRole: Role;

  constructor(scope: Construct, id: string, props: PlannerProps) {
    super(scope, id);

    this.failureQueue = new Queue(this, 'FailureQueue', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      // The longest SQS allows: time to look at a failed tick after a weekend.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead end: the planner on-failure destination and the Scheduler dead-letter ' +
        'queue. Nothing consumes it automatically; its depth raises an alarm and a person inspects it.',
    });

    const planner = new NotifierFunction(this, 'Planner', {
      entry: ENTRY.planner,
      description: 'Plans each tick: queues one poll per watched CodeArts Deploy task that is due',
      serviceName: SERVICE_NAMES.planner,
      timeout: PLANNER_TIMEOUT,
      reservedConcurrentExecutions: 1,
      logRetention: props.logRetention,
      environment: {
        ...props.codeartsEnvironment,
        TABLE_NAME: props.table.table.tableName,
        POLL_QUEUE_URL: props.pollQueue.queue.queueUrl,
        POLL_INTERVAL_SECONDS: String(props.tickSeconds),
        ACTIVE_POLL_SECONDS: String(props.activePollSeconds),
        CHANGE_FEED: props.changeFeed ? 'on' : 'off',
        SWEEP_MINUTES: String(props.sweepMinutes),
        CODEARTS_CONCURRENCY: String(props.codeartsConcurrency),
        // The change feed is a CodeArts call (ListAllApp): Huawei credentials, and nothing of Slack's.
        HUAWEI_SECRET_ARN: props.huaweiSecret.secretArn,
      },
    });
    const fn = planner.fn;
    this.fn = fn;

    fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: TICK_MAX_EVENT_AGE,
      onFailure: sendOnlyQueueDestination(this.failureQueue),
    });

    props.table.grantPlannerAccess(fn);
    props.pollQueue.grantSend(fn);
    grantGetSecretValue(fn, props.huaweiSecret);

    // Its own role, inside this construct, trusted only by schedules of this account's default group
    // (confused-deputy guard, as CDK's shared role does).
    const stack = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: invoke the planner, dead-letter undeliverable ticks',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Planner tick',
      schedule: ScheduleExpression.expression(props.schedule),
      // A flexible window would spread ticks over minutes; the planner relies on a steady cadence.
      timeWindow: TimeWindow.off(),
      target: new InvokeUnqualifiedFunction(fn, {
        role: this.schedulerRole,
        retryAttempts: 0,
        maxEventAge: TICK_MAX_EVENT_AGE,
        deadLetterQueue: this.failureQueue,
        // The scheduled time is the tick's ID: a duplicate or retried invocation of one tick plans it once
        // (Scheduler delivers at least once).
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
      }),
    });
  }
}
