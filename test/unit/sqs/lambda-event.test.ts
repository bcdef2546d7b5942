import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, readBatchResponse, toSqsEvent } from '../../../local/sqs/lambda-event.js';

const IDS = ['m1', 'm2', 'm3'];

describe('readBatchResponse (Lambda’s reading of a partial batch response)', () => {
  it.each([
    ['nothing', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('takes %s as complete success', (_case, response) => {
    expect(readBatchResponse(IDS, response)).toEqual({ kind: 'done', succeeded: IDS, failed: [] });
  });

  it('deletes every record not listed', () => {
    expect(readBatchResponse(IDS, { batchItemFailures: [{ itemIdentifier: 'm2' }] })).toEqual({
      kind: 'done',
      succeeded: ['m1', 'm3'],
      failed: ['m2'],
    });
  });

  it.each([
    ['a string', 'ok', /not a partial batch response/],
    ['a list', [], /not a partial batch response/],
    ['a list that is not one', { batchItemFailures: 'm1' }, /not a list/],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, /no itemIdentifier/],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, /no itemIdentifier/],
    ['a misspelt key', { batchItemFailures: [{ itemId: 'm1' }] }, /no itemIdentifier/],
    ['an unknown message', { batchItemFailures: [{ itemIdentifier: 'm9' }] }, /m9 is not a message/],
  ])('fails the whole batch for %s', (_case, response, reason) => {
    const outcome = readBatchResponse(IDS, response);
    expect(outcome.kind).toBe('batch-failed');
    expect(outcome.kind === 'batch-failed' && outcome.reason).toMatch(reason);
  });
});

describe('toSqsEvent', () => {
  it('shapes ReceiveMessage’s answer as the event source mapping does', () => {
    const event = toSqsEvent(
      [
        {
          MessageId: 'm1',
          ReceiptHandle: 'rh1',
          Body: '{"a":1}',
          MD5OfBody: 'md5',
          Attributes: {
            ApproximateReceiveCount: '2',
            SentTimestamp: '1796000000000',
            SenderId: 'SENDER',
            ApproximateFirstReceiveTimestamp: '1796000000100',
          },
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'poll' } },
          MD5OfMessageAttributes: 'md5attrs',
        },
      ],
      { queueArn: 'arn:aws:sqs:local:123456789012:polls', region: 'local' },
    );
    expect(event).toEqual({
      Records: [
        {
          messageId: 'm1',
          receiptHandle: 'rh1',
          body: '{"a":1}',
          attributes: {
            ApproximateReceiveCount: '2',
            SentTimestamp: '1796000000000',
            SenderId: 'SENDER',
            ApproximateFirstReceiveTimestamp: '1796000000100',
          },
          messageAttributes: {
            kind: { stringValue: 'poll', stringListValues: [], binaryListValues: [], dataType: 'String' },
          },
          md5OfBody: 'md5',
          md5OfMessageAttributes: 'md5attrs',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:local:123456789012:polls',
          awsRegion: 'local',
        },
      ],
    });
  });
});

describe('lambdaContext', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts the remaining time down from the timeout, never below zero', () => {
    vi.useFakeTimers();
    const context = lambdaContext({ functionName: 'worker-local', region: 'local', timeoutMs: 1000 });
    expect(context.getRemainingTimeInMillis()).toBe(1000);
    vi.advanceTimersByTime(400);
    expect(context.getRemainingTimeInMillis()).toBe(600);
    vi.advanceTimersByTime(2000);
    expect(context.getRemainingTimeInMillis()).toBe(0);
    expect(context.functionName).toBe('worker-local');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:local:000000000000:function:worker-local');
  });
});
