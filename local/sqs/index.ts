// local/sqs → the embedded SQS and the local event source mapping that feeds the worker handler.
export { type EmbeddedSqs, type EmbeddedSqsOptions, startEmbeddedSqs } from './embedded-sqs.js';
export {
  type BatchOutcome,
  lambdaContext,
  type QueueSource,
  readBatchResponse,
  toSqsEvent,
} from './lambda-event.js';
export {
  type BatchReport,
  type ConsumerStage,
  QueueConsumer,
  type QueueConsumerOptions,
  type SqsWorkerHandler,
} from './queue-consumer.js';
