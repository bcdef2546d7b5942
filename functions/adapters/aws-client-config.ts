// adapter → the settings every AWS SDK client of the notifier is built with (DynamoDB and SQS alike): bounded
// retries, a per-request timeout so a hung socket cannot eat a function's time budget, and, when pointed at a local
// stand-in, a region and credentials of its own.

export interface AwsClientOptions {
  /** A local stand-in (dynalite, the embedded SQS of `npm start` and the tests); unset on Lambda. */
  endpoint?: string;
  region?: string;
  /** Per-request timeout; default 3000 ms. */
  requestTimeoutMs?: number;
  /** Default 3. */
  maxAttempts?: number;
}

/** What both DynamoDBClientConfig and SQSClientConfig accept. */
export interface AwsClientConfig {
  maxAttempts: number;
  requestHandler: { requestTimeout: number; connectionTimeout: number };
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function awsClientConfig(options: AwsClientOptions = {}): AwsClientConfig {
  const config: AwsClientConfig = {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 3000, connectionTimeout: 1000 },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // A local stand-in ignores credentials, but the SDK insists on having some.
    config.region = options.region ?? 'local';
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return config;
}
