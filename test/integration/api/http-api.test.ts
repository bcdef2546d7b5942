// Every route over real HTTP: local adapter → middy handler → real CodeArts client → simulator, DynamoDB store
// → dynalite.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectKey } from '../../../functions/core/feed.js';
import { API_KEY, SIGNING_SECRET, slackSign } from '../../unit/api/fixtures.js';
import { type Stack, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterEach(() => stack.sim.clearFaults());
afterAll(() => stack.stop());

const CHANNEL = 'C0123ABCD9';

const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: JSON.parse(text) as Record<string, unknown>,
    text,
  };
};

const slash = async (
  text: string,
  options: { channel?: string; timestamp?: number; signature?: string } = {},
) => {
  const body = new URLSearchParams({
    channel_id: options.channel ?? CHANNEL,
    user_id: 'U2CERLKJA',
    command: '/codearts',
    text,
    response_url: 'https://hooks.slack.com/commands/T1/1/x',
  }).toString();
  const timestamp = options.timestamp ?? Math.floor(stack.clock.now() / 1000);
  const res = await fetch(`${stack.url}/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSign(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  return {
    status: res.status,
    json: (await res.json()) as {
      response_type?: string;
      text?: string;
      blocks?: { text: { text: string } }[];
      error?: unknown;
    },
  };
};

const slashText = (answer: Awaited<ReturnType<typeof slash>>): string =>
  [answer.json.text ?? '', ...(answer.json.blocks ?? []).map((b) => b.text.text)].join('\n');

describe('the HTTP API over real HTTP, dynalite and the CodeArts simulator', () => {
  it('GET /health', async () => {
    const res = await fetch(`${stack.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('POST /tasks verifies with CodeArts, stores in DynamoDB, and is idempotent', async () => {
    const created = await api('POST', '/tasks', {
      task_id: stack.tasks.finished,
      channel: CHANNEL,
      notify: 'failures',
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      task: { task_id: stack.tasks.finished, name: 'gateway-prod', region: 'cn-north-4' },
      watch: { channel: CHANNEL, notify: 'failures', mode: 'thread' },
      outcome: 'created',
      state: { status: 'succeeded', steps: [{ progress: 'done' }, { progress: 'done' }] },
    });
    const stored = await stack.store.getTask(stack.tasks.finished);
    expect(stored).toMatchObject({ taskName: 'gateway-prod', run: { status: 'succeeded' }, version: 1 });

    const again = await api('POST', '/tasks', {
      task_id: stack.tasks.finished,
      channel: CHANNEL,
      notify: 'failures',
    });
    expect(again).toMatchObject({ status: 200, json: { outcome: 'unchanged' } });
    expect((await stack.store.getTask(stack.tasks.finished))?.version).toBe(1);
  });

  it('POST /tasks takes the running run as the baseline, and a never-run task by its name', async () => {
    const running = await api('POST', '/tasks', { task_id: stack.tasks.running, channel: CHANNEL });
    expect(running).toMatchObject({
      status: 201,
      json: { task: { name: 'billing-api' }, state: { status: 'running' } },
    });
    const fresh = await api('POST', '/tasks', { task_id: stack.tasks.neverRun, channel: '#releases' });
    expect(fresh).toMatchObject({ status: 201, json: { task: { name: 'fresh-service' }, state: null } });
  });

  it('POST /tasks answers 404 with Deploy.00011020 for a deleted task, and generic 5xx on CodeArts failures', async () => {
    const gone = stack.sim.createTask({ name: 'doomed' }).taskId;
    stack.sim.deleteTask(gone);
    const notFound = await api('POST', '/tasks', { task_id: gone, channel: CHANNEL });
    expect(notFound).toMatchObject({ status: 404, json: { error: { code: 'Deploy.00011020' } } });

    const task = stack.sim.createTask({ name: 'flaky' }).taskId;
    stack.sim.inject({ kind: 'throttle', taskId: task, retryAfterSeconds: 4 });
    const throttled = await api('POST', '/tasks', { task_id: task, channel: CHANNEL });
    expect(throttled).toMatchObject({ status: 503, json: { error: { code: 'codearts_throttled' } } });
    expect(throttled.headers.get('retry-after')).toBe('4');

    stack.sim.inject({ kind: 'html', taskId: task, count: 'always' });
    const html = await api('POST', '/tasks', { task_id: task, channel: CHANNEL });
    expect(html.status).toBeGreaterThanOrEqual(502);
    expect(html.text).not.toMatch(/<html|APIG/i);
    stack.sim.clearFaults();

    stack.sim.inject({ kind: 'unauthorized', count: 'always' });
    const denied = await api('POST', '/tasks', { task_id: task, channel: CHANNEL });
    expect(denied).toMatchObject({ status: 502, json: { error: { code: 'codearts_auth_failed' } } });
    stack.sim.clearFaults();

    expect(await stack.store.getTask(gone)).toBeNull();
    expect(await stack.store.getTask(task)).toBeNull();
  });

  it('POST /tasks stores a task whose CodeArts names are huge, clipped so the item fits', async () => {
    const huge = 'n'.repeat(500 * 1024);
    // Under the 1 MiB answer cap in all, so it is the clipping that makes the item fit.
    const longStep = 's'.repeat(100 * 1024);
    const task = stack.sim.createTask({ name: huge, steps: [`${longStep}-1`, `${longStep}-2`] }).taskId;
    stack.sim.startRun(task, { pendingMs: 0 });
    const created = await api('POST', '/tasks', { task_id: task, channel: CHANNEL });
    expect(created.status).toBe(201);
    const stored = await stack.store.getTask(task);
    expect(stored?.taskName.length).toBeLessThanOrEqual(128);
    expect(stored?.run?.steps?.every((step) => step.name.length <= 128)).toBe(true);
    // And it stays writable: a second channel is a second conditional write of the same item.
    expect((await api('POST', '/tasks', { task_id: task, channel: '#other' })).status).toBe(201);
    expect((await api('DELETE', `/tasks/${task}`)).status).toBe(200);
  });

  it('POST /tasks refuses bad input with 400/413/415 before calling CodeArts', async () => {
    const before = stack.sim.requests.length;
    expect(await api('POST', '/tasks', { task_id: 'nope', channel: CHANNEL })).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_field' } },
    });
    expect(await api('POST', '/tasks', '{"task_id":')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_json' } },
    });
    expect(
      await api('POST', '/tasks', {
        task_id: stack.tasks.finished,
        channel: CHANNEL,
        extra: 'x'.repeat(20_000),
      }),
    ).toMatchObject({ status: 413 });
    expect(await api('POST', '/tasks', 'task_id=x', { 'content-type': 'text/plain' })).toMatchObject({
      status: 415,
    });
    // Past the local server's own 1 MiB cap the adapter answers before the handler runs.
    expect(await api('POST', '/tasks', 'x'.repeat(2 * 1024 * 1024))).toMatchObject({
      status: 413,
      json: { error: { code: 'payload_too_large' } },
    });
    expect(await api('GET', '/tasks', undefined, { authorization: 'Bearer wrong' })).toMatchObject({
      status: 401,
    });
    expect(stack.sim.requests.length).toBe(before);
  });

  it('GET /tasks lists every watch with state and health; GET /tasks/{id} shows the detail', async () => {
    const list = await api('GET', '/tasks');
    expect(list.status).toBe(200);
    const tasks = list.json.tasks as { task_id: string; state: unknown; health: { status: string } }[];
    expect(tasks.map((t) => t.task_id).sort()).toEqual(
      [stack.tasks.finished, stack.tasks.running, stack.tasks.neverRun].sort(),
    );
    expect(tasks.find((t) => t.task_id === stack.tasks.finished)).toMatchObject({
      state: { status: 'succeeded' },
      health: { status: 'pending', broken_channels: [] },
    });

    const detail = await api('GET', `/tasks/${stack.tasks.running}`);
    expect(detail).toMatchObject({
      status: 200,
      json: {
        task: { task_id: stack.tasks.running, name: 'billing-api' },
        subscriptions: [{ channel: CHANNEL, delivered_seq: 0, pending_batches: 0 }],
        snapshot: { status: 'running' },
        outbox: { last_seq: 0, pending: [] },
      },
    });
    expect(await api('GET', `/tasks/${'f'.repeat(32)}`)).toMatchObject({ status: 404 });
  });

  it('GET /tasks says how the change feed covers each task: fallback while its project’s feed fails, direct until its project is known, off', async () => {
    const project = stack.sim.tasks().find((t) => t.id === stack.tasks.neverRun)!.projectId;
    await stack.feedStatus.save({
      enabled: true,
      projects: {
        [projectKey('cn-north-4', project)]: {
          failingSince: '2026-12-01T10:00:00.000Z',
          lastError: 'bad-request: APIG.0101 the API does not exist',
          failures: 4,
          retryAt: 0,
        },
      },
    });
    const feedOf = async () => {
      const list = await api('GET', '/tasks');
      const tasks = list.json.tasks as { task_id: string; health: { change_feed?: { status: string } } }[];
      return Object.fromEntries(tasks.map((t) => [t.task_id, t.health.change_feed]));
    };
    const feeds = await feedOf();
    // The never-run task's project was read at registration; the others' are learned by their first poll.
    expect(feeds[stack.tasks.neverRun]).toEqual({
      status: 'fallback',
      failing_since: '2026-12-01T10:00:00.000Z',
      last_error: 'bad-request: APIG.0101 the API does not exist',
    });
    expect(feeds[stack.tasks.finished]).toEqual({ status: 'direct', failing_since: null, last_error: null });
    await stack.feedStatus.save({ enabled: true, projects: {} });
    expect((await feedOf())[stack.tasks.neverRun]).toMatchObject({ status: 'on' });
    await stack.feedStatus.save({ enabled: false, projects: {} });
    expect((await feedOf())[stack.tasks.neverRun]).toMatchObject({ status: 'off' });
  });

  it('GET /tasks shows the last tick the planner planned to the end as the last poll of a healthy task', async () => {
    const end = stack.clock.now() + 1_000;
    const tick = new Date(end).toISOString();
    expect(await stack.ticks.claim(tick, 'test', stack.clock.now(), end + 60_000)).toMatchObject({
      resumeAfter: null,
    });
    await stack.ticks.complete(tick, 'test');
    const list = await api('GET', '/tasks');
    const finished = (
      list.json.tasks as { task_id: string; last_poll_at: string; health: { status: string } }[]
    ).find((t) => t.task_id === stack.tasks.finished);
    expect(finished).toMatchObject({ last_poll_at: new Date(end).toISOString(), health: { status: 'ok' } });
  });

  it('the slash command watches, lists, shows and unwatches in its channel', async () => {
    const channel = 'C0SLASH0001';
    const watched = await slash(`watch ${stack.tasks.running} status`, { channel });
    expect(watched.status).toBe(200);
    expect(slashText(watched)).toContain('Watching *billing-api*');
    expect((await stack.store.getTask(stack.tasks.running))?.subscriptions[channel]).toMatchObject({
      notify: 'status',
    });

    expect(slashText(await slash('list', { channel }))).toContain('Watched in this channel (1)');
    expect(slashText(await slash(`status ${stack.tasks.running}`, { channel }))).toContain('billing-api');
    expect(slashText(await slash(`unwatch ${stack.tasks.running}`, { channel }))).toContain(
      'Stopped watching',
    );
    expect((await stack.store.getTask(stack.tasks.running))?.subscriptions[channel]).toBeUndefined();
    expect(slashText(await slash('frobnicate', { channel }))).toContain('Usage:');
  });

  it('the slash command stores an unverified watch when CodeArts is slow, and answers in time', async () => {
    const task = stack.sim.createTask({ name: 'slowpoke' }).taskId;
    stack.sim.inject({ kind: 'hang', taskId: task, afterMs: 3_000, count: 'always' });
    const started = Date.now();
    const answer = await slash(`watch ${task}`, { channel: 'C0SLOW00001' });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(slashText(answer)).toContain('CodeArts is slow to answer; watching anyway');
    expect(await stack.store.getTask(task)).toMatchObject({
      taskName: '',
      run: null,
      health: { lastSuccessAt: null },
    });
  });

  it("a channel restricted to other projects refuses the simulator's tasks; the trail shows who did what", async () => {
    const channel = 'C0LOCKED001';
    const task = stack.sim.createTask({ name: 'locked-out', steps: 1 }).taskId;
    const other = 'cccc2222cccc2222cccc2222cccc2222';
    const restricted = await api('PUT', `/channels/${channel}`, { projects: [other] });
    expect(restricted).toMatchObject({ status: 200, json: { projects: [other] } });
    expect(await api('POST', '/tasks', { task_id: task, channel })).toMatchObject({
      status: 403,
      json: { error: { code: 'project_not_allowed' } },
    });
    expect(slashText(await slash(`watch ${task}`, { channel }))).toContain('certain CodeArts projects');
    expect(await stack.store.getTask(task)).toBeNull();

    // Allowing the simulator's project lets it in, and the task keeps the project CodeArts named.
    await api('PUT', `/channels/${channel}`, { projects: [other, stack.sim.projectId] });
    expect(slashText(await slash(`watch ${task}`, { channel }))).toContain('Watching *locked-out*');
    expect((await stack.store.getTask(task))?.projectId).toBe(stack.sim.projectId);
    const detail = await api('GET', `/tasks/${task}`);
    expect(detail.json.audit).toEqual([
      expect.objectContaining({ via: 'slack', by: 'U2CERLKJA', action: 'watch', channel }),
    ]);
    const view = await api('GET', `/channels/${channel}`);
    expect(view.json).toMatchObject({ watches: { count: 1, unverified: 0, tasks: [{ task_id: task }] } });
    expect((view.json.audit as { action: string; by: string }[]).map((e) => `${e.action} ${e.by}`)).toEqual([
      'restrict ci',
      'restrict ci',
      'watch U2CERLKJA',
    ]);
    expect((await api('DELETE', `/tasks/${task}`)).status).toBe(200);
  });

  it('the slash command refuses bad signatures and stale requests with 401', async () => {
    expect(await slash('list', { signature: 'v0=deadbeef' })).toMatchObject({ status: 401 });
    expect(await slash('list', { timestamp: Math.floor(stack.clock.now() / 1000) - 600 })).toMatchObject({
      status: 401,
    });
  });

  it('DELETE /tasks/{id} removes one channel, then the task', async () => {
    await api('POST', '/tasks', { task_id: stack.tasks.neverRun, channel: CHANNEL });
    const one = await api('DELETE', `/tasks/${stack.tasks.neverRun}?channel=%23releases`);
    expect(one).toMatchObject({
      status: 200,
      json: { removed: { channels: ['#releases'] }, remaining: { watches: [{ channel: CHANNEL }] } },
    });
    const all = await api('DELETE', `/tasks/${stack.tasks.neverRun}`);
    expect(all).toMatchObject({ status: 200, json: { remaining: null } });
    expect(await stack.store.getTask(stack.tasks.neverRun)).toBeNull();
    expect(await api('DELETE', `/tasks/${stack.tasks.neverRun}`)).toMatchObject({ status: 404 });
  });

  it('answers generated bad requests over HTTP with 4xx JSON and leaves DynamoDB untouched', async () => {
    const before = await stack.dump();
    const bad = fc.oneof(
      fc
        .record({ task_id: fc.string({ maxLength: 40 }), channel: fc.constant(CHANNEL) })
        .map((b) => JSON.stringify(b)),
      fc
        .record({
          task_id: fc.constant(stack.tasks.finished),
          channel: fc.string({ maxLength: 12 }).filter((c) => !/^(#|[CGD][A-Z0-9]{8})/.test(c)),
        })
        .map((b) => JSON.stringify(b)),
      fc.string({ maxLength: 50 }).map((s) => `{${s}`),
      fc
        .dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['task_id', 'channel'].includes(k)),
          fc.jsonValue(),
          { minKeys: 1, maxKeys: 3 },
        )
        .map((extra) => JSON.stringify({ task_id: stack.tasks.finished, channel: 'C0NEW00001', ...extra })),
    );
    await fc.assert(
      fc.asyncProperty(bad, fc.boolean(), async (body, authed) => {
        const answer = await api('POST', '/tasks', body, authed ? {} : { authorization: 'Bearer nope' });
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      }),
      { numRuns: 150 },
    );
    expect(await stack.dump()).toEqual(before);
  });
});
