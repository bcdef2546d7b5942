// The poll queue built from configuration (planner and worker only: the api function never queues).
import { createSqsClient } from '../adapters/sqs/client.js';
import { SqsPollQueue } from '../adapters/sqs/poll-queue.js';
import { ConfigError, type NotifierConfig } from '../config.js';
import type { PollQueue } from '../ports.js';

export function buildPollQueue(config: NotifierConfig): PollQueue {
  if (!config.queue.url) throw new ConfigError(['POLL_QUEUE_URL is missing: set it to the poll queue URL']);
  const client = createSqsClient(config.queue.endpoint ? { endpoint: config.queue.endpoint } : {});
  return new SqsPollQueue({ client, queueUrl: config.queue.url });
}
