// Who may do what: workspaces, channel isolation, key scopes, project restrictions, caps and the
// audit trail, through the api handler with the in-memory store and a scripted CodeArts.
import { describe, expect, it } from 'vitest';
import { CodeArtsError } from '../../../functions/ports.js';
import { PROJECT_A, PROJECT_B, TASK_A, TASK_NEVER_RUN } from '../../support/fakes/codearts.js';
import { recordingLogger } from '../../support/fakes/logger.js';
import { stateBody } from '../../support/state-bodies.js';
import {
  type Answer,
  apiEvent,
  auth,
  call,
  type Harness,
  makeHarness,
  NOW,
  postTask,
  READ_KEY,
  slackEvent,
  slackForm,
  TEAM,
} from './fixtures.js';

const HERE = 'C0123ABCD9';
const ELSEWHERE = 'C0999ABCD9';
const USER = 'U2CERLKJA';

const text = (answer: Answer): string => {
  const json = answer.json as { response_type: string; text: string; blocks?: { text: { text: string } }[] };
  expect(answer.status).toBe(200);
  expect(json.response_type).toBe('ephemeral');
  return [json.text, ...(json.blocks ?? []).map((block) => block.text.text)].join('\n');
};

const slash = async (harness: Harness, command: string, channel = HERE, team = TEAM, user = USER) =>
  text(await call(harness.handler, slackEvent(slackForm(command, channel, user, team))));

const snapshot = (harness: Harness) => ({
  tasks: harness.store.dump(),
  channels: harness.store.dumpChannels(),
});

describe('SLACK_TEAM_ID: other workspaces are refused and change nothing', () => {
  it.each(['help', 'list', `status ${TASK_A}`, `watch ${TASK_A}`, `unwatch ${TASK_A}`])(
    '%s from another workspace',
    async (command) => {
      const harness = makeHarness({ slackTeamIds: () => [TEAM] });
      await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }));
      const before = snapshot(harness);
      const answer = await slash(harness, command, HERE, 'T0OTHERWS1');
      expect(answer).toContain('does not serve this Slack workspace');
      expect(answer).not.toMatch(/gateway-prod|C0123ABCD9|running/);
      expect(snapshot(harness)).toEqual(before);
    },
  );

  it('serves the listed workspaces, and any signed one when none is listed', async () => {
    const listed = makeHarness({ slackTeamIds: () => ['T0FIRST001', TEAM] });
    expect(await slash(listed, `watch ${TASK_A}`)).toContain('Watching *gateway-prod*');
    const open = makeHarness();
    expect(await slash(open, `watch ${TASK_A}`, HERE, 'T0ANYWS001')).toContain('Watching *gateway-prod*');
  });
});

describe('a channel learns nothing about tasks or channels it does not watch', () => {
  const watchedElsewhere = async (): Promise<Harness> => {
    const harness = makeHarness();
    await call(harness.handler, postTask({ task_id: TASK_A, channel: ELSEWHERE }));
    return harness;
  };

  it('status of a task watched only elsewhere answers as for an unknown task', async () => {
    const harness = await watchedElsewhere();
    const answer = await slash(harness, `status ${TASK_A}`);
    const unknown = await slash(harness, `status ${'0'.repeat(32)}`);
    expect(answer.replaceAll(TASK_A, 'ID')).toBe(unknown.replaceAll('0'.repeat(32), 'ID'));
    expect(answer).not.toMatch(/gateway-prod|Select Deployment|C0999ABCD9|channel(s)? ?\)|watched in \d/);
  });

  it('never shows another channel: not its broken mark, not how many channels watch', async () => {
    const harness = await watchedElsewhere();
    await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }));
    const record = harness.store.dump()[0];
    if (!record?.subscriptions[ELSEWHERE]) throw new Error('seed failed');
    record.subscriptions[ELSEWHERE].broken = {
      code: 'channel_not_found',
      message: 'gone',
      at: '2026-11-28T09:00:00Z',
    };
    harness.store.put(record);
    for (const command of [`status ${TASK_A}`, 'list', `watch ${TASK_A} failures`, `unwatch ${TASK_A}`]) {
      const answer = await slash(harness, command);
      expect(answer).not.toContain(ELSEWHERE);
      expect(answer).not.toMatch(/channel_not_found|2 channels|other channel/);
    }
  });

  it('shows this channel its own broken mark', async () => {
    const harness = makeHarness();
    await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }));
    const record = harness.store.dump()[0];
    if (!record?.subscriptions[HERE]) throw new Error('seed failed');
    record.subscriptions[HERE].broken = { code: 'not_in_channel', message: 'x', at: '2026-11-28T09:00:00Z' };
    harness.store.put(record);
    expect(await slash(harness, `status ${TASK_A}`)).toContain('`not_in_channel`');
  });

  it('unwatch from a channel that does not watch it changes nothing and says nothing of the others', async () => {
    const harness = await watchedElsewhere();
    const before = snapshot(harness);
    const answer = await slash(harness, `unwatch ${TASK_A}`);
    expect(answer).toBe(`\`${TASK_A}\` is not watched in this channel; nothing changed.`);
    expect(snapshot(harness)).toEqual(before);
  });
});

describe('the audit trail', () => {
  it('records who changed each watch and when, from Slack and from the API, and GET /tasks/{id} shows it', async () => {
    const logger = recordingLogger();
    const harness = makeHarness({ logger });
    await slash(harness, `watch ${TASK_A}`);
    harness.clock.now = NOW + 60_000;
    await call(harness.handler, postTask({ task_id: TASK_A, channel: ELSEWHERE, notify: 'failures' }));
    harness.clock.now = NOW + 120_000;
    await slash(harness, `watch ${TASK_A} status`);
    harness.clock.now = NOW + 180_000;
    await call(
      harness.handler,
      apiEvent({
        method: 'DELETE',
        path: `/tasks/${TASK_A}`,
        query: `channel=${ELSEWHERE}`,
        headers: auth(),
      }),
    );

    const detail = await call(
      harness.handler,
      apiEvent({ method: 'GET', path: `/tasks/${TASK_A}`, headers: auth() }),
    );
    expect((detail.json as { audit: unknown[] }).audit).toEqual([
      {
        at: '2026-11-28T10:00:00.000Z',
        via: 'slack',
        by: USER,
        team: TEAM,
        action: 'watch',
        channel: HERE,
        detail: 'notify=all mode=thread',
      },
      {
        at: '2026-11-28T10:01:00.000Z',
        via: 'api',
        by: 'ci',
        action: 'watch',
        channel: ELSEWHERE,
        detail: 'notify=failures mode=thread',
      },
      {
        at: '2026-11-28T10:02:00.000Z',
        via: 'slack',
        by: USER,
        team: TEAM,
        action: 'update',
        channel: HERE,
        detail: 'notify=status mode=thread',
      },
      { at: '2026-11-28T10:03:00.000Z', via: 'api', by: 'ci', action: 'unwatch', channel: ELSEWHERE },
    ]);
    const logged = logger.entries.filter(
      (e) => e.message === 'Watch stored' || e.message === 'Watch removed',
    );
    expect(logged.map((e) => (e.extra as { by: string }).by)).toEqual([
      `slack:${USER}@${TEAM}`,
      'api:ci',
      `slack:${USER}@${TEAM}`,
      'api:ci',
    ]);
  });

  it('keeps the trail of a task unwatched everywhere in its channels, and stays bounded', async () => {
    const harness = makeHarness();
    for (let i = 0; i < 40; i++) {
      await slash(harness, `watch ${TASK_A} ${i % 2 === 0 ? 'failures' : 'all'}`);
    }
    await slash(harness, `unwatch ${TASK_A}`);
    expect(harness.store.dump()).toEqual([]);
    const channel = await call(
      harness.handler,
      apiEvent({ method: 'GET', path: `/channels/${HERE}`, headers: auth() }),
    );
    const audit = (channel.json as { audit: { action: string; by: string; via: string }[] }).audit;
    expect(audit).toHaveLength(41);
    expect(audit.at(-1)).toMatchObject({ action: 'unwatch', by: USER, via: 'slack' });
    for (let i = 0; i < 30; i++) await slash(harness, `watch ${TASK_A} ${i % 2 === 0 ? 'failures' : 'all'}`);
    const [record] = harness.store.dump();
    expect(record?.audit).toHaveLength(30);
    expect(harness.store.dumpChannels()[0]?.audit).toHaveLength(50);
  });

  it('records nothing for a repeat that changes nothing', async () => {
    const harness = makeHarness();
    await slash(harness, `watch ${TASK_A}`);
    const before = snapshot(harness);
    expect(await slash(harness, `watch ${TASK_A}`)).toContain('Already watching');
    expect(snapshot(harness)).toEqual(before);
  });

  it('makes no change without a Slack user to record', async () => {
    const harness = makeHarness();
    expect(await slash(harness, `watch ${TASK_A}`, HERE, TEAM, '')).toContain('could not tell who typed');
    expect(snapshot(harness)).toEqual({ tasks: [], channels: [] });
  });
});

describe('API key scopes', () => {
  const read = { authorization: `Bearer ${READ_KEY}` };

  it('lets a read key read, and refuses it every change with 403, changing nothing', async () => {
    const harness = makeHarness();
    await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }));
    const before = snapshot(harness);
    for (const event of [
      apiEvent({ method: 'GET', path: '/tasks', headers: read }),
      apiEvent({ method: 'GET', path: `/tasks/${TASK_A}`, headers: read }),
      apiEvent({ method: 'GET', path: `/channels/${HERE}`, headers: read }),
    ]) {
      expect((await call(harness.handler, event)).status).toBe(200);
    }
    for (const event of [
      postTask({ task_id: TASK_NEVER_RUN, channel: HERE }, read),
      apiEvent({ method: 'DELETE', path: `/tasks/${TASK_A}`, headers: read }),
      apiEvent({
        method: 'PUT',
        path: `/channels/${HERE}`,
        headers: { ...read, 'content-type': 'application/json' },
        body: JSON.stringify({ projects: [PROJECT_B] }),
      }),
    ]) {
      const answer = await call(harness.handler, event);
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({
        error: { code: 'forbidden', message: expect.stringContaining('dashboard') },
      });
    }
    expect(snapshot(harness)).toEqual(before);
  });
});

describe('project restrictions', () => {
  const restrict = (harness: Harness, projects: string[] | null, channel = HERE) =>
    call(
      harness.handler,
      apiEvent({
        method: 'PUT',
        path: `/channels/${encodeURIComponent(channel)}`,
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ projects }),
      }),
    );

  it('is open by default; once restricted, tasks of other projects are refused from the API and Slack', async () => {
    const harness = makeHarness();
    harness.codearts.tasks.set(TASK_A, {
      name: 'gateway-prod',
      state: stateBody(TASK_A, 'gateway-prod'),
      projectId: PROJECT_B,
    });
    const open = await call(
      harness.handler,
      apiEvent({ method: 'GET', path: `/channels/${HERE}`, headers: auth() }),
    );
    expect(open.json).toMatchObject({ projects: null, watches: { count: 0 } });

    const set = await restrict(harness, [PROJECT_A.toUpperCase()]);
    expect(set).toMatchObject({ status: 200, json: { channel: HERE, projects: [PROJECT_A] } });
    const before = snapshot(harness).tasks;
    const refused = await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }));
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'project_not_allowed' } } });
    expect(await slash(harness, `watch ${TASK_A}`)).toContain(
      'only watches tasks of certain CodeArts projects',
    );
    expect(snapshot(harness).tasks).toEqual(before);

    // A task of an allowed project is taken, and a channel without restrictions takes anything.
    expect((await call(harness.handler, postTask({ task_id: TASK_NEVER_RUN, channel: HERE }))).status).toBe(
      201,
    );
    expect((await call(harness.handler, postTask({ task_id: TASK_A, channel: ELSEWHERE }))).status).toBe(201);
    // What registration learned of a task's project is kept (the poller needs it for the history too).
    expect(harness.store.dump().find((r) => r.taskId === TASK_NEVER_RUN)?.projectId).toBe(PROJECT_A);

    // Opened again, it takes the task; the trail says who restricted and who opened.
    await restrict(harness, null);
    expect((await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }))).status).toBe(201);
    const channel = await call(
      harness.handler,
      apiEvent({ method: 'GET', path: `/channels/${HERE}`, headers: auth() }),
    );
    expect((channel.json as { audit: { action: string }[] }).audit.map((e) => e.action)).toEqual([
      'restrict',
      'watch',
      'open',
      'watch',
    ]);
  });

  it('refuses an unconfirmed watch in a restricted channel when the project is not known', async () => {
    const harness = makeHarness({ slashVerifyTimeoutMs: 50 });
    await restrict(harness, [PROJECT_A]);
    harness.codearts.failure = new CodeArtsError('server', 'down', { status: 503 });
    expect(await slash(harness, `watch ${TASK_A}`)).toContain('could not be asked which project');
    expect(harness.store.dump()).toEqual([]);
  });

  it('refuses bad bodies and channels with 400, changing nothing', async () => {
    const harness = makeHarness();
    for (const body of ['{"projects":"x"}', '{"projects":["nope"]}', '{"project":[]}', '{}', '[]']) {
      const answer = await call(
        harness.handler,
        apiEvent({
          method: 'PUT',
          path: `/channels/${HERE}`,
          headers: { ...auth(), 'content-type': 'application/json' },
          body,
        }),
      );
      expect(answer.status).toBe(400);
    }
    expect((await restrict(harness, [PROJECT_A], 'not a channel')).status).toBe(400);
    expect((await restrict(harness, [PROJECT_A], '#Deploys')).json).toMatchObject({ channel: '#deploys' });
    expect(harness.store.dumpChannels().map((c) => c.channel)).toEqual(['#deploys']);
  });
});

describe('caps per channel', () => {
  const task = (n: number) => `${String(n).padStart(4, '0')}${'e'.repeat(28)}`;

  it('refuses a watch beyond MAX_WATCHES_PER_CHANNEL, and takes one again once a place is free', async () => {
    const harness = makeHarness({ limits: { maxWatches: 2, maxUnverified: 1 } });
    for (const n of [1, 2, 3]) harness.codearts.tasks.set(task(n), { name: `t${n}`, state: null });
    expect((await call(harness.handler, postTask({ task_id: task(1), channel: HERE }))).status).toBe(201);
    expect(await slash(harness, `watch ${task(2)}`)).toContain('Watching');
    const before = snapshot(harness);
    const full = await call(harness.handler, postTask({ task_id: task(3), channel: HERE }));
    expect(full).toMatchObject({ status: 409, json: { error: { code: 'too_many_watches' } } });
    expect(await slash(harness, `watch ${task(3)}`)).toContain('already watches 2 tasks');
    expect(snapshot(harness)).toEqual(before);
    // Changing a watch already held is not a new one.
    expect(await slash(harness, `watch ${task(2)} failures`)).toContain('now notifies failures');
    await slash(harness, `unwatch ${task(1)}`);
    expect((await call(harness.handler, postTask({ task_id: task(3), channel: HERE }))).status).toBe(201);
  });

  it('stores at most MAX_UNVERIFIED_PER_CHANNEL unconfirmed watches while CodeArts is down', async () => {
    const harness = makeHarness({ slashVerifyTimeoutMs: 50, limits: { maxWatches: 100, maxUnverified: 2 } });
    harness.codearts.failure = new CodeArtsError('server', 'down', { status: 503 });
    const ids = Array.from({ length: 6 }, (_, n) => task(n));
    const answers: string[] = [];
    for (const id of ids) answers.push(await slash(harness, `watch ${id}`));
    expect(answers.filter((a) => a.includes('watching anyway'))).toHaveLength(2);
    expect(answers.filter((a) => a.includes('not confirmed yet'))).toHaveLength(4);
    expect(harness.store.dump()).toHaveLength(2);

    // A poll confirms them (the poller's write); the channel counts them as confirmed from then on.
    for (const record of harness.store.dump()) {
      harness.store.put({
        ...record,
        health: { ...record.health, lastSuccessAt: '2026-11-28T10:01:00.000Z' },
      });
    }
    expect(await slash(harness, `watch ${ids[4]}`)).toContain('watching anyway');
    expect(harness.store.dump()).toHaveLength(3);
  });

  it('frees places held by watches that never made it into their task item', async () => {
    const harness = makeHarness({ limits: { maxWatches: 2, maxUnverified: 1 } });
    // As left by a crash between the channel's write and the task's.
    await harness.store.putChannel(
      {
        channel: HERE,
        version: 1,
        projects: null,
        watches: { [task(7)]: { verified: true }, [task(8)]: { verified: false } },
        audit: [],
        createdAt: '2026-11-28T09:00:00.000Z',
        updatedAt: '2026-11-28T09:00:00.000Z',
      },
      null,
    );
    expect((await call(harness.handler, postTask({ task_id: TASK_A, channel: HERE }))).status).toBe(201);
    expect(Object.keys(harness.store.dumpChannels()[0]?.watches ?? {})).toEqual([TASK_A]);
  });
});
