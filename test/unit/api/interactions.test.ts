// POST /slack/interactions at the edge: what is not a signed, well-formed button press is refused with a clear
// error before anything is read or written. (Presses themselves: test/integration/actions/.)
import { describe, expect, it } from 'vitest';
import type { PollQueue, QueuedPoll, SlackResponder, TaskRepository } from '../../../functions/ports.js';
import { TASK_A } from '../../support/fakes/codearts.js';
import { apiEvent, call, makeHarness, NOW, SIGNING_SECRET, slackSign, TEAM } from './fixtures.js';

const RECORD = '2c82ffe8d00d4968a4e5f7a36d87ae17';

const spies = () => {
  const queued: QueuedPoll[] = [];
  const responded: string[] = [];
  const writes: string[] = [];
  const tasks: Pick<TaskRepository, 'getTask' | 'putTask' | 'deleteTask'> = {
    getTask: async () => null,
    putTask: async (record) => {
      writes.push(record.taskId);
      return true;
    },
    deleteTask: async (taskId) => {
      writes.push(taskId);
      return true;
    },
  };
  const queue: PollQueue = { send: async (polls) => void queued.push(...polls) };
  const responder: SlackResponder = {
    respond: async (url) => {
      responded.push(url);
      return true;
    },
  };
  return { queued, responded, writes, interactions: { tasks, queue, responder, followMs: 60_000 } };
};

const payload = (over: Record<string, unknown> = {}) => ({
  type: 'block_actions',
  team: { id: TEAM },
  user: { id: 'U0OPERATOR1', team_id: TEAM },
  channel: { id: 'C0123ABCD9' },
  response_url: 'https://hooks.slack.com/actions/T1DC2JH3J/1/abc',
  actions: [
    {
      action_id: 'codearts.stop',
      type: 'button',
      value: JSON.stringify({ task_id: TASK_A, record_id: RECORD }),
    },
  ],
  ...over,
});

const interaction = (body: string, signed = true) => {
  const timestamp = Math.floor(NOW / 1000);
  return apiEvent({
    method: 'POST',
    path: '/slack/interactions',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signed
        ? {
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': slackSign(SIGNING_SECRET, timestamp, body),
          }
        : {}),
    },
    body,
  });
};
const form = (value: unknown) =>
  new URLSearchParams({ payload: typeof value === 'string' ? value : JSON.stringify(value) }).toString();

describe('POST /slack/interactions', () => {
  it.each([
    ['no payload', 'foo=bar', 'invalid_payload'],
    ['a payload that is not JSON', form('{"type":'), 'invalid_payload'],
    ['another kind of interaction', form(payload({ type: 'view_submission' })), 'unsupported_interaction'],
    [
      'an unknown button',
      form(payload({ actions: [{ action_id: 'codearts.delete', value: '{}' }] })),
      'unknown_action',
    ],
    [
      'two actions at once',
      form(payload({ actions: [payload().actions[0], payload().actions[0]] })),
      'invalid_payload',
    ],
    [
      'a value that is not ours',
      form(payload({ actions: [{ action_id: 'codearts.stop', value: '{"task_id":"x"}' }] })),
      'invalid_value',
    ],
    [
      'a value with an extra field',
      form(
        payload({
          actions: [
            {
              action_id: 'codearts.stop',
              value: JSON.stringify({ task_id: TASK_A, record_id: RECORD, run: 'x' }),
            },
          ],
        }),
      ),
      'invalid_value',
    ],
    ['a user that is not a Slack user', form(payload({ user: { id: '<!channel>' } })), 'invalid_payload'],
    ['no channel', form(payload({ channel: null })), 'invalid_payload'],
    ['no workspace', form(payload({ team: null, user: { id: 'U0OPERATOR1' } })), 'invalid_payload'],
  ])('answers 400 for %s, reading and writing nothing', async (_name, body, code) => {
    const s = spies();
    const { handler } = makeHarness({ interactions: s.interactions, slackTeamIds: () => [TEAM] });
    const answer = await call(handler, interaction(body));
    expect(answer).toMatchObject({ status: 400, json: { error: { code } } });
    expect([s.queued, s.responded, s.writes]).toEqual([[], [], []]);
  });

  it('refuses an unsigned press with 401 before reading it', async () => {
    const s = spies();
    const { handler } = makeHarness({ interactions: s.interactions });
    expect(await call(handler, interaction(form(payload()), false))).toMatchObject({
      status: 401,
      json: { error: { code: 'invalid_signature' } },
    });
    expect([s.queued, s.responded, s.writes]).toEqual([[], [], []]);
  });

  it('answers 503 when buttons are not configured, and 200 to Slack’s certificate check', async () => {
    const { handler } = makeHarness();
    expect(await call(handler, interaction(form(payload())))).toMatchObject({
      status: 503,
      json: { error: { code: 'slack_actions_not_configured' } },
    });
    expect((await call(handler, interaction('ssl_check=1&token=x'))).status).toBe(200);
  });

  it('answers 413 for a body over 128 KiB', async () => {
    const { handler } = makeHarness({ interactions: spies().interactions });
    expect((await call(handler, interaction(form(payload({ padding: 'x'.repeat(140_000) }))))).status).toBe(
      413,
    );
  });

  it('answers a press on a task nobody watches privately, and does nothing else', async () => {
    const s = spies();
    const { handler } = makeHarness({ interactions: s.interactions });
    expect((await call(handler, interaction(form(payload())))).status).toBe(200);
    expect(s.responded).toEqual(['https://hooks.slack.com/actions/T1DC2JH3J/1/abc']);
    expect([s.queued, s.writes]).toEqual([[], []]);
  });
});
