// adapter → the poll queue on SQS: SendMessageBatch, ten entries a call, a few calls in flight at once, each
// entry with its own delay (a standard queue; a FIFO queue has no per-message delay).
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { clampDelaySeconds } from '../../core/queue-delay.js';
import type { PollQueue, QueuedPoll } from '../../ports.js';
import { encodePollMessage } from './poll-message.js';

/** SQS takes at most ten entries in one SendMessageBatch call. */
export const SEND_BATCH_SIZE = 10;

export interface SqsPollQueueOptions {
  client: Pick<SQSClient, 'send'>;
  queueUrl: string;
  /** SendMessageBatch calls in flight at once; default 4. */
  callsInFlight?: number;
}

/** Some polls could not be queued, even after sending the failed entries once more. */
export class PollQueueSendError extends Error {
  override readonly name = 'PollQueueSendError';
  /** How many of the polls were not queued. */
  readonly failed: number;
  /** The tasks whose polls were not queued. */
  readonly taskIds: readonly string[];
  /** SQS's reason for each entry that failed: `Code: Message`. */
  readonly reasons: readonly string[];

  constructor(total: number, failures: ReadonlyArray<{ taskId: string; reason: string }>) {
    const reasons = failures.map((f) => f.reason);
    super(`${failures.length} of ${total} polls could not be queued: ${summarise(reasons)}`);
    this.failed = failures.length;
    this.taskIds = failures.map((f) => f.taskId);
    this.reasons = reasons;
  }
}

export class SqsPollQueue implements PollQueue {
  readonly #client: Pick<SQSClient, 'send'>;
  readonly #queueUrl: string;
  readonly #callsInFlight: number;

  constructor(options: SqsPollQueueOptions) {
    const callsInFlight = options.callsInFlight ?? 4;
    if (!Number.isInteger(callsInFlight) || callsInFlight < 1) {
      throw new RangeError(`callsInFlight must be a positive integer (got ${callsInFlight})`);
    }
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#callsInFlight = callsInFlight;
  }

  async send(polls: readonly QueuedPoll[]): Promise<void> {
    // Every body is checked before the first call, so one bad poll sends nothing.
    // An entry's Id is its poll's index (`p7`), so a failure leads back to its task.
    const entries: SendMessageBatchRequestEntry[] = polls.map((poll, index) => ({
      Id: `p${index}`,
      MessageBody: encodePollMessage(poll.message),
      DelaySeconds: clampDelaySeconds(poll.delaySeconds),
    }));
    const firstFailures = await this.#sendAll(entries);
    // Only SQS's own faults are worth a second try; an entry SQS refused (SenderFault) would fail again.
    const retry = new Set(firstFailures.filter((f) => !f.SenderFault).map((f) => f.Id));
    const secondFailures = await this.#sendAll(entries.filter((entry) => retry.has(entry.Id)));
    const failed = [...firstFailures.filter((f) => f.SenderFault), ...secondFailures];
    if (failed.length > 0) {
      throw new PollQueueSendError(
        polls.length,
        failed.map((f) => ({
          taskId: polls[Number(f.Id?.slice(1))]?.message.taskId ?? String(f.Id),
          reason: `${f.Code ?? 'unknown'}: ${f.Message ?? 'no message'}`,
        })),
      );
    }
  }

  /** Sends the entries ten a call, a few calls at once; resolves with the entries SQS reported as failed. */
  async #sendAll(entries: readonly SendMessageBatchRequestEntry[]): Promise<BatchResultErrorEntry[]> {
    const batches: SendMessageBatchRequestEntry[][] = [];
    for (let i = 0; i < entries.length; i += SEND_BATCH_SIZE)
      batches.push(entries.slice(i, i + SEND_BATCH_SIZE));
    const failed: BatchResultErrorEntry[] = [];
    let next = 0;
    let stopped = false;
    // A handful of lanes taking the next batch in turn: the whole of the concurrency limit needed here, not
    // worth a dependency. A call that throws (after the SDK's own retries) stops the lanes taking more.
    const lane = async (): Promise<void> => {
      while (!stopped && next < batches.length) {
        const batch = batches[next++]!;
        try {
          const answer = await this.#client.send(
            new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: batch }),
          );
          failed.push(...(answer.Failed ?? []));
        } catch (error) {
          stopped = true;
          throw error;
        }
      }
    };
    const lanes = Array.from({ length: Math.min(this.#callsInFlight, batches.length) }, lane);
    const settled = await Promise.allSettled(lanes);
    const thrown = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (thrown) throw thrown.reason;
    return failed;
  }
}

/** "InternalError: … (×3), …": each distinct reason once, with how often it occurred. */
function summarise(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => (n > 1 ? `${reason} (×${n})` : reason)).join('; ');
}
