// handlers/wiring → the poll queue built from the configuration (the planner queues every tick's polls, a worker
// puts a running task back, the api queues the poll that acts on a button press).
import { createSqsClient } from '../../adapters/sqs/client.js';
import { SqsPollQueue } from '../../adapters/sqs/poll-queue.js';
import { ConfigError, type NotifierConfig } from '../../config.js';
import type { PollQueue } from '../../ports.js';

export function buildPollQueue(config: NotifierConfig): PollQueue {
  if (!config.queue.url) throw new ConfigError(['POLL_QUEUE_URL is missing: set it to the poll queue URL']);
  const client = createSqsClient(config.queue.endpoint ? { endpoint: config.queue.endpoint } : {});
  return new SqsPollQueue({ client, queueUrl: config.queue.url });
}
