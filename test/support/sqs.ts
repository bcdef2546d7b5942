// Test support: a fresh embedded SQS (local-aws-sqs) over real HTTP, with a new queue per test when asked.
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../functions/adapters/sqs/client.js';
import { startEmbeddedSqs } from '../../local/sqs/embedded-sqs.js';

export interface TestQueue {
  queueUrl: string;
  queueArn: string;
}

export interface TestSqs {
  endpoint: string;
  region: string;
  client: SQSClient;
  /** A new empty standard queue on the same server (for test isolation). */
  newQueue(options?: { visibilityTimeoutSeconds?: number }): Promise<TestQueue>;
  stop(): Promise<void>;
}

export async function startTestSqs(): Promise<TestSqs> {
  const sqs = await startEmbeddedSqs();
  const client = createSqsClient({ endpoint: sqs.endpoint, region: sqs.region, maxAttempts: 1 });
  return {
    endpoint: sqs.endpoint,
    region: sqs.region,
    client,
    newQueue: async (options = {}) => {
      const created = await client.send(
        new CreateQueueCommand({
          QueueName: `polls-${randomUUID().slice(0, 8)}`,
          Attributes: { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30) },
        }),
      );
      const attributes = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl!, AttributeNames: ['QueueArn'] }),
      );
      return { queueUrl: created.QueueUrl!, queueArn: attributes.Attributes!.QueueArn! };
    },
    stop: async () => {
      client.destroy();
      await sqs.stop();
    },
  };
}

/** No message left in the queue: none visible, none in flight, none delayed. */
export async function queueIsEmpty(client: SQSClient, queueUrl: string): Promise<boolean> {
  const answer = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(answer.Attributes ?? {}).every((count) => count === '0');
}

/** One short receive (no long poll: the embedded SQS answers a long poll only at its end). */
export async function receiveOnce(
  client: SQSClient,
  queueUrl: string,
  visibilityTimeoutSeconds = 30,
): Promise<Message[]> {
  const answer = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: visibilityTimeoutSeconds,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return answer.Messages ?? [];
}

/** Receives (and hides, for the visibility timeout) every message visible now, until a receive comes back empty. */
export async function receiveVisible(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const batch = await receiveOnce(client, queueUrl);
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** Receives until `count` messages have come, or `attempts` empty receives in a row (about 40 ms each). */
export async function receiveCount(
  client: SQSClient,
  queueUrl: string,
  count: number,
  attempts = 200,
): Promise<Message[]> {
  const all: Message[] = [];
  let empty = 0;
  while (all.length < count && empty < attempts) {
    const batch = await receiveOnce(client, queueUrl);
    empty = batch.length === 0 ? empty + 1 : 0;
    all.push(...batch);
  }
  return all;
}
