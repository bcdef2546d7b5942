import { describe, expect, it } from 'vitest';
import { STEP_MARKERS, statusLook } from '../../../functions/core/render/format.js';
import { renderLivingMessage } from '../../../functions/core/render/index.js';
import { CodeArtsError } from '../../../functions/ports.js';
import { TASK_A, TASK_NEVER_RUN, TASK_UNKNOWN } from '../../support/fakes/codearts.js';
import { recordingLogger } from '../../support/fakes/logger.js';
import { InMemoryWatchStore } from '../../support/fakes/watch-store.js';
import { stateBody } from '../../support/state-bodies.js';
import { type Answer, call, makeHarness, NOW, postTask, slackEvent, slackForm } from './fixtures.js';

const CHANNEL = 'C0123ABCD9';

const text = (answer: Answer): string => {
  const json = answer.json as { response_type: string; text: string; blocks?: { text: { text: string } }[] };
  expect(answer.status).toBe(200);
  expect(json.response_type).toBe('ephemeral');
  return [json.text, ...(json.blocks ?? []).map((block) => block.text.text)].join('\n');
};

describe('/codearts watch', () => {
  it('verifies the task and watches it in the channel the command was typed in', async () => {
    const { handler, store } = makeHarness();
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, CHANNEL))));
    expect(answer).toContain('Watching *gateway-prod*');
    expect(answer).toContain('Latest run:');
    const [record] = store.dump();
    expect(record?.subscriptions[CHANNEL]).toMatchObject({ notify: 'all', mode: 'thread', mentions: [] });
    expect(record?.health.lastSuccessAt).not.toBeNull();
  });

  it('says when it already watches, and changes only the level of an API-made watch', async () => {
    const { handler, store } = makeHarness();
    await call(
      handler,
      postTask({ task_id: TASK_A, channel: CHANNEL, mode: 'messages', mentions: ['U0123ABCD9'] }),
    );
    expect(text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, CHANNEL))))).toContain(
      'Already watching',
    );
    expect(text(await call(handler, slackEvent(slackForm(`watch ${TASK_A} failures`, CHANNEL))))).toContain(
      'now notifies failures',
    );
    expect(store.dump()[0]?.subscriptions[CHANNEL]).toMatchObject({
      notify: 'failures',
      mode: 'messages',
      mentions: ['U0123ABCD9'],
    });
  });

  it('watches a never-run task by its name', async () => {
    const { handler } = makeHarness();
    expect(text(await call(handler, slackEvent(slackForm(`watch ${TASK_NEVER_RUN}`, CHANNEL))))).toContain(
      '*fresh-task*',
    );
  });

  it('stores the watch unverified when CodeArts is slow, and says so, within the deadline', async () => {
    const { handler, store, codearts } = makeHarness({ slashVerifyTimeoutMs: 100 });
    codearts.delayMs = 10_000;
    const started = Date.now();
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, CHANNEL))));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(answer).toContain(
      'CodeArts is slow to answer; watching anyway — the first poll confirms the task',
    );
    const [record] = store.dump();
    expect(record).toMatchObject({ taskId: TASK_A, taskName: '', run: null });
    // Unverified: no baseline yet, so the first poll takes it instead of replaying the current run.
    expect(record?.health.lastSuccessAt).toBeNull();
  });

  it('stores the watch unverified when CodeArts is throttling or down', async () => {
    const { handler, store, codearts } = makeHarness();
    codearts.failure = new CodeArtsError('throttled', 'APIG.0308', { status: 429 });
    expect(text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, CHANNEL))))).toContain(
      'watching anyway',
    );
    expect(store.dump()).toHaveLength(1);
  });

  it('keeps what it knows of a task when watching it unverified, but tells this channel only its ID', async () => {
    const { handler, store, codearts } = makeHarness({ slashVerifyTimeoutMs: 50 });
    await call(handler, postTask({ task_id: TASK_A, channel: 'C0999ABCD9' }));
    codearts.delayMs = 10_000;
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, CHANNEL))));
    // What the store knows came from another channel's watch; CodeArts has not confirmed anything here.
    expect(answer).toContain(`Watching \`${TASK_A}\``);
    expect(answer).not.toMatch(/gateway-prod|Latest run|devcloud_test|C0999ABCD9/);
    expect(store.dump()[0]).toMatchObject({ taskName: 'gateway-prod', run: { status: 'running' } });
  });

  it('refuses a task CodeArts does not know, changing nothing', async () => {
    const { handler, store } = makeHarness();
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_UNKNOWN}`, CHANNEL))));
    expect(answer).toContain('CodeArts does not know task');
    expect(answer).toContain('Deploy.00011020');
    expect(store.dump()).toEqual([]);
  });

  it('refuses when the notifier cannot sign in to CodeArts, without details', async () => {
    const { handler, store, codearts } = makeHarness();
    codearts.failure = new CodeArtsError('auth', 'APIG.0301 decrypt token fail', {
      status: 401,
      code: 'APIG.0301',
    });
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, CHANNEL))));
    expect(answer).toContain('cannot sign in to CodeArts');
    expect(answer).not.toContain('decrypt');
    expect(store.dump()).toEqual([]);
  });

  it('reminds people to invite the app into private channels', async () => {
    const { handler } = makeHarness();
    expect(text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, 'G8PSS9T3V'))))).toContain(
      '/invite',
    );
  });
});

describe('/codearts unwatch, list, status, help', () => {
  it('unwatches in this channel only', async () => {
    const { handler, store } = makeHarness();
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    await call(handler, postTask({ task_id: TASK_A, channel: 'C0999ABCD9' }));
    const answer = text(await call(handler, slackEvent(slackForm(`unwatch ${TASK_A}`, CHANNEL))));
    expect(answer).toMatch(/Stopped watching \*gateway-prod\* \(.*\) here\.$/);
    // How many other channels still watch it is theirs to know.
    expect(answer).not.toMatch(/other channel|still watched/i);
    expect(Object.keys(store.dump()[0]?.subscriptions ?? {})).toEqual(['C0999ABCD9']);
    expect(text(await call(handler, slackEvent(slackForm(`unwatch ${TASK_A}`, CHANNEL))))).toContain(
      'is not watched in this channel',
    );
  });

  it('lists what this channel watches', async () => {
    const { handler } = makeHarness();
    expect(text(await call(handler, slackEvent(slackForm('list', CHANNEL))))).toContain(
      'Nothing is watched in this channel',
    );
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    await call(handler, postTask({ task_id: TASK_NEVER_RUN, channel: 'C0999ABCD9' }));
    const answer = text(await call(handler, slackEvent(slackForm('list', CHANNEL))));
    expect(answer).toContain('Watched in this channel (1)');
    expect(answer).toContain('*gateway-prod*');
    expect(answer).not.toContain('fresh-task');
  });

  it('shows a task’s last run with its steps and health', async () => {
    const { handler, store } = makeHarness();
    expect(text(await call(handler, slackEvent(slackForm(`status ${TASK_A}`, CHANNEL))))).toContain(
      'is not watched',
    );
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    const record = store.dump()[0];
    if (record === undefined) throw new Error('seed failed');
    record.health.staleSince = '2026-11-28T09:50:00.000Z';
    store.put(record);
    const answer = text(await call(handler, slackEvent(slackForm(`status ${TASK_A}`, CHANNEL))));
    expect(answer).toContain('*gateway-prod*');
    expect(answer).toContain('✅ Select Deployment Source\n🔄 Start Service\n⚪ Health Check');
    expect(answer).toContain('Monitoring stale since');
  });

  it('speaks like the living message: its status emoji and labels, its step markers', async () => {
    const { handler, store, codearts } = makeHarness();
    codearts.tasks.set(TASK_A, { name: 'gateway-prod', state: stateBody(TASK_A, 'gateway-prod', 'failed') });
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    const run = store.dump()[0]?.run;
    if (!run) throw new Error('seed failed');
    const answer = text(await call(handler, slackEvent(slackForm(`status ${TASK_A}`, CHANNEL))));
    const look = statusLook('failed');
    expect(answer).toContain(`${look.emoji} ${look.label}`);
    for (const step of run.steps ?? [])
      expect(answer).toContain(`${STEP_MARKERS[step.progress]} ${step.name}`);
    // The living message of the same run shows the same markers.
    const living = JSON.stringify(
      renderLivingMessage(run, {
        taskName: 'gateway-prod',
        region: 'cn-north-4',
        consoleUrl: null,
        staleSince: null,
        mentions: [],
        now: new Date(NOW).toISOString(),
      }),
    );
    for (const step of run.steps ?? []) expect(living).toContain(STEP_MARKERS[step.progress]);
    expect(answer).not.toMatch(/:white_check_mark:|:arrows_counterclockwise:|:x:/);
  });

  it('keeps a task name on one line: no control characters or line breaks to forge lines with', async () => {
    const { handler, codearts } = makeHarness();
    codearts.tasks.set(TASK_NEVER_RUN, {
      name: 'fine\n:white_check_mark: *All good*\u2028\u0007',
      state: null,
    });
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_NEVER_RUN}`, CHANNEL))));
    const headline = answer.split('\n')[0] ?? '';
    expect(headline).toContain('fine :white_check_mark: *All good*');
    expect(answer.includes('\u0007') || answer.includes('\u2028')).toBe(false);
  });

  it('escapes task names that contain Slack control characters', async () => {
    const { handler, codearts } = makeHarness();
    codearts.tasks.set(TASK_NEVER_RUN, { name: '<!channel> & co', state: null });
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_NEVER_RUN}`, CHANNEL))));
    expect(answer).toContain('&lt;!channel&gt; &amp; co');
    expect(answer).not.toContain('<!channel>');
  });

  it.each([['help'], [''], ['bogus'], ['watch 123'], ['status']])(
    'answers %j with usage help',
    async (command) => {
      const { handler, store } = makeHarness();
      const answer = text(await call(handler, slackEvent(slackForm(command, CHANNEL))));
      expect(answer).toContain('/codearts watch <task_id> [all|failures|status]');
      expect(store.dump()).toEqual([]);
    },
  );

  it('refuses politely when Slack sent no usable channel', async () => {
    const { handler, store } = makeHarness();
    const answer = text(await call(handler, slackEvent(slackForm(`watch ${TASK_A}`, 'not-a-channel'))));
    expect(answer).toContain('could not tell which channel');
    expect(store.dump()).toEqual([]);
  });

  it('answers an ephemeral apology (200) when the store fails, logging the details', async () => {
    const logger = recordingLogger();
    const store = new InMemoryWatchStore();
    store.getTask = async () => {
      throw new Error('dynamo exploded at 10.1.2.3');
    };
    const { handler } = makeHarness({ store, logger });
    const answer = text(await call(handler, slackEvent(slackForm(`status ${TASK_A}`, CHANNEL))));
    expect(answer).toContain('Something went wrong');
    expect(answer).not.toContain('10.1.2.3');
    expect(logger.entries.map((entry) => entry.message)).toContain('Slash command failed');
  });

  it('answers Slack’s ssl_check probe', async () => {
    const { handler } = makeHarness();
    expect((await call(handler, slackEvent('ssl_check=1&token=x'))).status).toBe(200);
  });

  it('answers 415 for a signed body of another media type, and 400 for a form that does not parse', async () => {
    const { handler } = makeHarness();
    expect(
      await call(handler, slackEvent('{"text":"list"}', { headers: { 'content-type': 'application/json' } })),
    ).toMatchObject({ status: 415, json: { error: { code: 'unsupported_media_type' } } });
    expect(await call(handler, slackEvent('garbage'))).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_body' } },
    });
  });
});
