// adapter → builds the SQS client once per container (or per local process / test).
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, awsClientConfig } from '../aws-client-config.js';

/** `endpoint`: the embedded SQS of `npm start` and the tests; unset on Lambda. */
export type SqsClientOptions = AwsClientOptions;

export function createSqsClient(options: SqsClientOptions = {}): SQSClient {
  return new SQSClient(awsClientConfig(options));
}
