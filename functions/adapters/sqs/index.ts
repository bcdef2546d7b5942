// adapters/sqs → the poll queue on SQS.
export { createSqsClient, type SqsClientOptions } from './client.js';
export { encodePollMessage, PollMessageError, parsePollMessage } from './poll-message.js';
export {
  clampDelaySeconds,
  MAX_DELAY_SECONDS,
  PollQueueSendError,
  SEND_BATCH_SIZE,
  SqsPollQueue,
  type SqsPollQueueOptions,
} from './poll-queue.js';
