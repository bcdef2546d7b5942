// Test support: the planner and the workers driven as AWS drives them, on a manual clock: a planner tick is one
// invocation of the planner handler; draining hands batches of visible messages to several worker invocations at
// once (the event source mapping's maximum concurrency), deleting what each reports done. A worker invocation
// that throws (a crash) deletes nothing, so its messages come back after the visibility timeout.
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PlanReport } from '../../functions/app/planner/plan-tick.js';
import type { PlannerHandler } from '../../functions/handlers/planner-pipeline.js';
import type { WorkerHandler } from '../../functions/handlers/worker-pipeline.js';
import type { SimulatedQueue } from './sim-queue.js';

export interface PipelineDriverOptions {
  queue: SimulatedQueue;
  now: () => number;
  planner: PlannerHandler;
  /** A worker invocation's handler (asked for afresh per invocation, so each may be its own "process"). */
  worker: () => WorkerHandler;
  /** Worker invocations at once. Default 3. */
  workers?: number;
  /** Messages per invocation. Default 10. */
  batchSize?: number;
  /** A worker invocation's time budget. Default 30 s. */
  workerTimeoutMs?: number;
  /** Simulated time one planner invocation may take. Default 50 s. */
  plannerTimeoutMs?: number;
}

export interface BatchRun {
  records: SQSRecord[];
  /** null when the invocation threw (crashed). */
  response: SQSBatchResponse | null;
  error?: unknown;
}

export const lambdaContext = (now: () => number, timeoutMs: number): Context => {
  const deadline = now() + timeoutMs;
  return {
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:test',
    memoryLimitInMB: '256',
    logGroupName: 'test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  } as Context;
};

export class PipelineDriver {
  readonly #o: PipelineDriverOptions;
  readonly batches: BatchRun[] = [];

  constructor(options: PipelineDriverOptions) {
    this.#o = options;
  }

  /** One planner invocation for the tick scheduled now (or at `scheduledTime`). */
  tick(scheduledTime: string = new Date(this.#o.now()).toISOString()): Promise<PlanReport> {
    return this.#o.planner({ scheduledTime }, lambdaContext(this.#o.now, this.#o.plannerTimeoutMs ?? 50_000));
  }

  /**
   * Runs worker invocations, several at once, until no message is visible now. Returns the batches it ran. Time
   * does not move: delayed messages wait for a later drain.
   */
  async drain(): Promise<BatchRun[]> {
    const ran: BatchRun[] = [];
    for (let round = 0; round < 10_000; round++) {
      const batches: SQSRecord[][] = [];
      for (let w = 0; w < (this.#o.workers ?? 3); w++) {
        const records = this.#o.queue.receive(this.#o.batchSize ?? 10);
        if (records.length === 0) break;
        batches.push(records);
      }
      if (batches.length === 0) return ran;
      ran.push(...(await Promise.all(batches.map((records) => this.invoke(records)))));
    }
    throw new Error('the queue never drained: a poll keeps putting itself back without delay');
  }

  /** One worker invocation over `records`: what it reports done is deleted, the rest comes back later. */
  async invoke(records: SQSRecord[]): Promise<BatchRun> {
    const event: SQSEvent = { Records: records };
    let run: BatchRun;
    try {
      const response = await this.#o.worker()(
        event,
        lambdaContext(this.#o.now, this.#o.workerTimeoutMs ?? 30_000),
      );
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      this.#o.queue.delete(records.filter((r) => !failed.has(r.messageId)).map((r) => r.messageId));
      run = { records, response };
    } catch (error) {
      run = { records, response: null, error };
    }
    this.batches.push(run);
    return run;
  }
}
