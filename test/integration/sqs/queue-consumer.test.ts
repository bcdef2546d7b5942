import { createHash } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePollMessage } from '../../../functions/adapters/sqs/poll-message.js';
import { SqsPollQueue } from '../../../functions/adapters/sqs/poll-queue.js';
import {
  type ConsumerStage,
  QueueConsumer,
  type QueueConsumerOptions,
} from '../../../local/sqs/queue-consumer.js';
import { queueIsEmpty, receiveOnce, startTestSqs, type TestQueue, type TestSqs } from '../../support/sqs.js';

const TICK = '2026-12-01T10:00:00.000Z';
const taskId = (n: number) => n.toString(16).padStart(32, '0');
const indexOf = (record: SQSRecord) => Number.parseInt(parsePollMessage(record.body).taskId, 16);

let sqs: TestSqs;
const consumers: QueueConsumer[] = [];

beforeAll(async () => {
  sqs = await startTestSqs();
});
afterAll(async () => {
  await sqs.stop();
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop(1000)));
});

async function queueWith(count: number, visibilityTimeoutSeconds = 30): Promise<TestQueue> {
  const queue = await sqs.newQueue({ visibilityTimeoutSeconds });
  const polls = Array.from({ length: count }, (_, n) => ({
    message: { taskId: taskId(n), observe: true, until: 0, tick: TICK },
    delaySeconds: 0,
  }));
  await new SqsPollQueue({ client: sqs.client, queueUrl: queue.queueUrl }).send(polls);
  return queue;
}

interface Delivery {
  index: number;
  receiveCount: number;
  at: number;
  record: SQSRecord;
}

/** Starts a consumer whose handler records every delivery, then answers as `answer` says. */
function consume(
  queue: TestQueue,
  answer: (event: SQSEvent, context: Context, invocation: number) => Promise<unknown>,
  options: Partial<QueueConsumerOptions> = {},
) {
  const deliveries: Delivery[] = [];
  const errors: Array<{ stage: ConsumerStage; message: string }> = [];
  let invocation = 0;
  const consumer = QueueConsumer.start({
    client: sqs.client,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    region: sqs.region,
    visibilityTimeoutSeconds: 1,
    waitTimeSeconds: 0,
    onError: (error, stage) => errors.push({ stage, message: (error as Error).message }),
    ...options,
    handler: async (event, context) => {
      const at = Date.now();
      for (const record of event.Records) {
        deliveries.push({
          index: indexOf(record),
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
          at,
          record,
        });
      }
      return answer(event, context, ++invocation);
    },
  });
  consumers.push(consumer);
  return { consumer, deliveries, errors };
}

/** Waits (polling) until `condition` holds; throws naming `what` if it never does. */
async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  limitMs = 15_000,
): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const allDone = (queue: TestQueue) => () => queueIsEmpty(sqs.client, queue.queueUrl);
const byIndex = (deliveries: Delivery[], index: number) =>
  deliveries.filter((d) => d.index === index).map((d) => d.receiveCount);

describe('QueueConsumer', () => {
  it('hands batches over as the event source mapping does, then deletes them', async () => {
    const queue = await queueWith(3);
    const remaining: number[] = [];
    const { deliveries } = consume(
      queue,
      async (_event, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        return { batchItemFailures: [] };
      },
      { timeoutMs: 60_000, concurrency: 1 },
    );
    await until('three deliveries, deleted', async () => deliveries.length === 3 && (await allDone(queue)()));
    expect(deliveries.map((d) => d.index).sort()).toEqual([0, 1, 2]);
    for (const { record } of deliveries) {
      expect(record).toMatchObject({
        eventSource: 'aws:sqs',
        eventSourceARN: queue.queueArn,
        awsRegion: sqs.region,
        md5OfBody: createHash('md5').update(record.body).digest('hex'),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d{13}$/) },
      });
      expect(record.messageId).not.toBe('');
      expect(record.receiptHandle).not.toBe('');
      expect(record.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    }
    for (const ms of remaining) expect(ms).toBeGreaterThan(0);
    for (const ms of remaining) expect(ms).toBeLessThanOrEqual(60_000);
  });

  it('gathers a batch larger than one receive within the batching window, as the event source mapping does', async () => {
    const queue = await queueWith(25);
    const sizes: number[] = [];
    const { deliveries } = consume(
      queue,
      async (event) => {
        sizes.push(event.Records.length);
        return { batchItemFailures: [] };
      },
      { concurrency: 1, batchSize: 25, batchingWindowMs: 2_000, visibilityTimeoutSeconds: 30 },
    );
    await until('25 deliveries, deleted', async () => deliveries.length === 25 && (await allDone(queue)()));
    expect(sizes).toEqual([25]); // one invocation: three receives of up to ten, deleted ten at a time
    expect(new Set(deliveries.map((d) => d.index)).size).toBe(25);
  });

  it('deletes the records not in batchItemFailures; the failed ones come back after the visibility timeout', async () => {
    const queue = await queueWith(6, 2);
    const { deliveries } = consume(
      queue,
      async (event) => ({
        batchItemFailures: event.Records.filter(
          (r) => indexOf(r) % 2 === 0 && r.attributes.ApproximateReceiveCount === '1',
        ).map((r) => ({ itemIdentifier: r.messageId })),
      }),
      { visibilityTimeoutSeconds: 2, concurrency: 3 },
    );
    await until('every poll handled and deleted', allDone(queue));
    for (const n of [1, 3, 5]) expect(byIndex(deliveries, n)).toEqual([1]);
    for (const n of [0, 2, 4]) {
      expect(byIndex(deliveries, n)).toEqual([1, 2]);
      const [first, second] = deliveries.filter((d) => d.index === n);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000 - 50);
    }
  });

  it('deletes nothing of a batch whose handler threw, and reports the error', async () => {
    const queue = await queueWith(3);
    const { deliveries, errors } = consume(
      queue,
      async (_event, _context, invocation) => {
        if (invocation === 1) throw new Error('CodeArts unreachable');
      },
      { concurrency: 1 },
    );
    await until('every poll handled and deleted', allDone(queue));
    const thrown = deliveries.filter((d) => d.receiveCount === 1).map((d) => d.index);
    expect(thrown.length).toBeGreaterThan(0);
    for (const n of thrown) expect(byIndex(deliveries, n)).toEqual([1, 2]);
    expect(errors).toContainEqual({ stage: 'handler', message: 'CodeArts unreachable' });
  });

  it('fails the whole batch when the response names a record not in it, as Lambda does', async () => {
    const queue = await queueWith(2);
    const { deliveries, errors } = consume(
      queue,
      async (_event, _context, invocation) =>
        invocation === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message' }] } : undefined,
      { concurrency: 1 },
    );
    await until('every poll handled and deleted', allDone(queue));
    const first = deliveries.filter((d) => d.receiveCount === 1).map((d) => d.index);
    for (const n of first) expect(byIndex(deliveries, n)).toEqual([1, 2]);
    expect(errors).toContainEqual({
      stage: 'handler',
      message: 'malformed partial batch response: itemIdentifier not-a-message is not a message of the batch',
    });
  });

  it('counts a handler past its time limit as failed, as when Lambda ends it', async () => {
    const queue = await queueWith(1);
    let release = () => {};
    const { deliveries, errors } = consume(
      queue,
      (_event, _context, invocation) =>
        invocation === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve(),
      { concurrency: 1, timeoutMs: 200 },
    );
    await until('handled again and deleted', allDone(queue));
    release();
    expect(byIndex(deliveries, 0)).toEqual([1, 2]);
    expect(errors).toContainEqual({ stage: 'handler', message: 'the handler did not finish within 200 ms' });
  });

  it('runs as many invocations at once as its concurrency', async () => {
    const queue = await queueWith(3);
    let inFlight = 0;
    let most = 0;
    let allThree = () => {};
    const together = new Promise<void>((resolve) => (allThree = resolve));
    consume(
      queue,
      async () => {
        most = Math.max(most, ++inFlight);
        if (inFlight === 3) allThree();
        // Each waits for the other two (or gives up, which the assertion below then shows).
        await Promise.race([together, new Promise((resolve) => setTimeout(resolve, 5000))]);
        inFlight--;
      },
      { concurrency: 3, batchSize: 1, visibilityTimeoutSeconds: 30 },
    );
    await until('every poll handled and deleted', allDone(queue));
    expect(most).toBe(3);
  });

  it('stops receiving but lets the handler in progress finish and its records be deleted', async () => {
    const queue = await queueWith(1);
    let release = () => {};
    const started = new Promise<void>((resolveStarted) => {
      consume(queue, () => {
        resolveStarted();
        return new Promise<void>((resolve) => (release = resolve));
      });
    });
    await started;
    const consumer = consumers[0]!;
    const stopped = consumer.stop(10_000);
    release();
    await stopped;
    expect(await queueIsEmpty(sqs.client, queue.queueUrl)).toBe(true);
    const invocations = consumer.invocations;
    await new SqsPollQueue({ client: sqs.client, queueUrl: queue.queueUrl }).send([
      { message: { taskId: taskId(7), observe: true, until: 0, tick: TICK }, delaySeconds: 0 },
    ]);
    const left = await receiveOnce(sqs.client, queue.queueUrl);
    expect(left.map((m) => parsePollMessage(m.Body!).taskId)).toEqual([taskId(7)]);
    expect(consumer.invocations).toBe(invocations);
  });

  it('gives up waiting for a handler that never finishes after the stop timeout, deleting nothing', async () => {
    const queue = await queueWith(1);
    const started = new Promise<void>((resolveStarted) => {
      consume(queue, () => {
        resolveStarted();
        return new Promise<void>(() => {});
      });
    });
    await started;
    const consumer = consumers.pop()!;
    await consumer.stop(100);
    expect(await queueIsEmpty(sqs.client, queue.queueUrl)).toBe(false);
  });

  it('reports receive errors and carries on, even when the error callback throws', async () => {
    const queue = await sqs.newQueue();
    let reported = 0;
    const consumer = QueueConsumer.start({
      client: sqs.client,
      queueUrl: `${queue.queueUrl}-missing`,
      queueArn: queue.queueArn,
      region: sqs.region,
      handler: async () => {},
      onError: (_error, stage) => {
        if (stage === 'receive') reported++;
        throw new Error('the callback itself fails');
      },
    });
    consumers.push(consumer);
    await until('two receive errors reported', () => reported >= 2);
    await consumer.stop();
    expect(consumer.invocations).toBe(0);
  });

  it('refuses options SQS or Lambda would refuse', () => {
    const base = {
      client: sqs.client,
      queueUrl: 'q',
      queueArn: 'a',
      region: 'local',
      handler: async () => {},
    };
    expect(() => QueueConsumer.start({ ...base, concurrency: 0 })).toThrow(/concurrency must be an integer/);
    expect(() => QueueConsumer.start({ ...base, batchSize: 10_001 })).toThrow(
      /batchSize must be an integer from 1 to 10000/,
    );
    expect(() => QueueConsumer.start({ ...base, waitTimeSeconds: 21 })).toThrow(/waitTimeSeconds/);
  });
});
