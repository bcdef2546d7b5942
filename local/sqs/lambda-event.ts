// local → what Lambda's SQS event source mapping hands a function, built from ReceiveMessage's answer: the
// SQSEvent, a Lambda-like Context, and Lambda's reading of a partial batch response.
import { randomUUID } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface QueueSource {
  queueArn: string;
  region: string;
}

/** The records as the event source mapping shapes them (lower-camel keys, attributes as strings). */
export function toSqsEvent(messages: readonly Message[], source: QueueSource): SQSEvent {
  return { Records: messages.map((message) => toRecord(message, source)) };
}

function toRecord(message: Message, source: QueueSource): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    },
    messageAttributes: toMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

function toMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined
          ? {}
          : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );
}

/** A Context whose getRemainingTimeInMillis counts down from `timeoutMs` (real time). */
export function lambdaContext(options: { functionName: string; region: string; timeoutMs: number }): Context {
  const deadline = Date.now() + options.timeoutMs;
  const { functionName, region } = options;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** What to delete after an invocation, or why none of the batch may be. */
export type BatchOutcome =
  | { kind: 'done'; succeeded: string[]; failed: string[] }
  | { kind: 'batch-failed'; reason: string };

/**
 * Lambda's reading of a partial batch response (ReportBatchItemFailures): nothing, an empty response or an
 * empty or null list is complete success; a list names the failed records; anything malformed (not a list, an
 * entry without an itemIdentifier, or an itemIdentifier that is not a message of the batch) fails the whole
 * batch.
 */
export function readBatchResponse(messageIds: readonly string[], response: unknown): BatchOutcome {
  if (response === undefined || response === null)
    return { kind: 'done', succeeded: [...messageIds], failed: [] };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'batch-failed', reason: 'the response is not a partial batch response object' };
  }
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) {
    return { kind: 'done', succeeded: [...messageIds], failed: [] };
  }
  if (!Array.isArray(failures)) return { kind: 'batch-failed', reason: 'batchItemFailures is not a list' };
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '') {
      return { kind: 'batch-failed', reason: 'a batchItemFailures entry has no itemIdentifier' };
    }
    if (!messageIds.includes(id)) {
      return { kind: 'batch-failed', reason: `itemIdentifier ${id} is not a message of the batch` };
    }
    failed.add(id);
  }
  return {
    kind: 'done',
    succeeded: messageIds.filter((id) => !failed.has(id)),
    failed: messageIds.filter((id) => failed.has(id)),
  };
}
