import { Duration } from 'aws-cdk-lib';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
// The call budget is pure data shared with the worker, so both derive the same numbers (lib/ may import it).
import {
  type CallBudget,
  callBudget,
  MAX_BATCHING_WINDOW_SECONDS,
  workerBatchSize,
} from '../../functions/shared/call-budget.js';
import { SERVICE_NAMES } from '../../functions/shared/metrics.js';
import { ENTRY } from '../paths.js';
import { NotifierFunction } from './function-defaults.js';
import type { PollQueue } from './poll-queue.js';
import { grantGetSecretValue } from './secrets.js';
import type { NotifierTable } from './table.js';

/**
 * A batch normally ends in a second or two (below); 30 s bounds one whose CodeArts or Slack calls run into
 * their own timeouts. The poll queue's visibility timeout is six times this.
 */
export const WORKER_TIMEOUT = Duration.seconds(30);

/** How long the event source mapping may gather a batch (see MAX_BATCHING_WINDOW_SECONDS). */
export const MAX_BATCHING_WINDOW = Duration.seconds(MAX_BATCHING_WINDOW_SECONDS);

export interface WorkerProps {
  readonly table: NotifierTable;
  readonly pollQueue: PollQueue;
  readonly huaweiSecret: ISecret;
  readonly slackSecret: ISecret;
  /** Seconds between planner ticks (POLL_INTERVAL_SECONDS). */
  readonly tickSeconds: number;
  readonly activePollSeconds: number;
  /** CodeArts calls in flight across every worker (CODEARTS_CONCURRENCY). */
  readonly codeartsConcurrency: number;
  /** CODEARTS_* / HUAWEI_IAM_ENDPOINT / SLACK_API_URL variables shared with the api function. */
  readonly serviceEnvironment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
}

/**
 * The workers (docs/architecture.md): the poll queue's event source mapping hands them batches; per task a
 * worker observes, decides, records and delivers, and puts a task whose run is still going back on the queue
 * with a delay of ACTIVE_POLL_SECONDS. Partial batch responses retry only the polls that failed. The
 * mapping's maximum concurrency is the budget's worker count, so every worker together keeps at most
 * CODEARTS_CONCURRENCY calls in flight.
 */
export class Worker extends Construct {
  readonly fn: NodejsFunction;
  readonly budget: CallBudget;
  readonly mapping: EventSourceMapping;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    this.budget = callBudget(props.codeartsConcurrency);

    const worker = new NotifierFunction(this, 'Worker', {
      entry: ENTRY.worker,
      description: 'Polls the CodeArts Deploy tasks the planner queued and posts their changes to Slack',
      serviceName: SERVICE_NAMES.worker,
      timeout: WORKER_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...props.serviceEnvironment,
        TABLE_NAME: props.table.table.tableName,
        // A task whose run is still going is put back on the queue with a delay.
        POLL_QUEUE_URL: props.pollQueue.queue.queueUrl,
        POLL_INTERVAL_SECONDS: String(props.tickSeconds),
        ACTIVE_POLL_SECONDS: String(props.activePollSeconds),
        CODEARTS_CONCURRENCY: String(props.codeartsConcurrency),
        HUAWEI_SECRET_ARN: props.huaweiSecret.secretArn,
        SLACK_SECRET_ARN: props.slackSecret.secretArn,
      },
    });
    const fn = worker.fn;
    this.fn = fn;

    props.table.grantWorkerAccess(fn);
    props.pollQueue.grantSend(fn);
    grantGetSecretValue(fn, props.huaweiSecret, props.slackSecret);
    const consume = props.pollQueue.grantConsume(fn);

    this.mapping = new EventSourceMapping(this, 'PollQueueMapping', {
      target: fn,
      eventSourceArn: props.pollQueue.queue.queueArn,
      batchSize: workerBatchSize(this.budget),
      maxBatchingWindow: MAX_BATCHING_WINDOW,
      reportBatchItemFailures: true,
      maxConcurrency: this.budget.workers,
    });
    // Lambda checks the role can receive from the queue when the mapping is created.
    consume.applyBefore(this.mapping);
  }
}
