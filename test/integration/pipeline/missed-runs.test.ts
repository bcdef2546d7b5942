// End to end: runs that were never the latest at a successful poll (here: during a CodeArts outage) are found in
// the task's history on recovery and reported in full, in order, exactly once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness } from '../../support/harness.js';

const STEPS = ['Select Deployment Source', 'Install Package', 'Health Check'];
const STEP_MS = 5_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.slack.reset();
  h.sim.clearFaults();
});

const newTask = () =>
  h.sim.createTask({
    name: `svc-${Math.random().toString(36).slice(2, 8)}`,
    steps: STEPS.map((name) => ({ name, durationMs: STEP_MS })),
  }).taskId;

/** The living messages of one task's runs (other tests' tasks post in the same channel). */
const parents = (taskId: string) =>
  h.slack
    .messages(CHANNEL)
    .filter(
      (m) => (!m.threadTs || m.threadTs === m.ts) && String(m.metadata?.event_payload.key).startsWith(taskId),
    );
const allText = (m: { text: string; blocks?: unknown; attachments?: unknown }) =>
  `${m.text}\n${JSON.stringify(m.blocks ?? [])}\n${JSON.stringify(m.attachments ?? [])}`;
/** The record ID a living message is about (its metadata key is `{taskId}/{recordId}`). */
const recordOf = (m: { metadata: { event_payload: Record<string, unknown> } | null }) =>
  String(m.metadata?.event_payload.key ?? '').split('/')[1];

/** CodeArts calls made from now on, as "path-kind status". */
const track = (taskId: string) => {
  const from = h.sim.requests.length;
  return () =>
    h.sim.requests
      .slice(from)
      .filter((r) => r.path.includes(taskId))
      .map((r) =>
        r.path.includes('/history')
          ? 'history'
          : r.path.endsWith('/state')
            ? r.query.record_id
              ? 'state?record_id'
              : 'state'
            : 'detail',
      );
};

/** A watched task whose first run has been reported, and three runs CodeArts made while we could not see it. */
async function taskWithThreeRunsDuringAnOutage() {
  const taskId = newTask();
  await h.watch(taskId);
  const baseline = track(taskId);
  await h.cycle(); // baseline: never ran
  // The first poll learns the task's project (the change feed groups by it, the history asks by it), once.
  expect(baseline()).toEqual(['state', 'detail']);
  const { recordId: first } = h.sim.startRun(taskId, { pendingMs: 0 });
  h.advance(STEPS.length * STEP_MS + 1000);
  const calls = track(taskId);
  await h.cycle();
  // The first run of a task that had none: is it the only one since?
  expect(calls()).toEqual(['state', 'history']);
  h.sim.inject({ kind: 'server-error', status: 503, taskId, count: 'always' });
  const missed: string[] = [];
  for (const outcome of ['succeeded', 'failed', 'succeeded'] as const) {
    missed.push(h.sim.startRun(taskId, { pendingMs: 0, outcome }).recordId);
    for (let i = 0; i < 4; i++) {
      h.advance(5_000);
      await h.cycle(); // fails: CodeArts is down
    }
  }
  h.advance(10_000);
  const { recordId: current } = h.sim.startRun(taskId, { pendingMs: 0 });
  h.advance(1_000);
  return { taskId, first, missed, current };
}

describe('runs missed during a CodeArts outage', () => {
  it('reports all three runs plus the current one, in full, in order, exactly once, after recovery', async () => {
    const { taskId, first, missed, current } = await taskWithThreeRunsDuringAnOutage();
    expect(parents(taskId).map(recordOf)).toEqual([first]);

    h.sim.clearFaults();
    const calls = track(taskId);
    await h.cycle();
    // One /state, one history page, one /state per missed run (the project ID was looked up with the first run).
    expect(calls()).toEqual(['state', 'history', ...missed.map(() => 'state?record_id')]);
    expect((await h.store.getTask(taskId))?.projectId).toBe(h.sim.projectId);

    for (let i = 0; i < 4; i++) {
      h.advance(STEP_MS);
      await h.cycle();
    }
    // A further run with no gap: one history call, no detail call any more.
    const next = track(taskId);
    const { recordId: after } = h.sim.startRun(taskId, { pendingMs: 0 });
    h.advance(STEPS.length * STEP_MS + 1000);
    await h.cycle();
    expect(next()).toEqual(['state', 'history']);

    const living = parents(taskId);
    expect(living.map(recordOf)).toEqual([first, ...missed, current, after]);
    const outcomes = ['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded'];
    living.forEach((m, i) => {
      const text = allText(m).toLowerCase();
      expect(text, `run ${i} ended`).toContain(outcomes[i]);
      for (const step of STEPS) expect(allText(m), `run ${i} shows ${step}`).toContain(step);
      const thread = h.slack.thread(CHANNEL, m.ts).filter((r) => r.ts !== m.ts);
      expect(thread.length, `run ${i} has its change replies`).toBeGreaterThanOrEqual(1);
    });
    const stored = await h.store.getTask(taskId);
    expect(stored?.outbox).toEqual([]);
    // Exactly once: every event of every run is in the history of delivered batches once.
    const events = (stored?.recent ?? []).flatMap((b) => b.events);
    const keys = events.map((e) => `${e.recordId}/${e.type}/${'step' in e ? e.step : ''}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('treats a transient history failure as a failed poll: nothing is skipped, the next cycle reports it all', async () => {
    const { taskId, missed, current } = await taskWithThreeRunsDuringAnOutage();
    h.sim.clearFaults();
    h.sim.inject({
      kind: 'server-error',
      status: 502,
      path: `/v2/${h.sim.projectId}/task/${taskId}/history`,
    });
    const before = await h.store.getTask(taskId);
    await h.cycle();
    expect((await h.store.getTask(taskId))?.run?.recordId).toBe(before?.run?.recordId);
    expect(parents(taskId)).toHaveLength(1);

    h.advance(5_000);
    await h.cycle();
    expect(parents(taskId).map(recordOf).slice(1)).toEqual([...missed, current]);
  });

  it('gives up on the missed runs when history is refused for good, and keeps following the task', async () => {
    const { taskId, current } = await taskWithThreeRunsDuringAnOutage();
    h.sim.clearFaults();
    h.sim.inject({
      kind: 'server-error',
      status: 403,
      code: 'APIG.0305',
      message: 'API not authorized',
      path: `/v2/${h.sim.projectId}/task/${taskId}/history`,
    });
    await h.cycle();
    expect(parents(taskId).map(recordOf).slice(1)).toEqual([current]);
    expect((await h.store.getTask(taskId))?.run?.recordId).toBe(current);
  });

  it('also finds them for a task that had never run when it was watched', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle(); // CodeArts: no run at all
    h.sim.inject({ kind: 'server-error', status: 503, taskId, count: 'always' });
    const missed: string[] = [];
    for (let r = 0; r < 3; r++) {
      missed.push(h.sim.startRun(taskId, { pendingMs: 0 }).recordId);
      h.advance(STEPS.length * STEP_MS + 5_000);
      await h.cycle();
    }
    const { recordId: current } = h.sim.startRun(taskId, { pendingMs: 0 });
    h.advance(1_000);
    h.sim.clearFaults();
    await h.cycle();
    expect(parents(taskId).map(recordOf)).toEqual([...missed, current]);
    for (const m of parents(taskId).slice(0, 3)) expect(allText(m).toLowerCase()).toContain('succeeded');
  });
});
