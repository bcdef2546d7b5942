// Acting from Slack end to end, stopping: a button read from the living message in the fake Slack, pressed
// through the real api handler (signed as Slack signs), stored in dynalite, queued, and acted on by the real worker
// handlers against the CodeArts simulator over HTTP. What counts is what CodeArts was asked (its request log),
// what it ran (its ground truth), what Slack shows and what the presser was told.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFleetGates } from '../../../functions/adapters/dynamodb/fleet-gates.js';
import type { SlackAdapter } from '../../../functions/adapters/slack/index.js';
import { runWorkerBatch, type WorkerDeps } from '../../../functions/app/worker/run-batch.js';
import { noMetrics, silentLogger } from '../../../functions/ports.js';
import { type Acting, OPERATOR, OTHER_OPERATOR, startActing } from '../../support/acting.js';
import { actingScenes } from '../../support/acting-scenes.js';
import { CHANNEL, type Harness, startHarness, TIME_ZONE } from '../../support/harness.js';

let h: Harness;
let a: Acting;
let s: ReturnType<typeof actingScenes>;
beforeAll(async () => {
  h = await startHarness();
  a = startActing(h);
  s = actingScenes(h, a);
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => s.reset());

describe('stop', () => {
  it('an operator stops a running run from its living message; the thread and the audit trail say who', async () => {
    const taskId = await s.watchedTask();
    const recordId = await s.runningRun(taskId);
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

    await s.act();
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(h.sim.runs(taskId).at(-1)).toMatchObject({ recordId, status: 'abort' });
    const thread = s.threadOf(taskId, recordId);
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
    expect(s.answers()).toEqual([]);
  });

  it('a double click, Slack’s retry and a second operator at once make one request and one CodeArts call', async () => {
    const taskId = await s.watchedTask();
    const recordId = await s.runningRun(taskId);
    const first = await a.press('stop', taskId, recordId);
    await Promise.all([
      a.press('stop', taskId, recordId),
      a.press('stop', taskId, recordId, {
        body: first.body,
        headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
      }),
      a.press('stop', taskId, recordId, { user: OTHER_OPERATOR }),
    ]).then((all) => expect(all.map((x) => x.status)).toEqual([200, 200, 200]));
    expect(s.answers()).toHaveLength(3);
    for (const text of s.answers()) expect(text).toContain(`Already on it: <@${OPERATOR}> asked to stop`);
    // Every message that reaches a worker meets the same request.
    h.queue.misbehave({ duplicate: () => true });
    await s.act();
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(s.threadOf(taskId, recordId).filter((t) => t.startsWith('⏹️ Stopped by'))).toHaveLength(1);
    // Pressed again once it is done: told what happened, nothing written.
    const version = (await h.store.getTask(taskId))?.version;
    await a.press('stop', taskId, recordId, { user: OTHER_OPERATOR });
    expect(s.answers().at(-1)).toContain(`was already stopped by <@${OPERATOR}>`);
    expect((await h.store.getTask(taskId))?.version).toBe(version);
  });

  it('two workers meeting the same press call CodeArts once', async () => {
    const taskId = await s.watchedTask();
    const recordId = await s.runningRun(taskId);
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
    expect(s.threadOf(taskId, recordId).filter((t) => t.startsWith('⏹️ Stopped by'))).toHaveLength(1);
  });

  it('a stale button (the run ended since) is answered with what happened, and nothing is stopped', async () => {
    const taskId = await s.watchedTask();
    const recordId = await s.runningRun(taskId);
    // The run ends before any worker acts on the press: the stored snapshot still says it runs.
    h.sim.stopRun(taskId, recordId);
    await a.press('stop', taskId, recordId);
    await s.act();
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(s.answers()).toEqual([
      expect.stringContaining('is not running any more (it was aborted), so there was nothing to stop'),
    ]);
    expect(s.threadOf(taskId, recordId).some((t) => t.includes('Stopped by'))).toBe(false);
  });
});

describe('when no worker can finish', () => {
  it('a press nobody could act on in time expires, unanswered by CodeArts', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.runningRun(taskId);
    await a.press('stop', taskId, recordId);
    h.queue.clear();
    h.advance(3 * 60_000);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(s.answers()).toEqual([expect.stringContaining('could not reach CodeArts in time')]);
  });

  it('a worker that dies mid-call is never followed by a second call: the press is reported unknown', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.runningRun(taskId);
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
    expect(s.answers()).toEqual([expect.stringContaining('CodeArts did not confirm the stop')]);
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
    const recordId = await s.runningRun(taskId);
    const posts = h.slack
      .messages(CHANNEL)
      .filter((m) => String(m.metadata?.event_payload.key ?? '').startsWith(`${taskId}/${recordId}/`));
    expect(posts.length).toBeGreaterThan(0);
    expect(a.buttons(posts.at(-1))).toEqual(['codearts.stop']);
    await a.press('stop', taskId, recordId);
    await s.act();
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    const note = h.slack.messages(CHANNEL).find((m) => m.metadata?.event_type === 'codearts_action');
    expect(note).toMatchObject({
      threadTs: null,
      text: expect.stringContaining(`⏹️ Stopped by <@${OPERATOR}>`),
    });
  });
});
