// Acting from Slack end to end, re-running and rolling back, and who may press at all: presses through the real
// api handler, acted on by the real worker handlers against the CodeArts simulator and the fake Slack over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Acting, OPERATOR, STRANGER, startActing } from '../../support/acting.js';
import { actingScenes } from '../../support/acting-scenes.js';
import { type Harness, startHarness } from '../../support/harness.js';

const GROUP = 'S0OPSGROUP1';
const MEMBER = 'U0GROUPMEM1';

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

describe('re-run and roll back', () => {
  it('re-runs a finished run with the parameters it ran with; the new run gets its own living message', async () => {
    const taskId = await s.watchedTask([OPERATOR], [
      { name: 'version', type: 'text', value: '1.0.0' },
      { name: 'db_password', type: 'encrypt', value: 'task-secret' },
    ] as never);
    const recordId = await s.finishedRun(taskId, 'succeeded', [
      { name: 'version', type: 'text', value: '2.0.0' },
    ]);
    expect(a.buttons(a.living(taskId, recordId))).toEqual(['codearts.rerun']);

    await a.press('rerun', taskId, recordId);
    await s.act();
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
    expect(s.threadOf(taskId, recordId).at(-1)).toBe(
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
    await s.act();
    expect(s.answers().at(-1)).toContain(`was already re-run by <@${OPERATOR}>`);
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
  });

  it('rolls a failed run back to the last run that succeeded', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const good = await s.finishedRun(taskId, 'succeeded');
    const bad = await s.finishedRun(taskId, 'failed');
    expect(a.buttons(a.living(taskId, bad))).toEqual(['codearts.rerun', 'codearts.rollback']);
    expect(a.buttons(a.living(taskId, good))).toEqual(['codearts.rerun']);

    await a.press('rollback', taskId, bad);
    await s.act();
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
    const rollback = h.sim.runs(taskId).at(-1)!;
    expect(rollback).toMatchObject({ type: 'rollback', trigger: { kind: 'api', rollbackOf: good } });
    expect(s.threadOf(taskId, bad).at(-1)).toBe(
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
      const taskId = await s.watchedTask([OPERATOR]);
      const recordId = await s.finishedRun(taskId, 'succeeded');
      const runs = h.sim.runs(taskId).length;
      const given = setup();
      if ('permission' in given) h.sim.setPermission(taskId, { canExecute: false });
      if ('fault' in given) h.sim.inject(given.fault);
      const thread = s.threadOf(taskId, recordId);
      await a.press('rerun', taskId, recordId);
      await s.act();
      h.sim.setPermission(taskId, { canExecute: true });
      expect(a.actingCalls(taskId)).toEqual(['POST start']);
      expect(s.answers()).toEqual([
        expect.stringMatching(new RegExp(`${words}.*${code.replace('.', '\\.')}`)),
      ]);
      expect((await h.store.getTask(taskId))?.actions?.[`start:${recordId}`]?.state).toBe('done');
      expect(h.sim.runs(taskId)).toHaveLength(runs);
      expect(s.threadOf(taskId, recordId)).toEqual(thread);
    },
  );

  it('CodeArts refusing because a deployment is running (Deploy.00011027) is said so', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.finishedRun(taskId, 'succeeded');
    // Another run started in CodeArts since the last poll.
    h.sim.startRun(taskId, { pendingMs: 0, slowStep: { step: 0, durationMs: 600_000 } });
    await a.press('rerun', taskId, recordId);
    await s.act();
    expect(a.actingCalls(taskId)).toEqual(['POST start']);
    expect(s.answers()).toEqual([
      expect.stringContaining('a deployment of this task is already running (`Deploy.00011027`)'),
    ]);
  });
});

describe('who may press', () => {
  it('a stranger is refused at once: nothing is written, queued or asked of CodeArts', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.runningRun(taskId);
    const before = await h.store.getTask(taskId);
    const sent = h.queue.sent;
    expect((await a.press('stop', taskId, recordId, { user: STRANGER })).status).toBe(200);
    expect(s.answers()).toEqual([
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
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.runningRun(taskId);
    const before = await h.store.getTask(taskId);
    const answer = await a.press('stop', taskId, recordId, options);
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(await h.store.getTask(taskId)).toEqual(before);
    expect(s.answers()).toEqual([]);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
  });

  it('a press from another workspace is refused and changes nothing', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.runningRun(taskId);
    const before = await h.store.getTask(taskId);
    expect((await a.press('stop', taskId, recordId, { team: 'T0ELSEWHERE' })).status).toBe(200);
    expect(s.answers()).toEqual([expect.stringContaining('does not serve this Slack workspace')]);
    expect(await h.store.getTask(taskId)).toEqual(before);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
  });

  it('a watch without operators shows no buttons, and a press on it is refused', async () => {
    const taskId = await s.watchedTask([]);
    const recordId = await s.runningRun(taskId);
    expect(a.buttons(a.living(taskId, recordId))).toEqual([]);
    await a.press('stop', taskId, recordId);
    expect(s.answers()).toEqual([expect.stringContaining('names no operators')]);
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual([]);
  });

  it('an operator through a user group may act; someone outside it is refused by the worker, before CodeArts', async () => {
    const taskId = await s.watchedTask([GROUP]);
    h.slack.setUserGroup(GROUP, [MEMBER]);
    const recordId = await s.runningRun(taskId);
    await a.press('stop', taskId, recordId, { user: STRANGER });
    await s.act();
    expect(a.actingCalls(taskId)).toEqual([]);
    expect(s.answers()).toEqual([expect.stringContaining('not one of this watch')]);
    expect((await h.store.getTask(taskId))?.audit?.at(-1)).toMatchObject({
      by: STRANGER,
      detail: `run=${recordId} refused=not-operator`,
    });

    await a.press('stop', taskId, recordId, { user: MEMBER });
    await s.act();
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
    expect(s.threadOf(taskId, recordId)).toContain(`⏹️ Stopped by <@${MEMBER}>`);
    expect(h.slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(1);
  });

  it('a lost queue message loses nothing: the next planner tick polls the task and acts', async () => {
    const taskId = await s.watchedTask([OPERATOR]);
    const recordId = await s.runningRun(taskId);
    await a.press('stop', taskId, recordId);
    h.queue.clear();
    await h.cycle(a.opts());
    expect(a.actingCalls(taskId)).toEqual(['PUT stop']);
  });
});
