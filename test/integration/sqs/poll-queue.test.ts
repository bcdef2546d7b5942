import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePollMessage } from '../../../functions/adapters/sqs/poll-message.js';
import { PollQueueSendError, SqsPollQueue } from '../../../functions/adapters/sqs/poll-queue.js';
import type { PollMessage, QueuedPoll } from '../../../functions/ports.js';
import { receiveCount, receiveOnce, receiveVisible, startTestSqs, type TestSqs } from '../../support/sqs.js';

const TICK = '2026-12-01T10:00:00.000Z';
const taskId = (n: number) => n.toString(16).padStart(32, '0');
const poll = (n: number, delaySeconds = 0): QueuedPoll => ({
  message: { taskId: taskId(n), observe: n % 2 === 0, until: 1_796_000_000_000 + n, tick: TICK },
  delaySeconds,
});
const bodies = (messages: { Body?: string }[]): PollMessage[] =>
  messages.map((m) => parsePollMessage(m.Body!)).sort((a, b) => a.taskId.localeCompare(b.taskId));

let sqs: TestSqs;
let queueUrl: string;

beforeAll(async () => {
  sqs = await startTestSqs();
});
afterAll(async () => {
  await sqs.stop();
});
beforeEach(async () => {
  queueUrl = (await sqs.newQueue()).queueUrl;
});

/**
 * The real client, with some entries of each SendMessageBatch call answered as failed without being sent (as
 * SQS does when an entry hits an internal error); `fails` picks them and may look at how often each was sent.
 */
function flakyClient(
  fails: (
    entry: SendMessageBatchRequestEntry,
    attempt: number,
  ) => { code: string; senderFault: boolean } | null,
) {
  const attempts = new Map<string, number>();
  const sent: string[][] = [];
  const client = {
    send: async (command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> => {
      const entries = command.input.Entries ?? [];
      sent.push(entries.map((e) => e.MessageBody!));
      const failed = entries.flatMap((entry) => {
        const attempt = (attempts.get(entry.MessageBody!) ?? 0) + 1;
        attempts.set(entry.MessageBody!, attempt);
        const fault = fails(entry, attempt);
        return fault ? [{ entry, fault }] : [];
      });
      const passing = entries.filter((e) => !failed.some((f) => f.entry === e));
      const answer =
        passing.length > 0
          ? await sqs.client.send(new SendMessageBatchCommand({ ...command.input, Entries: passing }))
          : { Successful: [], $metadata: {} };
      return {
        ...answer,
        Failed: failed.map(({ entry, fault }) => ({
          Id: entry.Id!,
          Code: fault.code,
          Message: `${fault.code} (injected)`,
          SenderFault: fault.senderFault,
        })),
      } as SendMessageBatchCommandOutput;
    },
  };
  return { client: client as unknown as SQSClient, sent };
}

describe('SqsPollQueue', () => {
  it('queues a batch of 25 polls, each body the JSON of its PollMessage', async () => {
    const polls = Array.from({ length: 25 }, (_, n) => poll(n));
    await new SqsPollQueue({ client: sqs.client, queueUrl, callsInFlight: 2 }).send(polls);
    const received = await receiveCount(sqs.client, queueUrl, 25);
    expect(bodies(received)).toEqual(polls.map((p) => p.message));
    expect(await receiveOnce(sqs.client, queueUrl)).toEqual([]);
  });

  it('sends nothing for no polls', async () => {
    await new SqsPollQueue({ client: sqs.client, queueUrl }).send([]);
    expect(await receiveOnce(sqs.client, queueUrl)).toEqual([]);
  });

  it('gives each poll its own delay, clamped to what SQS accepts', async () => {
    await new SqsPollQueue({ client: sqs.client, queueUrl }).send([
      poll(1, 0),
      poll(2, -5),
      poll(3, 1),
      poll(4, 900),
      // Past SQS's 900 s, which would refuse the whole call.
      poll(5, 86_400),
    ]);
    const first = await receiveCount(sqs.client, queueUrl, 3);
    expect(bodies(first).map((m) => m.taskId)).toEqual([taskId(1), taskId(2), taskId(3)]);
    const delayed = first.find((m) => parsePollMessage(m.Body!).taskId === taskId(3))!;
    const sentAt = Number(delayed.Attributes!.SentTimestamp);
    expect(Number(delayed.Attributes!.ApproximateFirstReceiveTimestamp) - sentAt).toBeGreaterThanOrEqual(
      1000,
    );
    // The two long delays are still hidden.
    expect(await receiveVisible(sqs.client, queueUrl)).toEqual([]);
  });

  it('refuses a bad poll before sending any', async () => {
    const bad: QueuedPoll = { message: { ...poll(2).message, taskId: 'not-a-task' }, delaySeconds: 0 };
    const queue = new SqsPollQueue({ client: sqs.client, queueUrl });
    await expect(queue.send([poll(1), bad, poll(3)])).rejects.toThrow(/poll message: taskId must be/);
    expect(await receiveVisible(sqs.client, queueUrl)).toEqual([]);
  });

  it('sends the entries SQS failed once more, and queues every poll', async () => {
    const { client, sent } = flakyClient((entry, attempt) =>
      attempt === 1 && Number(entry.Id!.slice(1)) % 4 === 0
        ? { code: 'InternalError', senderFault: false }
        : null,
    );
    const polls = Array.from({ length: 25 }, (_, n) => poll(n));
    await new SqsPollQueue({ client, queueUrl }).send(polls);
    expect(bodies(await receiveCount(sqs.client, queueUrl, 25))).toEqual(polls.map((p) => p.message));
    expect(await receiveVisible(sqs.client, queueUrl)).toEqual([]);
    // Three calls of ten, then one call with the seven that failed.
    expect(sent.map((call) => call.length)).toEqual([10, 10, 5, 7]);
  });

  it('rejects, naming how many failed and why, when entries fail twice; the rest are queued', async () => {
    const { client } = flakyClient((entry) =>
      ['p3', 'p17'].includes(entry.Id!) ? { code: 'InternalError', senderFault: false } : null,
    );
    const polls = Array.from({ length: 25 }, (_, n) => poll(n));
    const error = await new SqsPollQueue({ client, queueUrl }).send(polls).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PollQueueSendError);
    expect((error as PollQueueSendError).failed).toBe(2);
    expect([...(error as PollQueueSendError).taskIds].sort()).toEqual([taskId(3), taskId(17)]);
    expect((error as Error).message).toBe(
      '2 of 25 polls could not be queued: InternalError: InternalError (injected) (×2)',
    );
    const queued = bodies(await receiveCount(sqs.client, queueUrl, 23)).map((m) => m.taskId);
    expect(queued).toEqual(
      polls.map((p) => p.message.taskId).filter((id) => ![taskId(3), taskId(17)].includes(id)),
    );
  });

  it('does not send again an entry SQS refused as the sender’s fault', async () => {
    const { client, sent } = flakyClient((entry) =>
      entry.Id === 'p1' ? { code: 'InvalidParameterValue', senderFault: true } : null,
    );
    await expect(new SqsPollQueue({ client, queueUrl }).send([poll(0), poll(1)])).rejects.toThrow(
      '1 of 2 polls could not be queued: InvalidParameterValue: InvalidParameterValue (injected)',
    );
    expect(sent.map((call) => call.length)).toEqual([2]);
    expect(bodies(await receiveCount(sqs.client, queueUrl, 1)).map((m) => m.taskId)).toEqual([taskId(0)]);
  });

  it('rejects when SQS refuses the call itself', async () => {
    const queue = new SqsPollQueue({ client: sqs.client, queueUrl: `${queueUrl}-missing` });
    await expect(queue.send([poll(1)])).rejects.toThrow(/queue/i);
  });
});
