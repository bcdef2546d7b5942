// local → the local stand-in for Lambda's SQS event source mapping: a few consumers in parallel (its maximum
// concurrency), each receiving a batch, handing it to the worker handler as an SQSEvent and deleting the
// records the handler did not report as failed. What is not deleted comes back after the visibility timeout.
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { lambdaContext, readBatchResponse, toSqsEvent } from './lambda-event.js';

/**
 * The worker Lambda's handler. Its answer is read as Lambda reads it (see readBatchResponse): a partial batch
 * response, or nothing for complete success.
 */
export type SqsWorkerHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

/** Where something went wrong: receiving, the handler (thrown, timed out, malformed answer), or deleting. */
export type ConsumerStage = 'receive' | 'handler' | 'delete';

export interface BatchReport {
  records: number;
  /** Records the handler reported as failed, or every record when the whole batch failed. */
  failed: number;
  deleted: number;
}

export interface QueueConsumerOptions {
  client: Pick<SQSClient, 'send'>;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsWorkerHandler;
  /** Consumers receiving and handling at once; default 2 (the event source mapping's least maximum concurrency). */
  concurrency?: number;
  /**
   * Records per batch, 1–10,000; default 10. Above 10 (one ReceiveMessage's most), receives are repeated until the
   * batch is full or `batchingWindowMs` has passed since its first record, as the event source mapping gathers.
   */
  batchSize?: number;
  /** How long a batch of more than 10 may be gathered (the mapping's MaximumBatchingWindow); default 1000. */
  batchingWindowMs?: number;
  /**
   * ReceiveMessage's WaitTimeSeconds; default 1. Keep it short: the embedded SQS answers a long poll only at its
   * end, even when a delayed message becomes visible meanwhile.
   */
  waitTimeSeconds?: number;
  /** How long a received batch stays hidden from other consumers; default 30. */
  visibilityTimeoutSeconds?: number;
  /** The invocation's time limit: context.getRemainingTimeInMillis counts down from it; default 30 000. */
  timeoutMs?: number;
  /** Default 'worker-local'. */
  functionName?: string;
  /** Errors never stop the consumers; they are reported here (default: ignored). */
  onError?: (error: unknown, stage: ConsumerStage) => void;
  onBatch?: (report: BatchReport) => void;
}

/** Pause after a failed receive, so an unreachable queue is not hammered. */
const RECEIVE_RETRY_MS = 1000;
/** Pause after an empty short receive (WaitTimeSeconds 0), so a consumer does not spin. */
const IDLE_MS = 50;

export class QueueConsumer {
  readonly #options: Required<Omit<QueueConsumerOptions, 'onError' | 'onBatch'>> &
    Pick<QueueConsumerOptions, 'onError' | 'onBatch'>;
  readonly #stopping = new AbortController();
  readonly #lanes: Promise<void>[];
  /** Handlers still running, including those past their time limit (Lambda would have ended them). */
  readonly #running = new Set<Promise<unknown>>();
  #invocations = 0;

  private constructor(options: QueueConsumerOptions) {
    this.#options = {
      ...options,
      concurrency: options.concurrency ?? 2,
      batchSize: options.batchSize ?? 10,
      batchingWindowMs: options.batchingWindowMs ?? 1000,
      waitTimeSeconds: options.waitTimeSeconds ?? 1,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      timeoutMs: options.timeoutMs ?? 30_000,
      functionName: options.functionName ?? 'worker-local',
    };
    const { concurrency, batchSize, waitTimeSeconds, visibilityTimeoutSeconds, timeoutMs } = this.#options;
    check('concurrency', concurrency, 1, 1000);
    check('batchSize', batchSize, 1, 10_000);
    check('batchingWindowMs', this.#options.batchingWindowMs, 0, 300_000);
    check('waitTimeSeconds', waitTimeSeconds, 0, 20);
    check('visibilityTimeoutSeconds', visibilityTimeoutSeconds, 0, 43_200);
    check('timeoutMs', timeoutMs, 1, 900_000);
    this.#lanes = Array.from({ length: concurrency }, () => this.#consume());
  }

  /** Starts the consumers; they run until stop(). */
  static start(options: QueueConsumerOptions): QueueConsumer {
    return new QueueConsumer(options);
  }

  /** Handler invocations so far. */
  get invocations(): number {
    return this.#invocations;
  }

  /**
   * Stops receiving (a receive in flight is abandoned: what it took comes back after the visibility timeout)
   * and waits for the handlers in progress to finish and their records to be deleted, at most `timeoutMs`.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.#stopping.abort(new Error('the queue consumer is stopping'));
    let timer: NodeJS.Timeout | undefined;
    const waited = Promise.allSettled([...this.#lanes, ...this.#running]);
    await Promise.race([waited, new Promise((done) => (timer = setTimeout(done, timeoutMs)))]);
    clearTimeout(timer);
  }

  async #consume(): Promise<void> {
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.#receive(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.#report(error, 'receive');
        await pause(RECEIVE_RETRY_MS, signal);
        continue;
      }
      if (messages.length > 0) await this.#invoke(messages);
      else if (this.#options.waitTimeSeconds === 0) await pause(IDLE_MS, signal);
    }
  }

  /** One batch: a receive that waits, then (for a batch above 10) more receives within the batching window. */
  async #receive(signal: AbortSignal): Promise<Message[]> {
    const { batchSize, batchingWindowMs, waitTimeSeconds } = this.#options;
    const batch = await this.#receiveOnce(signal, Math.min(10, batchSize), waitTimeSeconds);
    if (batch.length === 0 || batchSize <= 10) return batch;
    const closes = Date.now() + batchingWindowMs;
    while (batch.length < batchSize && Date.now() < closes && !signal.aborted) {
      const more = await this.#receiveOnce(signal, Math.min(10, batchSize - batch.length), 0);
      if (more.length > 0) batch.push(...more);
      else await pause(Math.min(IDLE_MS, Math.max(0, closes - Date.now())), signal);
    }
    return batch;
  }

  async #receiveOnce(signal: AbortSignal, max: number, waitTimeSeconds: number): Promise<Message[]> {
    const { queueUrl, visibilityTimeoutSeconds } = this.#options;
    const answer = await this.#options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: visibilityTimeoutSeconds,
        // Both spellings: the embedded SQS reads the older one.
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return answer.Messages ?? [];
  }

  /** One invocation: the handler, then the deletes. Never throws. */
  async #invoke(messages: Message[]): Promise<void> {
    const { queueArn, region, functionName, timeoutMs } = this.#options;
    this.#invocations++;
    const ids = messages.map((m) => m.MessageId!);
    const answer = await this.#run(toSqsEvent(messages, { queueArn, region }), {
      functionName,
      region,
      timeoutMs,
    });
    if (answer.kind === 'threw') {
      this.#report(answer.error, 'handler');
      this.#options.onBatch?.({ records: ids.length, failed: ids.length, deleted: 0 });
      return;
    }
    const outcome = readBatchResponse(ids, answer.response);
    if (outcome.kind === 'batch-failed') {
      this.#report(new Error(`malformed partial batch response: ${outcome.reason}`), 'handler');
      this.#options.onBatch?.({ records: ids.length, failed: ids.length, deleted: 0 });
      return;
    }
    const done = new Set(outcome.succeeded);
    const deleted = await this.#delete(messages.filter((m) => done.has(m.MessageId!)));
    this.#options.onBatch?.({ records: ids.length, failed: outcome.failed.length, deleted });
  }

  /** The handler within its time limit; past it the batch counts as failed, as when Lambda ends a function. */
  async #run(
    event: SQSEvent,
    contextOptions: { functionName: string; region: string; timeoutMs: number },
  ): Promise<{ kind: 'answered'; response: unknown } | { kind: 'threw'; error: unknown }> {
    const invocation = Promise.resolve()
      .then(() => this.#options.handler(event, lambdaContext(contextOptions)))
      .then(
        (response) => ({ kind: 'answered' as const, response }),
        (error: unknown) => ({ kind: 'threw' as const, error }),
      );
    this.#running.add(invocation);
    void invocation.finally(() => this.#running.delete(invocation));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ kind: 'threw'; error: unknown }>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            kind: 'threw',
            error: new Error(`the handler did not finish within ${contextOptions.timeoutMs} ms`),
          }),
        contextOptions.timeoutMs,
      );
    });
    const answer = await Promise.race([invocation, timedOut]);
    clearTimeout(timer);
    return answer;
  }

  /** Deletes the records, ten a DeleteMessageBatch call; resolves with how many went. */
  async #delete(messages: Message[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < messages.length; i += 10) deleted += await this.#deleteTen(messages.slice(i, i + 10));
    return deleted;
  }

  async #deleteTen(messages: Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    try {
      const answer = await this.#options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: messages.map((m, index) => ({ Id: `d${index}`, ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      for (const failure of answer.Failed ?? []) {
        this.#report(new Error(`DeleteMessageBatch: ${failure.Code}: ${failure.Message ?? ''}`), 'delete');
      }
      return answer.Successful?.length ?? 0;
    } catch (error) {
      this.#report(error, 'delete');
      return 0;
    }
  }

  #report(error: unknown, stage: ConsumerStage): void {
    try {
      this.#options.onError?.(error, stage);
    } catch {
      // A failing error callback must not stop the consumers either.
    }
  }
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
