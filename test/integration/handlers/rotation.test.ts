// Secrets rotate: the real api and worker Lambda handlers, reading their secrets through Powertools' getSecret and
// the SDK from a Secrets Manager over HTTP, with dynalite, an embedded SQS, the CodeArts simulator and the fake
// Slack.
// Each secret is rotated; within SECRET_MAX_AGE_SECONDS the old value is refused and the new one accepted.
// Only Date is faked (the secrets' cache reads it), so no test waits for minutes.
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import { SECRET_MAX_AGE_SECONDS } from '../../../functions/handlers/live-config.js';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { FakeSlack } from '../../../local/fake-slack/index.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';
import { type FakeSecretsManager, startFakeSecretsManager } from '../../support/secrets-manager.js';
import { startTestSqs, type TestSqs } from '../../support/sqs.js';
import { apiEvent, call, postTask, slackEvent, slackForm } from '../../unit/api/fixtures.js';

const OLD_KEY = 'old-api-key-0123456789abcdef';
const NEW_KEY = 'new-api-key-fedcba9876543210';
const OLD_SIGNING = 'old-signing-secret-0000000000000000';
const NEW_SIGNING = 'new-signing-secret-1111111111111111';
const OLD_TOKEN = 'xoxb-old-0000-token';
const NEW_TOKEN = 'xoxb-new-1111-token';
const OLD_AK = 'AKOLD0000000000000001';
const NEW_AK = 'AKNEW0000000000000002';

let sm: FakeSecretsManager;
let dynamo: TestDynamo;
let sim: CodeArtsSimulator;
let slack: FakeSlack;
let clock: ManualClock;
let store: DynamoTaskStore;
let api: typeof import('../../../functions/handlers/api.js').handler;
let worker: typeof import('../../../functions/handlers/worker.js').handler;
let sqs: TestSqs;

/** One worker invocation, as the event source mapping would make it, for a poll of `taskId` now. */
const pollNow = (taskId: string) => {
  const message = { taskId, observe: true, until: Date.now() + 60_000, tick: new Date().toISOString() };
  const event: SQSEvent = {
    Records: [
      {
        messageId: `m-${Date.now()}`,
        receiptHandle: 'r',
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'planner',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:polls',
        awsRegion: 'us-east-1',
      },
    ],
  };
  return worker(event, lambdaContext());
};

/** Moves both clocks: the functions' (Date) and the simulator's. */
const advance = (ms: number) => {
  vi.setSystemTime(Date.now() + ms);
  clock.advance(ms);
};
const WITHIN = 60_000;
const PAST_MAX_AGE = SECRET_MAX_AGE_SECONDS * 1000 + 1_000;

const lambdaContext = (): Context =>
  ({
    functionName: 'fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
    memoryLimitInMB: '256',
    awsRequestId: 'req',
    logGroupName: '/aws/lambda/fn',
    logStreamName: 's',
    getRemainingTimeInMillis: () => 20_000,
  }) as unknown as Context;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const listStatus = async (key: string) =>
  (await call(api, apiEvent({ method: 'GET', path: '/tasks', headers: bearer(key) }))).status;
const slashStatus = async (secret: string) => {
  const answer = await call(
    api,
    slackEvent(slackForm('help'), { secret, timestamp: Math.floor(Date.now() / 1000) }),
  );
  return answer.status;
};

beforeAll(async () => {
  clock = new ManualClock();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  [sm, dynamo, sim, slack, sqs] = await Promise.all([
    startFakeSecretsManager(),
    startDynalite(),
    CodeArtsSimulator.start({ clock }),
    FakeSlack.start({ token: OLD_TOKEN, now: () => clock.now() }),
    startTestSqs(),
  ]);
  const queue = await sqs.newQueue();
  sim.addAccessKey(OLD_AK, 'old-secret-key-000000');
  sm.put('huawei', { HUAWEI_ACCESS_KEY: OLD_AK, HUAWEI_SECRET_KEY: 'old-secret-key-000000' });
  sm.put('slack-bot', { SLACK_BOT_TOKEN: OLD_TOKEN });
  sm.put('slack-signing', { SLACK_SIGNING_SECRET: OLD_SIGNING });
  sm.put('api-keys', { NOTIFIER_API_KEY: `ci:write:${OLD_KEY}` });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    TABLE_NAME: dynamo.tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    CODEARTS_ENDPOINT: sim.url,
    HUAWEI_IAM_ENDPOINT: sim.url,
    SLACK_API_URL: slack.url,
    ACTIVE_POLL_SECONDS: '0',
    POLL_QUEUE_URL: queue.queueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    HUAWEI_SECRET_ARN: sm.arn('huawei'),
    SLACK_SECRET_ARN: sm.arn('slack-bot'),
    SLACK_SIGNING_SECRET_ARN: sm.arn('slack-signing'),
    API_KEYS_SECRET_ARN: sm.arn('api-keys'),
  });
  store = new DynamoTaskStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  ({ handler: api } = await import('../../../functions/handlers/api.js'));
  ({ handler: worker } = await import('../../../functions/handlers/worker.js'));
}, 60_000);

afterAll(async () => {
  vi.useRealTimers();
  await Promise.all([sm.stop(), dynamo.stop(), sim.stop(), slack.stop(), sqs.stop()]);
});

describe('secrets rotate into warm functions within SECRET_MAX_AGE_SECONDS', () => {
  it('an API key: the new one is accepted and the old one refused once the cache is past its age', async () => {
    expect(await listStatus(OLD_KEY)).toBe(200);
    sm.put('api-keys', { NOTIFIER_API_KEY: `ci:write:${NEW_KEY}` });
    advance(WITHIN);
    // Still cached: Secrets Manager was asked once, and the old key works until the cache is old.
    expect(await listStatus(OLD_KEY)).toBe(200);
    expect(sm.reads('api-keys')).toBe(1);
    advance(PAST_MAX_AGE);
    expect(await listStatus(OLD_KEY)).toBe(401);
    expect(await listStatus(NEW_KEY)).toBe(200);
    expect(sm.reads('api-keys')).toBe(2);
  });

  it('the Slack signing secret', async () => {
    expect(await slashStatus(OLD_SIGNING)).toBe(200);
    sm.put('slack-signing', { SLACK_SIGNING_SECRET: NEW_SIGNING });
    advance(PAST_MAX_AGE);
    expect(await slashStatus(OLD_SIGNING)).toBe(401);
    expect(await slashStatus(NEW_SIGNING)).toBe(200);
  });

  it('the Huawei credential: registration signs with the new AK/SK once the old one is deleted', async () => {
    const task = sim.createTask({ name: 'rotating', steps: 2 }).taskId;
    const watch = (channel: string) =>
      call(api, postTask({ task_id: task, channel }, bearer(NEW_KEY))).then((answer) => answer.status);
    expect(await watch('C0ROTATE001')).toBe(201);
    // Huawei side: the new key is issued and the old one deleted, then the secret is updated.
    sim.addAccessKey(NEW_AK, 'new-secret-key-111111');
    sim.removeAccessKey(OLD_AK);
    sm.put('huawei', { HUAWEI_ACCESS_KEY: NEW_AK, HUAWEI_SECRET_KEY: 'new-secret-key-111111' });
    advance(WITHIN);
    expect(await watch('C0ROTATE002')).toBe(502);
    advance(PAST_MAX_AGE);
    expect(await watch('C0ROTATE002')).toBe(201);
  });

  it('the Slack bot token: the worker posts with the new token once Slack has revoked the old one', async () => {
    const task = sim.createTask({ name: 'posting', steps: 1 }).taskId;
    expect(
      (await call(api, postTask({ task_id: task, channel: 'C0POSTS0001' }, bearer(NEW_KEY)))).status,
    ).toBe(201);
    const runAndPoll = async () => {
      sim.startRun(task, { pendingMs: 0, stepDurationsMs: [1_000] });
      advance(5_000);
      await pollNow(task);
    };
    await runAndPoll();
    const first = slack.messages('C0POSTS0001').length;
    expect(first).toBeGreaterThan(0);

    slack.rotateToken(NEW_TOKEN);
    sm.put('slack-bot', { SLACK_BOT_TOKEN: NEW_TOKEN });
    await runAndPoll();
    // The old token is refused by Slack: nothing more is posted, and the change waits in the outbox.
    expect(slack.messages('C0POSTS0001')).toHaveLength(first);
    expect((await store.getTask(task))?.outbox.length).toBeGreaterThan(0);

    advance(PAST_MAX_AGE);
    await pollNow(task);
    expect(slack.messages('C0POSTS0001').length).toBeGreaterThan(first);
    expect((await store.getTask(task))?.outbox).toEqual([]);
  });
});
