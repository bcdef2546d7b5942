import { Duration } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A message that failed this many receives is a poison message: it moves to the dead-letter queue. */
export const POLL_MAX_RECEIVE_COUNT = 5;
/** AWS advises a visibility timeout of at least six times the timeout of the function a queue feeds. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** The longest DelaySeconds SQS accepts on a message: the longest a worker can put a task back for. */
export const MAX_MESSAGE_DELAY = Duration.seconds(900);

/** What the event source mapping calls on the queue with its function's role (Lambda's SQS execution role). */
export const CONSUME_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

export interface PollQueueProps {
  /** Timeout of the function that consumes the queue. */
  readonly consumerTimeout: Duration;
}

/**
 * The poll queue (docs/architecture.md): one message per task poll, sent by the planner every tick and by
 * workers putting a running task back with a delay. A standard queue, because FIFO queues have no per-message
 * DelaySeconds; its at-least-once, unordered delivery is fine because the task item, not the queue, is the
 * guarantee: every write to it is conditional on the version read, so a poll delivered twice, late or out of
 * order cannot record a change twice. Encrypted with the SQS-managed key (no key to pay for or to grant) and
 * refusing plain HTTP, as is its dead-letter queue.
 */
export class PollQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PollQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      // The longest SQS allows, and longer than the poll queue's: a message keeps its first enqueue time when
      // it moves here, so a shorter retention would drop it early. Time to look at a poison poll after a
      // weekend.
      retentionPeriod: Duration.days(14),
    });

    const visibilityTimeout = Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
    this.queue = new Queue(this, 'Queue', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      visibilityTimeout,
      // Short: a poll is worthless after a while, since the planner queues every due task again each tick.
      // Yet long enough for the longest delay plus every receive a poison message gets, so it reaches the
      // dead-letter queue (and its alarm) instead of expiring unseen: 15 + 5 × 3 minutes = 30 minutes.
      retentionPeriod: Duration.seconds(
        MAX_MESSAGE_DELAY.toSeconds() + POLL_MAX_RECEIVE_COUNT * visibilityTimeout.toSeconds(),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: POLL_MAX_RECEIVE_COUNT },
    });
  }

  /**
   * sqs:SendMessage alone (SendMessageBatch is authorised by it). `grantSendMessages` would add
   * GetQueueAttributes and GetQueueUrl, which nothing calls: the functions get the queue URL from
   * POLL_QUEUE_URL.
   */
  grantSend(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
  }

  /**
   * What the event source mapping needs of its function's role. `grantConsumeMessages` would add
   * ChangeMessageVisibility and GetQueueUrl, which neither the mapping nor the worker calls.
   */
  grantConsume(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: [...CONSUME_ACTIONS],
      resourceArns: [this.queue.queueArn],
    });
  }
}
