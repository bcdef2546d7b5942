// adapter → builds the SQS client once per container (or per local process / test).
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

export interface SqsClientOptions {
  /** Override for a local SQS (the embedded one of `npm start` and the tests); unset on Lambda. */
  endpoint?: string;
  region?: string;
  /** Per-request timeout, so a hung socket cannot eat a planner's or worker's time budget. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

export function createSqsClient(options: SqsClientOptions = {}): SQSClient {
  const config: SQSClientConfig = {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 3000, connectionTimeout: 1000 },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // A local SQS ignores credentials, but the SDK insists on having some.
    config.region = options.region ?? 'local';
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return new SQSClient(config);
}
