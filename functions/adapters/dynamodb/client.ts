// adapter → builds the DynamoDB document client once per container (or per local process / test).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsClientOptions, awsClientConfig } from '../aws-client-config.js';

/** `endpoint`: dynalite, locally; unset on Lambda. */
export type DocumentClientOptions = AwsClientOptions;

export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(options)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
