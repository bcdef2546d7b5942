import { describe, expect, it } from 'vitest';
import { CodeArtsError } from '../../../functions/ports.js';
import { TASK_A, TASK_NEVER_RUN, TASK_UNKNOWN } from '../../support/fakes/codearts.js';
import { recordingLogger } from '../../support/fakes/logger.js';
import { InMemoryWatchStore } from '../../support/fakes/watch-store.js';
import { RECORD_A } from '../../support/state-bodies.js';
import { API_KEY, apiEvent, auth, call, makeHarness, OTHER_KEY, postTask, writeKey } from './fixtures.js';

const CHANNEL = 'C0123ABCD9';

describe('GET /health', () => {
  it('answers ok without auth', async () => {
    const { handler } = makeHarness();
    expect(await call(handler, apiEvent({ method: 'GET', path: '/health' }))).toMatchObject({
      status: 200,
      json: { status: 'ok' },
    });
  });
});

describe('bearer auth on /tasks', () => {
  const routes = [
    () => postTask({ task_id: TASK_A, channel: CHANNEL }, { authorization: '' }),
    () => apiEvent({ method: 'GET', path: '/tasks' }),
    () => apiEvent({ method: 'GET', path: `/tasks/${TASK_A}` }),
    () => apiEvent({ method: 'DELETE', path: `/tasks/${TASK_A}` }),
  ];

  it.each(routes.map((make, i) => [i, make] as const))(
    'route %i answers 401 without a key',
    async (_i, make) => {
      const { handler } = makeHarness();
      const answer = await call(handler, make());
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(answer.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    },
  );

  it.each([
    ['a wrong key', 'Bearer nope'],
    ['a prefix of the key', `Bearer ${API_KEY.slice(0, -1)}`],
    ['the key plus more', `Bearer ${API_KEY}x`],
    ['another scheme', `Basic ${API_KEY}`],
    ['no scheme', API_KEY],
    ['an empty bearer', 'Bearer '],
  ])('rejects %s', async (_name, header) => {
    const { handler } = makeHarness();
    expect(
      (await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: { authorization: header } })))
        .status,
    ).toBe(401);
  });

  it('accepts every configured key, any scheme case, and reads keys on each request', async () => {
    let keys = [writeKey(API_KEY), writeKey(OTHER_KEY, 'other')];
    const { handler } = makeHarness({ apiKeys: async () => keys });
    for (const header of [`Bearer ${API_KEY}`, `bearer ${OTHER_KEY}`, `BEARER  ${API_KEY}`]) {
      expect(
        (await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: { authorization: header } })))
          .status,
      ).toBe(200);
    }
    keys = [writeKey(OTHER_KEY, 'other')];
    expect(
      (await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth(API_KEY) }))).status,
    ).toBe(401);
  });

  it('rejects everything when no key is configured', async () => {
    const { handler } = makeHarness({ apiKeys: () => [] });
    expect(
      (
        await call(
          handler,
          apiEvent({ method: 'GET', path: '/tasks', headers: { authorization: 'Bearer ' } }),
        )
      ).status,
    ).toBe(401);
  });

  it('authenticates before looking at the body', async () => {
    const { handler } = makeHarness();
    const answer = await call(handler, postTask('{not json', { authorization: 'Bearer wrong' }));
    expect(answer.status).toBe(401);
  });
});

describe('POST /tasks', () => {
  it('verifies the task with CodeArts, stores the watch and answers 201 with the current state', async () => {
    const { handler, store, codearts } = makeHarness();
    const answer = await call(
      handler,
      postTask({
        task_id: TASK_A.toUpperCase(),
        channel: CHANNEL,
        notify: 'failures',
        mentions: ['U0123ABCD9'],
      }),
    );
    expect(answer.status).toBe(201);
    expect(answer.headers.location).toBe(`/tasks/${TASK_A}`);
    expect(answer.json).toMatchObject({
      task: { task_id: TASK_A, name: 'gateway-prod', region: 'cn-north-4' },
      watch: { channel: CHANNEL, notify: 'failures', mode: 'thread', mentions: ['U0123ABCD9'], broken: null },
      outcome: 'created',
      verified: true,
      state: {
        record_id: RECORD_A,
        status: 'running',
        started_at: '2026-11-28T09:55:00.000Z',
        steps: [{ progress: 'done' }, { progress: 'running' }, { progress: 'pending' }],
      },
    });
    expect(codearts.calls).toEqual([{ op: 'state', taskId: TASK_A, region: 'cn-north-4' }]);
    const [record] = store.dump();
    expect(record).toMatchObject({ taskId: TASK_A, taskName: 'gateway-prod', run: { recordId: RECORD_A } });
    // Verified at registration: the baseline is fixed, so the first poll does not replay the current run.
    expect(record?.health.lastSuccessAt).toBe('2026-11-28T10:00:00.000Z');
  });

  it('is idempotent: the same request again answers 200 unchanged and writes nothing', async () => {
    const { handler, store } = makeHarness();
    const body = { task_id: TASK_A, channel: CHANNEL };
    expect((await call(handler, postTask(body))).status).toBe(201);
    const before = store.dump();
    const writes = store.writes.length;
    const again = await call(handler, postTask(body));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ outcome: 'unchanged', watch: { channel: CHANNEL } });
    expect(store.dump()).toEqual(before);
    expect(store.writes.length).toBe(writes);
  });

  it('answers 200 updated when options change, 201 subscribed for a new channel', async () => {
    const { handler, store } = makeHarness();
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    const updated = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL, mode: 'messages' }));
    expect(updated).toMatchObject({ status: 200, json: { outcome: 'updated', watch: { mode: 'messages' } } });
    const subscribed = await call(handler, postTask({ task_id: TASK_A, channel: '#Deploys' }));
    expect(subscribed).toMatchObject({
      status: 201,
      json: { outcome: 'subscribed', watch: { channel: '#deploys' } },
    });
    expect(Object.keys(store.dump()[0]?.subscriptions ?? {}).sort()).toEqual(['#deploys', CHANNEL]);
  });

  it('uses the region given, else the known one, else the default', async () => {
    const { handler, codearts } = makeHarness();
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL, region: 'ap-southeast-3' }));
    await call(handler, postTask({ task_id: TASK_A, channel: 'C0999ABCD9' }));
    await call(handler, postTask({ task_id: TASK_NEVER_RUN, channel: CHANNEL }));
    expect(codearts.calls.filter((c) => c.op === 'state').map((c) => c.region)).toEqual([
      'ap-southeast-3',
      'ap-southeast-3',
      'cn-north-4',
    ]);
  });

  it('deduplicates mentions', async () => {
    const { handler } = makeHarness();
    const answer = await call(
      handler,
      postTask({ task_id: TASK_A, channel: CHANNEL, mentions: ['U0123ABCD9', 'W0123ABCD9', 'U0123ABCD9'] }),
    );
    expect(answer.json).toMatchObject({ watch: { mentions: ['U0123ABCD9', 'W0123ABCD9'] } });
  });

  it('takes a never-run task by its name from the task detail, with no run', async () => {
    const { handler, codearts } = makeHarness();
    const answer = await call(handler, postTask({ task_id: TASK_NEVER_RUN, channel: CHANNEL }));
    expect(answer).toMatchObject({ status: 201, json: { task: { name: 'fresh-task' }, state: null } });
    expect(codearts.calls.map((c) => c.op)).toEqual(['state', 'detail']);
  });

  it("answers 404 with CodeArts' code for a task CodeArts does not know, storing nothing", async () => {
    const { handler, store } = makeHarness();
    const answer = await call(handler, postTask({ task_id: TASK_UNKNOWN, channel: CHANNEL }));
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      error: { code: 'Deploy.00011020', message: expect.stringContaining(TASK_UNKNOWN) },
    });
    expect(store.dump()).toEqual([]);
  });

  it('answers 422 when CodeArts refuses the lookup as a bad request', async () => {
    const { handler, codearts, store } = makeHarness();
    codearts.failure = new CodeArtsError('bad-request', 'x', { status: 400, code: 'Deploy.00016902' });
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(answer).toMatchObject({ status: 422, json: { error: { code: 'Deploy.00016902' } } });
    expect(store.dump()).toEqual([]);
  });

  it.each([
    [
      'auth',
      new CodeArtsError('auth', 'APIG.0301 token expired secret-detail', { status: 401, code: 'APIG.0301' }),
      502,
      'codearts_auth_failed',
    ],
    [
      'throttled',
      new CodeArtsError('throttled', 'APIG.0308', { status: 429, code: 'APIG.0308', retryAfterMs: 2500 }),
      503,
      'codearts_throttled',
    ],
    [
      'server',
      new CodeArtsError('server', 'HTTP 502 from backend 10.0.0.7', { status: 502 }),
      502,
      'codearts_unavailable',
    ],
    ['timeout', new CodeArtsError('timeout', 'socket timeout', {}), 503, 'codearts_timeout'],
    [
      'bad-response',
      new CodeArtsError('bad-response', '<html>', { status: 200 }),
      502,
      'codearts_bad_response',
    ],
  ])('answers a generic %s error and stores nothing', async (_kind, failure, status, code) => {
    const { handler, codearts, store } = makeHarness();
    codearts.failure = failure;
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(answer.status).toBe(status);
    expect(answer.json).toEqual({ error: { code, message: expect.stringContaining('nothing was stored') } });
    expect(answer.text).not.toMatch(/secret-detail|10\.0\.0\.7|APIG|html/);
    expect(store.dump()).toEqual([]);
    if (code === 'codearts_throttled') expect(answer.headers['retry-after']).toBe('3');
  });

  it('answers 502 when the /state body is malformed', async () => {
    const { handler, codearts, store } = makeHarness();
    codearts.tasks.set(TASK_A, { name: 'x', state: { status: 'success', result: { record_id: 'short' } } });
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(answer).toMatchObject({ status: 502, json: { error: { code: 'codearts_bad_response' } } });
    expect(store.dump()).toEqual([]);
  });

  it('gives up on a slow CodeArts with 503 after its deadline', async () => {
    const { handler, codearts, store } = makeHarness({ verifyTimeoutMs: 50 });
    codearts.delayMs = 5_000;
    const started = Date.now();
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(answer).toMatchObject({ status: 503, json: { error: { code: 'codearts_timeout' } } });
    expect(store.dump()).toEqual([]);
  });

  it('keeps the deadline even when the CodeArts port ignores the abort signal', async () => {
    const { handler, codearts } = makeHarness({ verifyTimeoutMs: 50 });
    codearts.getTaskState = () => new Promise(() => {});
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(answer).toMatchObject({ status: 503, json: { error: { code: 'codearts_timeout' } } });
  });

  it.each([
    [{ channel: CHANNEL }, 'missing_field', 'task_id'],
    [{ task_id: TASK_A }, 'missing_field', 'channel'],
    [{ task_id: 'abc', channel: CHANNEL }, 'invalid_field', 'task_id'],
    [{ task_id: `${TASK_A}0`, channel: CHANNEL }, 'invalid_field', 'task_id'],
    [{ task_id: 42, channel: CHANNEL }, 'invalid_field', 'task_id'],
    [{ task_id: TASK_A, channel: 'general' }, 'invalid_field', 'channel'],
    [{ task_id: TASK_A, channel: 'c0123abcd9' }, 'invalid_field', 'channel'],
    [{ task_id: TASK_A, channel: '#has space' }, 'invalid_field', 'channel'],
    [{ task_id: TASK_A, channel: ['C0123ABCD9'] }, 'invalid_field', 'channel'],
    [{ task_id: TASK_A, channel: CHANNEL, region: 'CN-NORTH-4' }, 'invalid_field', 'region'],
    [{ task_id: TASK_A, channel: CHANNEL, region: null }, 'invalid_field', 'region'],
    [{ task_id: TASK_A, channel: CHANNEL, notify: 'everything' }, 'invalid_field', 'notify'],
    [{ task_id: TASK_A, channel: CHANNEL, mode: 'dm' }, 'invalid_field', 'mode'],
    [{ task_id: TASK_A, channel: CHANNEL, mentions: 'U0123ABCD9' }, 'invalid_field', 'mentions'],
    [
      { task_id: TASK_A, channel: CHANNEL, mentions: ['U0123ABCD9', '@alice'] },
      'invalid_field',
      'mentions[1]',
    ],
    [
      {
        task_id: TASK_A,
        channel: CHANNEL,
        mentions: Array.from({ length: 21 }, (_, i) => `U0123ABC${String(i).padStart(2, '0')}`),
      },
      'invalid_field',
      'mentions',
    ],
    [{ task_id: TASK_A, channel: CHANNEL, taskId: TASK_A }, 'unknown_field', 'taskId'],
  ])('answers 400 for %j naming the field', async (body, code, field) => {
    const { handler, store, codearts } = makeHarness();
    const answer = await call(handler, postTask(body));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    const error = (answer.json as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(`"${field}"`);
    expect(store.dump()).toEqual([]);
    expect(codearts.calls).toEqual([]);
  });

  it('names the JSON key "__proto__" as unknown rather than letting it touch prototypes', async () => {
    const { handler } = makeHarness();
    const answer = await call(
      handler,
      postTask(`{"task_id":"${TASK_A}","channel":"${CHANNEL}","__proto__":{"admin":true}}`),
    );
    expect(answer).toMatchObject({ status: 400, json: { error: { code: 'unknown_field' } } });
    expect((answer.json as { error: { message: string } }).error.message).toContain('"__proto__"');
  });

  it.each([
    ['[]', 'invalid_body'],
    ['null', 'invalid_body'],
    ['"text"', 'invalid_body'],
    ['', 'invalid_json'],
    ['{"task_id":', 'invalid_json'],
    ["{'task_id':1}", 'invalid_json'],
  ])('answers 400 for the body %j', async (body, code) => {
    const { handler } = makeHarness();
    expect(await call(handler, postTask(body))).toMatchObject({ status: 400, json: { error: { code } } });
  });

  it('answers 413 for a body over 16 KB', async () => {
    const { handler } = makeHarness();
    const body = JSON.stringify({ task_id: TASK_A, channel: CHANNEL, pad: 'x'.repeat(16 * 1024) });
    expect(await call(handler, postTask(body))).toMatchObject({
      status: 413,
      json: { error: { code: 'payload_too_large' } },
    });
  });

  it.each([
    [undefined],
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['application/jsonp'],
    ['application/json; charset=latin1'],
  ])('answers 415 for content type %s', async (type) => {
    const { handler } = makeHarness();
    const event = postTask({ task_id: TASK_A, channel: CHANNEL });
    if (type === undefined) delete event.headers['content-type'];
    else event.headers['content-type'] = type;
    expect(await call(handler, event)).toMatchObject({
      status: 415,
      json: { error: { code: 'unsupported_media_type' } },
    });
  });

  it('accepts JSON media types with parameters and any case, and base64-encoded bodies', async () => {
    const { handler } = makeHarness();
    const event = postTask(
      { task_id: TASK_A, channel: CHANNEL },
      { 'Content-Type': 'Application/JSON ; charset=UTF-8' },
    );
    delete event.headers['content-type'];
    expect((await call(handler, event)).status).toBe(201);
    const encoded = postTask({ task_id: TASK_A, channel: 'C0999ABCD9' });
    encoded.body = Buffer.from(encoded.body ?? '').toString('base64');
    encoded.isBase64Encoded = true;
    expect((await call(handler, encoded)).status).toBe(201);
  });

  it('answers 400 for a body that is not UTF-8', async () => {
    const { handler } = makeHarness();
    const event = postTask('');
    event.body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64');
    event.isBase64Encoded = true;
    expect(await call(handler, event)).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_body' } },
    });
  });
});

describe('GET /tasks', () => {
  it('lists every watch with its last known state, last poll and health', async () => {
    const { handler, store } = makeHarness();
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    await call(handler, postTask({ task_id: TASK_A, channel: 'C0999ABCD9' }));
    await call(handler, postTask({ task_id: TASK_NEVER_RUN, channel: CHANNEL }));
    const a = store.dump().find((record) => record.taskId === TASK_A);
    const b = store.dump().find((record) => record.taskId === TASK_NEVER_RUN);
    if (a === undefined || b === undefined) throw new Error('seed failed');
    // As the poller would leave them: one stale task with a broken channel, one gone.
    a.health = {
      ...a.health,
      lastPollAt: '2026-11-28T09:59:00.000Z',
      staleSince: '2026-11-28T09:50:00.000Z',
      consecutiveFailures: 4,
      lastError: 'server',
    };
    const broken = a.subscriptions.C0999ABCD9;
    if (broken)
      broken.broken = {
        code: 'channel_not_found',
        message: 'Slack: channel_not_found',
        at: '2026-11-28T09:58:00.000Z',
      };
    b.health = { ...b.health, lastPollAt: '2026-11-28T09:59:00.000Z', gone: true };
    store.put(a);
    store.put(b);

    const answer = await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth() }));
    expect(answer.status).toBe(200);
    const { tasks } = answer.json as { tasks: unknown[] };
    expect(tasks).toHaveLength(2);
    expect(tasks).toContainEqual(
      expect.objectContaining({
        task_id: TASK_A,
        name: 'gateway-prod',
        state: expect.objectContaining({ record_id: RECORD_A, status: 'running' }),
        last_poll_at: '2026-11-28T09:59:00.000Z',
        health: expect.objectContaining({
          status: 'stale',
          stale_since: '2026-11-28T09:50:00.000Z',
          broken_channels: [
            {
              channel: 'C0999ABCD9',
              code: 'channel_not_found',
              message: 'Slack: channel_not_found',
              at: '2026-11-28T09:58:00.000Z',
            },
          ],
        }),
        watches: [
          expect.objectContaining({ channel: CHANNEL }),
          expect.objectContaining({ channel: 'C0999ABCD9' }),
        ],
      }),
    );
    expect(tasks).toContainEqual(
      expect.objectContaining({
        task_id: TASK_NEVER_RUN,
        state: null,
        health: expect.objectContaining({ status: 'gone' }),
      }),
    );
  });

  it('shows the last completed poll cycle as the last poll of healthy tasks (the poller writes only changes)', async () => {
    let cycle: number | null = Date.parse('2026-11-28T10:05:00Z');
    const { handler, store } = makeHarness({ lastPollCycleAt: async () => cycle });
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    await call(handler, postTask({ task_id: TASK_NEVER_RUN, channel: CHANNEL }));
    const stale = store.dump().find((record) => record.taskId === TASK_NEVER_RUN);
    if (stale === undefined) throw new Error('seed failed');
    stale.health = {
      ...stale.health,
      lastPollAt: '2026-11-28T10:04:00.000Z',
      consecutiveFailures: 3,
      staleSince: '2026-11-28T10:00:00.000Z',
    };
    store.put(stale);
    const list = async () =>
      (
        (await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth() }))).json as {
          tasks: { task_id: string; last_poll_at: string | null; health: { status: string } }[];
        }
      ).tasks;
    expect(await list()).toEqual([
      expect.objectContaining({
        task_id: TASK_NEVER_RUN,
        last_poll_at: '2026-11-28T10:04:00.000Z',
        health: expect.objectContaining({ status: 'stale' }),
      }),
      expect.objectContaining({
        task_id: TASK_A,
        last_poll_at: '2026-11-28T10:05:00.000Z',
        health: expect.objectContaining({ status: 'ok' }),
      }),
    ]);
    const detail = await call(
      handler,
      apiEvent({ method: 'GET', path: `/tasks/${TASK_A}`, headers: auth() }),
    );
    expect(detail.json).toMatchObject({ health: { status: 'ok', last_poll_at: '2026-11-28T10:05:00.000Z' } });
    // A cycle that ended before the watch existed did not poll it.
    cycle = Date.parse('2026-11-28T09:00:00Z');
    expect((await list()).find((task) => task.task_id === TASK_A)).toMatchObject({
      last_poll_at: null,
      health: { status: 'pending' },
    });
  });

  it('still lists when the last cycle time cannot be read', async () => {
    const { handler } = makeHarness({
      lastPollCycleAt: async () => {
        throw new Error('lease read failed');
      },
    });
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth() }))).toMatchObject({
      status: 200,
    });
  });

  it('answers an empty list when nothing is watched', async () => {
    const { handler } = makeHarness();
    expect(await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth() }))).toMatchObject({
      status: 200,
      json: { tasks: [] },
    });
  });
});

describe('GET /tasks/{task_id}', () => {
  it('shows subscriptions, the last snapshot, the outbox with delivery progress and health', async () => {
    const { handler, store } = makeHarness();
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    await call(handler, postTask({ task_id: TASK_A, channel: 'C0999ABCD9' }));
    const record = store.dump().find((r) => r.taskId === TASK_A);
    if (record === undefined) throw new Error('seed failed');
    record.outbox = [
      {
        seq: 1,
        at: '2026-11-28T10:01:00.000Z',
        events: [{ type: 'step.finished', recordId: RECORD_A, step: 1, name: 'Start Service', elapsed: 12 }],
        runs: [],
      },
    ];
    record.lastSeq = 1;
    record.recent = [
      { seq: 1, at: '2026-11-28T10:01:00.000Z', events: [{ type: 'run.started', recordId: RECORD_A }] },
    ];
    const sub = record.subscriptions[CHANNEL];
    if (sub) {
      sub.deliveredSeq = 1;
      sub.messages = { [RECORD_A]: { channel: CHANNEL, ts: '1795860000.000100' } };
    }
    store.put(record);

    const answer = await call(
      handler,
      apiEvent({ method: 'GET', path: `/tasks/${TASK_A.toUpperCase()}`, headers: auth() }),
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      task: { task_id: TASK_A, name: 'gateway-prod', region: 'cn-north-4' },
      subscriptions: [
        {
          channel: CHANNEL,
          delivered_seq: 1,
          pending_batches: 0,
          messages: { [RECORD_A]: { ts: '1795860000.000100' } },
        },
        { channel: 'C0999ABCD9', delivered_seq: 0, pending_batches: 1 },
      ],
      snapshot: { record_id: RECORD_A, steps: [{ name: 'Select Deployment Source' }, {}, {}] },
      outbox: {
        last_seq: 1,
        pending: [
          {
            seq: 1,
            events: [
              { type: 'step.finished', record_id: RECORD_A, step: 1, name: 'Start Service', elapsed: 12 },
            ],
            delivered_to: [CHANNEL],
            waiting_for: ['C0999ABCD9'],
          },
        ],
      },
      recent: [{ seq: 1, events: [{ type: 'run.started', record_id: RECORD_A }] }],
      health: { status: 'pending', broken_channels: [] },
    });
  });

  it('answers 404 for a task that is not watched and 400 for a bad ID', async () => {
    const { handler } = makeHarness();
    expect(
      await call(handler, apiEvent({ method: 'GET', path: `/tasks/${TASK_A}`, headers: auth() })),
    ).toMatchObject({
      status: 404,
      json: { error: { code: 'task_not_found' } },
    });
    expect(
      await call(handler, apiEvent({ method: 'GET', path: '/tasks/not-an-id', headers: auth() })),
    ).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_task_id' } },
    });
    // API Gateway's explicit routes hand over path parameters already decoded, '%' included.
    const decoded = apiEvent({ method: 'DELETE', path: '/tasks/%25', headers: auth() });
    decoded.pathParameters = { task_id: '%' };
    expect(await call(handler, decoded)).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_task_id' } },
    });
  });
});

describe('DELETE /tasks/{task_id}', () => {
  const seed = async () => {
    const harness = makeHarness();
    await call(harness.handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    await call(harness.handler, postTask({ task_id: TASK_A, channel: '#deploys' }));
    return harness;
  };

  it('removes one channel and answers what remains', async () => {
    const { handler, store } = await seed();
    const answer = await call(
      handler,
      apiEvent({ method: 'DELETE', path: `/tasks/${TASK_A}`, query: 'channel=%23deploys', headers: auth() }),
    );
    expect(answer).toMatchObject({
      status: 200,
      json: {
        removed: { task_id: TASK_A, channels: ['#deploys'] },
        remaining: { task_id: TASK_A, watches: [{ channel: CHANNEL }] },
      },
    });
    expect(Object.keys(store.dump()[0]?.subscriptions ?? {})).toEqual([CHANNEL]);
  });

  it('removes the task with its last channel, or all channels at once', async () => {
    const { handler, store } = await seed();
    const answer = await call(
      handler,
      apiEvent({ method: 'DELETE', path: `/tasks/${TASK_A}`, headers: auth() }),
    );
    expect(answer).toMatchObject({
      status: 200,
      json: { removed: { channels: ['#deploys', CHANNEL].sort() }, remaining: null },
    });
    expect(store.dump()).toEqual([]);
    expect(
      await call(handler, apiEvent({ method: 'DELETE', path: `/tasks/${TASK_A}`, headers: auth() })),
    ).toMatchObject({
      status: 404,
      json: { error: { code: 'task_not_found' } },
    });
  });

  it('answers 404 for a channel that does not watch the task, 400 for a bad channel, changing nothing', async () => {
    const { handler, store } = await seed();
    const before = store.dump();
    expect(
      await call(
        handler,
        apiEvent({
          method: 'DELETE',
          path: `/tasks/${TASK_A}`,
          query: 'channel=C0777ABCD9',
          headers: auth(),
        }),
      ),
    ).toMatchObject({ status: 404, json: { error: { code: 'watch_not_found' } } });
    expect(
      await call(
        handler,
        apiEvent({ method: 'DELETE', path: `/tasks/${TASK_A}`, query: 'channel=nope', headers: auth() }),
      ),
    ).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_field', message: expect.stringContaining('"channel"') } },
    });
    expect(store.dump()).toEqual(before);
  });
});

describe('routing and failures', () => {
  it('answers 404 JSON for unknown routes and 405 with Allow for known paths', async () => {
    const { handler } = makeHarness();
    expect(await call(handler, apiEvent({ method: 'GET', path: '/nope' }))).toMatchObject({
      status: 404,
      json: { error: { code: 'not_found' } },
    });
    const answer = await call(handler, apiEvent({ method: 'PATCH', path: `/tasks/${TASK_A}` }));
    expect(answer).toMatchObject({ status: 405, json: { error: { code: 'method_not_allowed' } } });
    expect(answer.headers.allow).toBe('GET, DELETE');
  });

  it('routes under a named API Gateway stage', async () => {
    const { handler } = makeHarness();
    expect(await call(handler, apiEvent({ method: 'GET', path: '/health', stage: 'prod' }))).toMatchObject({
      status: 200,
    });
    expect(
      await call(handler, apiEvent({ method: 'GET', path: '/tasks', stage: 'prod', headers: auth() })),
    ).toMatchObject({ status: 200 });
  });

  it('answers store failures with a generic 500 and logs the details', async () => {
    const logger = recordingLogger();
    const store = new InMemoryWatchStore();
    store.getTask = async () => {
      throw new Error('ProvisionedThroughputExceeded on arn:aws:dynamodb:eu-west-1:123:table/secret');
    };
    const { handler } = makeHarness({ store, logger });
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(answer.text).not.toMatch(/arn|Provisioned|secret/);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'Request failed' }),
    );
  });

  it('answers a generic 500 for a foreign error that carries a 4xx statusCode, keeping its message out', async () => {
    const logger = recordingLogger();
    const store = new InMemoryWatchStore();
    // A library error shaped like an HTTP error (http-errors, some SDKs): its message is not for callers.
    store.listTasks = () => {
      throw Object.assign(new Error('ValidationException: table arn:aws:dynamodb:eu-west-1:123:table/t'), {
        statusCode: 400,
        expose: true,
      });
    };
    const { handler } = makeHarness({ store, logger });
    const answer = await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth() }));
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(answer.text).not.toMatch(/arn|Validation/);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'Request failed' }),
    );
  });
  it('answers a generic 500 when the API keys cannot be loaded', async () => {
    const { handler } = makeHarness({
      apiKeys: async () => {
        throw new Error('AccessDenied: secretsmanager:GetSecretValue');
      },
    });
    const answer = await call(handler, apiEvent({ method: 'GET', path: '/tasks', headers: auth() }));
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain('secretsmanager');
  });
});
