// handlers → the worker Lambda's middy pipeline: an SQS batch in, partial batch failures out (through
// @middy/sqs-partial-batch-failure). Everything arrives by injection (functions/handlers/worker.ts wires the real
// adapters; the local run and the tests wire theirs), so this file only translates SQS to the use case and back.
import { randomUUID } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { PollMessageError, parsePollMessage } from '../adapters/sqs/poll-message.js';
import {
  type ReceivedPoll,
  runWorkerBatch,
  type WorkerDeps,
  type WorkerSettings,
} from '../app/worker/run-batch.js';
import type { Logger } from '../ports.js';

export interface WorkerRuntime {
  deps: WorkerDeps;
  settings: WorkerSettings;
}

export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * `runtime` gives the dependencies for one invocation (built once per container upstream, re-read when secrets
 * rotate). `middlewares` are the Lambda's own (Powertools logger context and metrics).
 */
export function createWorkerHandler(
  runtime: () => Promise<WorkerRuntime> | WorkerRuntime,
  logger: Logger,
  middlewares: MiddlewareObj[] = [],
): WorkerHandler {
  const pipeline = middy<SQSEvent, PromiseSettledResult<void>[]>();
  for (const middleware of middlewares) pipeline.use(middleware);
  return pipeline
    .use(
      sqsPartialBatchFailure({
        logger: (reason: unknown, record: { messageId: string }) =>
          logger.warn('A poll message will be received again', {
            messageId: record.messageId,
            reason: String(reason),
          }),
      }),
    )
    .handler(async (event, context, { signal }: { signal?: AbortSignal } = {}) => {
      const { deps, settings } = await runtime();
      const polls: ReceivedPoll[] = [];
      for (const record of event.Records) {
        try {
          polls.push({ id: record.messageId, message: parsePollMessage(record.body) });
        } catch (error) {
          if (!(error instanceof PollMessageError)) throw error;
          // Receiving it again would not make it readable: it is dropped, and the log says why.
          logger.error('Dropped a poll message that is not one', {
            messageId: record.messageId,
            error: error.message,
          });
        }
      }
      const outcome = await runWorkerBatch(deps, settings, polls, {
        id: context.awsRequestId || randomUUID(),
        deadlineMs: deps.now() + context.getRemainingTimeInMillis(),
        ...(signal ? { signal } : {}),
      });
      const failed = new Set(outcome.failedIds);
      return event.Records.map(
        (record): PromiseSettledResult<void> =>
          failed.has(record.messageId)
            ? {
                status: 'rejected',
                reason: new Error(`the poll of message ${record.messageId} did not complete`),
              }
            : { status: 'fulfilled', value: undefined },
      );
    }) as unknown as WorkerHandler;
}
