// Acting from Slack end to end: a button read from the living message in the fake Slack, pressed through the real
// api handler (signed as Slack signs), stored in dynalite, queued, and acted on by the real worker handlers against
// the CodeArts simulator over HTTP. What counts is what CodeArts was asked (its request log), what it ran (its
// ground truth), what Slack shows and what the presser was told.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFleetGates } from '../../../functions/adapters/dynamodb/fleet-gates.js';
import type { SlackAdapter } from '../../../functions/adapters/slack/index.js';
import { runWorkerBatch, type WorkerDeps } from '../../../functions/app/worker/run-batch.js';
import { noMetrics, silentLogger } from '../../../functions/ports.js';
import { type Acting, OPERATOR, OTHER_OPERATOR, STRANGER, startActing } from '../../support/acting.js';
import { CHANNEL, type Harness, startHarness, TIME_ZONE } from '../../support/harness.js';

const GROUP = 'S0OPSGROUP1';
const MEMBER = 'U0GROUPMEM1';
const STEP_MS = 10_000;

let h: Harness;
let a: Acting;
beforeAll(async () => {
  h = await startHarness();
  a = startActing(h);
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.slack.reset();
  h.sim.clearFaults();
  h.sim.clearRequests();
  h.queue.clear();
  h.queue.misbehave({});
});

const answers = () => h.slack.responses.map((r) => String(r.body?.text ?? ''));
const threadOf = (taskId: string, recordId: string) => {
  const living = a.living(taskId, recordId);
  return living
    ? h.slack
        .thread(CHANNEL, living.ts)
        .slice(1)
        .map((m) => m.text)
    : [];
};

/** A watched task with a baseline (it has never run), whose watch names `operators`. */
async function watchedTask(operators: string[] = [OPERATOR, OTHER_OPERATOR], params = [] as const) {
  const { taskId } = h.sim.createTask({
    name: `svc-${Math.random().toString(36).slice(2, 8)}`,
    steps: ['Select Deployment Source', 'Install Package', 'Health Check'].map((name) => ({
      name,
      durationMs: STEP_MS,
    })),
    params: [...params],
  });
  await h.watch(taskId, { options: { notify: 'all', mode: 'thread', mentions: [], operators } });
  await h.cycle(a.opts());
  return taskId;
}

/** A run that sits in its second step for ten minutes, seen by a poll: its living message has a stop button. */
async function runningRun(taskId: string) {
  const { recordId } = h.sim.startRun(taskId, { pendingMs: 0, slowStep: { step: 1, durationMs: 600_000 } });
  h.advance(STEP_MS + 1000);
  await h.cycle(a.opts());
  return recordId;
}

/** A run that ran to its end (`outcome`) and was reported in full. */
async function finishedRun(
  taskId: string,
  outcome: 'succeeded' | 'failed',
  params?: { name: string; type: string; value: string }[],
) {
  const { recordId } = h.sim.startRun(
    taskId,
    {
      pendingMs: 0,
      outcome,
      ...(outcome === 'failed' ? { failAtStep: 1 } : {}),
      stepDurationsMs: [1000, 1000, 1000],
    },
    params ? { params } : {},
  );
  h.advance(5_000);
  await h.cycle(a.opts());
  return recordId;
}

/** The polls the api queued for presses, acted on by the workers (no planner tick). */
const act = () => h.follow(0, a.opts());

describe('stop', () => {
  it('an operator stops a running run from its living message; the thread and the audit trail say who', async () => {
    const taskId = await watchedTask();
    const recordId = await runningRun(taskId);
    expect(a.buttons(a.living(taskId, recordId))).toEqual(['codearts.stop']);

    const sentBefore = h.queue.sent;
    const pressed = await a.press('stop', taskId, recordId);
    expect(pressed.status).toBe(200);
    // Stored for a worker and a poll queued; the api itself called nobody.
    expect((await h.store.getTask(taskId))?.actions?.[`stop:${recordId}`]).toMatchObject({
      state: 'pending',
      user: OPERATOR,
      channel: CHANNEL,
    });
    expect(h.queue.sent).toBe(sentBefore + 1);
    expect(a.actingCalls(taskId)).toEqual([]);

    await act();
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(h.sim.runs(taskId).at(-1)).toMatchObject({ recordId, status: 'abort' });
    const thread = threadOf(taskId, recordId);
    expect(thread[thread.length - 2]).toBe(`⏹️ Stopped by <@${OPERATOR}>`);
    expect(thread.at(-1)).toContain('aborted');
    // The living message no longer offers to stop it; it offers a re-run.
    expect(a.buttons(a.living(taskId, recordId))).toEqual(['codearts.rerun']);
    const record = await h.store.getTask(taskId);
    expect(record?.audit?.at(-1)).toMatchObject({
      via: 'slack',
      by: OPERATOR,
      team: 'T0DEPLOYS1',
      action: 'stop',
      channel: CHANNEL,
      detail: `run=${recordId} stopped`,
    });
    expect(record?.actions?.[`stop:${recordId}`]).toMatchObject({
      state: 'done',
      outcome: { kind: 'stopped' },
    });
    // Nobody needed a private word: the thread told everyone.
    expect(answers()).toEqual([]);
  });

  it('a double click, Slack’s retry and a second operator at once make one request and one CodeArts call', async () => {
    const taskId = await watchedTask();
    const recordId = await runningRun(taskId);
    const first = await a.press('stop', taskId, recordId);
    await Promise.all([
      a.press('stop', taskId, recordId),
      a.press('stop', taskId, recordId, {
        body: first.body,
        headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
      }),
      a.press('stop', taskId, recordId, { user: OTHER_OPERATOR }),
    ]).then((all) => expect(all.map((x) => x.status)).toEqual([200, 200, 200]));
    expect(answers()).toHaveLength(3);
    for (const text of answers()) expect(text).toContain(`Already on it: <@${OPERATOR}> asked to stop`);
    // Every message that reaches a worker meets the same request.
    h.queue.misbehave({ duplicate: () => true });
    await act();
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(threadOf(taskId, recordId).filter((t) => t.startsWith('⏹️ Stopped by'))).toHaveLength(1);
    // Pressed again once it is done: told what happened, nothing written.
    const version = (await h.store.getTask(taskId))?.version;
    await a.press('stop', taskId, recordId, { user: OTHER_OPERATOR });
    expect(answers().at(-1)).toContain(`was already stopped by <@${OPERATOR}>`);
    expect((await h.store.getTask(taskId))?.version).toBe(version);
  });

  it('two workers meeting the same press call CodeArts once', async () => {
    const taskId = await watchedTask();
    const recordId = await runningRun(taskId);
    await a.press('stop', taskId, recordId);
    h.queue.clear();
    // Two worker invocations at once, each with its own copy of the poll (SQS delivers at least once).
    const deps: WorkerDeps = {
      repository: h.store,
      codearts: a.codearts,
      slack: a.acting.groups as SlackAdapter,
      queue: h.queue,
      gates: new DynamoFleetGates(h.dynamo.documentClient, h.dynamo.tableName),
      logger: silentLogger,
      metrics: noMetrics,
      timeZone: TIME_ZONE,
      consoleUrlTemplate: undefined,
      now: () => h.clock.now(),
      acting: a.acting,
    };
    const message = {
      taskId,
      observe: true,
      until: h.clock.now() + 60_000,
      tick: new Date(h.clock.now()).toISOString(),
    };
    const invoke = (id: string) =>
      runWorkerBatch(deps, { callsPerWorker: 4, activePollSeconds: 0 }, [{ id, message }], {
        id,
        deadlineMs: h.clock.now() + 30_000,
      });
    const outcomes = await Promise.all([invoke('worker-a'), invoke('worker-b')]);
    expect(outcomes.flatMap((o) => o.failedIds)).toEqual([]);
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(threadOf(taskId, recordId).filter((t) => t.startsWith('⏹️ Stopped by'))).toHaveLength(1);
  });

  it('a stale button (the run ended since) is answered with what happened, and nothing is stopped', async () => {
    const taskId = await watchedTask();
    const recordId = await runningRun(taskId);
    // The run ends before any worker acts on the press: the stored snapshot still says it runs.
    h.sim.stopRun(taskId, recordId);
    await a.press('stop', taskId, recordId);
    await act();
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(answers()).toEqual([
      expect.stringContaining('is not running any more (it was aborted), so there was nothing to stop'),
    ]);
    expect(threadOf(taskId, recordId).some((t) => t.includes('Stopped by'))).toBe(false);
  });
});

describe('re-run and roll back', () => {
  it('re-runs a finished run with the parameters it ran with; the new run gets its own living message', async () => {
    const taskId = await watchedTask([OPERATOR], [
      { name: 'version', type: 'text', value: '1.0.0' },
      { name: 'db_password', type: 'encrypt', value: 'task-secret' },
    ] as never);
    const recordId = await finishedRun(taskId, 'succeeded', [
      { name: 'version', type: 'text', value: '2.0.0' },
    ]);
    expect(a.buttons(a.living(taskId, recordId))).toEqual(['codearts.rerun']);

    await a.press('rerun', taskId, recordId);
    await act();
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
    const runs = h.sim.runs(taskId);
    const rerun = runs.at(-1)!;
    expect(rerun.recordId).not.toBe(recordId);
    expect(rerun.trigger).toEqual({ kind: 'api', rollbackOf: null, triggerSource: null });
    // Its own parameters again; the secret one is not sent back as its mask, so the task's own value is used.
    expect(Object.fromEntries(rerun.params.map((p) => [p.name, p.value]))).toEqual({
      version: '2.0.0',
      db_password: 'task-secret',
    });
    expect(threadOf(taskId, recordId).at(-1)).toBe(
      `🔁 Re-run by <@${OPERATOR}> → new run \`${rerun.recordId.slice(0, 8)}\``,
    );
    // The poll right after the start already reports the new run.
    expect(a.living(taskId, rerun.recordId)).toBeDefined();
    expect((await h.store.getTask(taskId))?.audit?.at(-1)).toMatchObject({
      action: 'rerun',
      detail: `run=${recordId} started new=${rerun.recordId}`,
    });

    // Pressed again: already re-run, nothing else starts.
    await a.press('rerun', taskId, recordId);
    await act();
    expect(answers().at(-1)).toContain(`was already re-run by <@${OPERATOR}>`);
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
  });

  it('rolls a failed run back to the last run that succeeded', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const good = await finishedRun(taskId, 'succeeded');
    const bad = await finishedRun(taskId, 'failed');
    expect(a.buttons(a.living(taskId, bad))).toEqual(['codearts.rerun', 'codearts.rollback']);
    expect(a.buttons(a.living(taskId, good))).toEqual(['codearts.rerun']);

    await a.press('rollback', taskId, bad);
    await act();
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
    const rollback = h.sim.runs(taskId).at(-1)!;
    expect(rollback).toMatchObject({ type: 'rollback', trigger: { kind: 'api', rollbackOf: good } });
    expect(threadOf(taskId, bad).at(-1)).toBe(
      `⏪ Rolled back to run \`${good.slice(0, 8)}\` by <@${OPERATOR}> → new run \`${rollback.recordId.slice(0, 8)}\``,
    );
  });

  it.each([
    ['no permission', () => ({ permission: false }), 'Deploy.00011154', 'may not run this task'],
    [
      'a 5xx (the run may or may not have started)',
      () => ({ fault: { kind: 'server-error' as const, path: '/v2/tasks', method: 'POST' } }),
      'Check the run in CodeArts',
      'did not confirm the re-run',
    ],
    [
      'throttling',
      () => ({ fault: { kind: 'throttle' as const, path: '/v2/tasks', method: 'POST' } }),
      'APIG.0308',
      'throttling',
    ],
  ])(
    'CodeArts refusing (%s) is a private answer, and nothing else changes',
    async (_name, setup, code, words) => {
      const taskId = await watchedTask([OPERATOR]);
      const recordId = await finishedRun(taskId, 'succeeded');
      const runs = h.sim.runs(taskId).length;
      const s = setup();
      if ('permission' in s) h.sim.setPermission(taskId, { canExecute: false });
      if ('fault' in s) h.sim.inject(s.fault);
      const thread = threadOf(taskId, recordId);
      await a.press('rerun', taskId, recordId);
      await act();
      h.sim.setPermission(taskId, { canExecute: true });
      expect(a.actingCalls(taskId)).toEqual(['POST start']);
      expect(answers()).toEqual([expect.stringMatching(new RegExp(`${words}.*${code.replace('.', '\\.')}`))]);
      expect((await h.store.getTask(taskId))?.actions?.[`start:${recordId}`]?.state).toBe('done');
      expect(h.sim.runs(taskId)).toHaveLength(runs);
      expect(threadOf(taskId, recordId)).toEqual(thread);
    },
  );

  it('CodeArts refusing because a deployment is running (Deploy.00011027) is said so', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await finishedRun(taskId, 'succeeded');
    // Another run started in CodeArts since the last poll.
    h.sim.startRun(taskId, { pendingMs: 0, slowStep: { step: 0, durationMs: 600_000 } });
    await a.press('rerun', taskId, recordId);
    await act();
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
    expect(answers()).toEqual([
      expect.stringContaining('a deployment of this task is already running (`Deploy.00011027`)'),
    ]);
  });
});

describe('when no worker can finish', () => {
  it('a press nobody could act on in time expires, unanswered by CodeArts', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await runningRun(taskId);
    await a.press('stop', taskId, recordId);
    h.queue.clear();
    h.advance(3 * 60_000);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(answers()).toEqual([expect.stringContaining('could not reach CodeArts in time')]);
  });

  it('a worker that dies mid-call is never followed by a second call: the press is reported unknown', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await runningRun(taskId);
    await a.press('stop', taskId, recordId);
    // The stop reaches CodeArts, then the worker's process dies before it records anything.
    const dying = {
      ...a.acting,
      actions: {
        ...a.acting.actions,
        startTask: a.acting.actions.startTask.bind(a.acting.actions),
        getExecutionParams: a.acting.actions.getExecutionParams.bind(a.acting.actions),
        stopRun: async (...args: Parameters<typeof a.acting.actions.stopRun>) => {
          await a.acting.actions.stopRun(...args);
          throw new Error('the worker was killed');
        },
      },
    };
    await h.follow(0, { deps: { acting: dying } });
    expect((await h.store.getTask(taskId))?.actions?.[`stop:${recordId}`]?.state).toBe('executing');
    // Its claim runs out; whoever polls next reports the press and does not stop again.
    h.advance(60_000);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(answers()).toEqual([expect.stringContaining('CodeArts did not confirm the stop')]);
    expect((await h.store.getTask(taskId))?.audit?.at(-1)).toMatchObject({
      detail: `run=${recordId} outcome unknown`,
    });
  });
});

describe('mode: messages', () => {
  it('puts the buttons on the run’s latest post, and the note in the channel', async () => {
    const { taskId } = h.sim.createTask({ name: `msg-${Math.random().toString(36).slice(2, 8)}`, steps: 3 });
    await h.watch(taskId, {
      options: { notify: 'all', mode: 'messages', mentions: [], operators: [OPERATOR] },
    });
    await h.cycle(a.opts());
    const recordId = await runningRun(taskId);
    const posts = h.slack
      .messages(CHANNEL)
      .filter((m) => String(m.metadata?.event_payload.key ?? '').startsWith(`${taskId}/${recordId}/`));
    expect(posts.length).toBeGreaterThan(0);
    expect(a.buttons(posts.at(-1))).toEqual(['codearts.stop']);
    await a.press('stop', taskId, recordId);
    await act();
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    const note = h.slack.messages(CHANNEL).find((m) => m.metadata?.event_type === 'codearts_action');
    expect(note).toMatchObject({
      threadTs: null,
      text: expect.stringContaining(`⏹️ Stopped by <@${OPERATOR}>`),
    });
  });
});

describe('who may press', () => {
  it('a stranger is refused at once: nothing is written, queued or asked of CodeArts', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await runningRun(taskId);
    const before = await h.store.getTask(taskId);
    const sent = h.queue.sent;
    expect((await a.press('stop', taskId, recordId, { user: STRANGER })).status).toBe(200);
    expect(answers()).toEqual([
      expect.stringContaining('You are not one of this watch’s operators'.replace('’', "'")),
    ]);
    expect(await h.store.getTask(taskId)).toEqual(before);
    expect(h.queue.sent).toBe(sent);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(h.sim.runs(taskId).at(-1)?.status).toBe('running');
  });

  it.each([
    ['unsigned', { secret: null }, 401],
    ['signed with another secret', { secret: 'not-the-signing-secret-000000000' }, 401],
  ] as const)('an %s press is refused with %i and changes nothing', async (_name, options, status) => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await runningRun(taskId);
    const before = await h.store.getTask(taskId);
    const answer = await a.press('stop', taskId, recordId, options);
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(await h.store.getTask(taskId)).toEqual(before);
    expect(answers()).toEqual([]);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
  });

  it('a press from another workspace is refused and changes nothing', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await runningRun(taskId);
    const before = await h.store.getTask(taskId);
    expect((await a.press('stop', taskId, recordId, { team: 'T0ELSEWHERE' })).status).toBe(200);
    expect(answers()).toEqual([expect.stringContaining('does not serve this Slack workspace')]);
    expect(await h.store.getTask(taskId)).toEqual(before);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
  });

  it('a watch without operators shows no buttons, and a press on it is refused', async () => {
    const taskId = await watchedTask([]);
    const recordId = await runningRun(taskId);
    expect(a.buttons(a.living(taskId, recordId))).toEqual([]);
    await a.press('stop', taskId, recordId);
    expect(answers()).toEqual([expect.stringContaining('names no operators')]);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
  });

  it('an operator through a user group may act; someone outside it is refused by the worker, before CodeArts', async () => {
    const taskId = await watchedTask([GROUP]);
    h.slack.setUserGroup(GROUP, [MEMBER]);
    const recordId = await runningRun(taskId);
    await a.press('stop', taskId, recordId, { user: STRANGER });
    await act();
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(answers()).toEqual([expect.stringContaining('not one of this watch')]);
    expect((await h.store.getTask(taskId))?.audit?.at(-1)).toMatchObject({
      by: STRANGER,
      detail: `run=${recordId} refused=not-operator`,
    });

    await a.press('stop', taskId, recordId, { user: MEMBER });
    await act();
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(threadOf(taskId, recordId)).toContain(`⏹️ Stopped by <@${MEMBER}>`);
    expect(h.slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(1);
  });

  it('a lost queue message loses nothing: the next planner tick polls the task and acts', async () => {
    const taskId = await watchedTask([OPERATOR]);
    const recordId = await runningRun(taskId);
    await a.press('stop', taskId, recordId);
    h.queue.clear();
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
  });
});
