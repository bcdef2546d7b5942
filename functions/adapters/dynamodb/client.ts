// adapter → builds the DynamoDB document client once per container (or per local process / test).
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DocumentClientOptions {
  /** Override for local DynamoDB (dynalite); unset on Lambda. */
  endpoint?: string;
  region?: string;
  /** Per-request timeout, so a hung socket cannot eat the poller's time budget. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const config: DynamoDBClientConfig = {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 3000, connectionTimeout: 1000 },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // dynalite ignores credentials, but the SDK insists on having some.
    config.region = options.region ?? 'local';
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
