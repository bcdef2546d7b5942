// /people through the api handler against dynalite: link, read, list, relink, unlink; a write key for changes;
// the API's error shape for bad input, and nothing written on any error.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoInsightStore } from '../../../functions/adapters/dynamodb/insight-store.js';
import type { ApiHandler } from '../../../functions/handlers/api-pipeline.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';
import { apiEvent, auth, call, READ_KEY } from '../../unit/api/fixtures.js';
import { apiOverDynamo } from './dynamo-handler.js';

let dynamo: TestDynamo;
let people: DynamoInsightStore;
let handler: ApiHandler;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});
beforeEach(async () => {
  ({ handler, insight: people } = await apiOverDynamo(dynamo));
});

const put = (user: string, body: unknown, key?: string) =>
  call(
    handler,
    apiEvent({
      method: 'PUT',
      path: `/people/${user}`,
      headers: { 'content-type': 'application/json', ...auth(key) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
const get = (path: string, key?: string) =>
  call(handler, apiEvent({ method: 'GET', path, headers: auth(key) }));
const del = (user: string, key?: string) =>
  call(handler, apiEvent({ method: 'DELETE', path: `/people/${user}`, headers: auth(key) }));

describe('/people', () => {
  it('links a CodeArts user to a Slack user, shows it, lists everyone, relinks and unlinks', async () => {
    const created = await put('devcloud_test', { slack_user: 'U0DEVCLOUD1' });
    expect(created).toMatchObject({
      status: 201,
      json: {
        outcome: 'created',
        person: {
          codearts_user: 'devcloud_test',
          slack_user: 'U0DEVCLOUD1',
          updated_at: '2026-11-28T10:00:00.000Z',
          updated_by: 'api:ci',
        },
      },
    });
    expect((await put('devcloud_test', { slack_user: 'U0DEVCLOUD1' })).json).toMatchObject({
      outcome: 'unchanged',
    });
    expect(await put('devcloud_test', { slack_user: 'W0DEVCLOUD2' })).toMatchObject({
      status: 200,
      json: { outcome: 'updated', person: { slack_user: 'W0DEVCLOUD2' } },
    });
    // Names as CodeArts shows them, percent-encoded in the path.
    await put(encodeURIComponent('李雷'), { slack_user: 'U0LILEI0001' });
    expect(await get('/people/devcloud_test', READ_KEY)).toMatchObject({
      status: 200,
      json: { person: { codearts_user: 'devcloud_test', slack_user: 'W0DEVCLOUD2' } },
    });
    expect((await get('/people', READ_KEY)).json).toEqual({
      people: [
        expect.objectContaining({ codearts_user: 'devcloud_test' }),
        expect.objectContaining({ codearts_user: '李雷', slack_user: 'U0LILEI0001' }),
      ],
    });
    expect(await people.slackUsersOf(['李雷'])).toEqual(new Map([['李雷', 'U0LILEI0001']]));
    expect(await del('devcloud_test')).toMatchObject({
      status: 200,
      json: { removed: { codearts_user: 'devcloud_test' } },
    });
    expect(await del('devcloud_test')).toMatchObject({
      status: 404,
      json: { error: { code: 'person_not_found' } },
    });
    expect(await get('/people/devcloud_test')).toMatchObject({
      status: 404,
      json: { error: { code: 'person_not_found' } },
    });
  });

  it('a read key reads but changes nothing; no key gets nothing', async () => {
    await put('alice', { slack_user: 'U0ALICE0001' });
    expect((await put('alice', { slack_user: 'U0OTHER0001' }, READ_KEY)).status).toBe(403);
    expect((await del('alice', READ_KEY)).status).toBe(403);
    expect((await call(handler, apiEvent({ method: 'GET', path: '/people' }))).status).toBe(401);
    expect(await people.getPerson('alice')).toMatchObject({ slackUser: 'U0ALICE0001' });
  });

  it.each([
    ['a bad Slack user', 'alice', { slack_user: 'alice' }, 'invalid_field'],
    ['a missing Slack user', 'alice', {}, 'missing_field'],
    ['an unknown field', 'alice', { slack_user: 'U0ALICE0001', team: 'T1' }, 'unknown_field'],
    ['not an object', 'alice', '["U0ALICE0001"]', 'invalid_body'],
    ['malformed JSON', 'alice', '{', 'invalid_json'],
    ['a name too long', 'a'.repeat(65), { slack_user: 'U0ALICE0001' }, 'invalid_field'],
    ['a name with a slash', encodeURIComponent('a/b'), { slack_user: 'U0ALICE0001' }, 'invalid_field'],
    [
      'a name with spaces around it',
      encodeURIComponent(' alice'),
      { slack_user: 'U0ALICE0001' },
      'invalid_field',
    ],
    [
      'a control character',
      encodeURIComponent('al\u0007ice'),
      { slack_user: 'U0ALICE0001' },
      'invalid_field',
    ],
  ])('refuses %s with a 400 and writes nothing', async (_what, user, body, code) => {
    const answer = await put(user, body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { code, message: expect.any(String) } });
    expect(await people.listPeople()).toEqual([]);
  });
});
