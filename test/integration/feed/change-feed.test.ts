// The change feed end to end: the real planner and worker handlers, dynalite, the CodeArts simulator's ListAllApp
// and the fake Slack. The feed decides which idle tasks a tick polls; the sweep, the history and the fallback make
// sure it is never trusted alone. Each test has a harness of its own, so the calls counted are its own.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFeedStatus } from '../../../functions/adapters/dynamodb/feed-status.js';
import { projectKey } from '../../../functions/core/feed.js';
import { PLANNER_METRICS } from '../../../functions/shared/metrics.js';
import { CHANNEL, type Harness, startHarness } from '../../support/harness.js';

const LIST_ALL_APP = '/v1/applications/list';
const STEPS = ['Stop Service', 'Install Package', 'Start Service'];

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ changeFeed: true });
});
afterEach(async () => {
  await h.stop();
});

/** `count` watched tasks in a project of their own, each polled once (project learned, feed view stored). */
async function watchedProject(
  count: number,
  unwatched = 0,
): Promise<{ projectId: string; taskIds: string[] }> {
  const { projectId } = h.sim.createProject();
  const taskIds = h.sim
    .createTasks(count, { projectId, steps: STEPS.map((name) => ({ name, durationMs: 10_000 })) })
    .map((t) => t.taskId);
  if (unwatched > 0) h.sim.createTasks(unwatched, { projectId, steps: 2 });
  for (const taskId of taskIds) await h.watch(taskId);
  await h.cycle(); // every task polled directly: its project is learned
  h.advance(60_000);
  await h.cycle(); // the feed is read: every task polled once for what it says
  h.advance(60_000);
  return { projectId, taskIds };
}

/** The CodeArts calls of one cycle, by kind. */
async function callsOfCycle() {
  h.sim.clearRequests();
  const cycle = await h.cycle();
  const requests = h.sim.requests;
  return {
    cycle,
    feed: requests.filter((r) => r.path === LIST_ALL_APP).length,
    states: requests.filter((r) => r.path.endsWith('/state')).map((r) => r.taskId),
  };
}

describe('the change feed', () => {
  it('costs an idle project one ListAllApp call a tick, and polls only the tasks whose sweep falls on it', async () => {
    const { taskIds } = await watchedProject(40);
    const ticks = [];
    for (let t = 0; t < 10; t++) {
      ticks.push(await callsOfCycle());
      h.advance(60_000);
    }
    for (const tick of ticks) {
      expect(tick.feed).toBe(1);
      expect(tick.states.length).toBe(tick.cycle.plan.reasons.sweep);
    }
    // SWEEP_MINUTES = 10 ticks: every task polled directly exactly once over them.
    const swept = ticks.flatMap((t) => t.states);
    expect([...swept].sort()).toEqual([...taskIds].sort());
  });

  it('sees a new run at the next tick, and stores what the feed said once the poll succeeded', async () => {
    const { taskIds } = await watchedProject(10);
    const taskId = taskIds[3]!;
    h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: [30_000, 30_000, 30_000] });
    h.advance(1_000);
    const { cycle, states } = await callsOfCycle();
    expect(states).toContain(taskId);
    expect(cycle.plan.reasons.feed).toBeGreaterThanOrEqual(1);
    const started = h.slack.messages(CHANNEL).filter((m) => m.metadata?.event_type === 'codearts_run');
    expect(started.map((m) => String(m.metadata?.event_payload.key))).toEqual([
      expect.stringMatching(new RegExp(`^${taskId}/`)),
    ]);
    const stored = await h.store.getTask(taskId);
    expect(stored?.feed).toEqual({ releaseId: expect.any(Number), state: 'running' });
  });

  it('polls every task of a project whose feed is refused, and says so in its status and metric', async () => {
    const { projectId, taskIds } = await watchedProject(12);
    h.sim.inject({ kind: 'refused', path: LIST_ALL_APP, count: 'always' });
    h.metrics.length = 0;
    const { states, cycle } = await callsOfCycle();
    expect([...states].sort()).toEqual([...taskIds].sort());
    expect(cycle.plan.feedFallbacks).toBe(1);
    expect(h.metrics).toContainEqual({ name: PLANNER_METRICS.feedFallbacks, value: 1, unit: undefined });
    const status = await new DynamoFeedStatus(h.dynamo.documentClient, h.dynamo.tableName).read();
    expect(status.projects[projectKey('cn-north-4', projectId)]).toMatchObject({
      failingSince: expect.any(String),
      lastError: expect.stringContaining('APIG.0302'),
      failures: 1,
    });

    // Asked again at the next tick, and refused again: then left alone for two ticks, every task still polled.
    h.advance(60_000);
    expect((await callsOfCycle()).feed).toBe(1);
    h.advance(60_000);
    const backingOff = await callsOfCycle();
    expect(backingOff.feed).toBe(0);
    expect(backingOff.states).toHaveLength(taskIds.length);

    // The feed answers again: the project is healthy, and idle tasks are no longer polled every tick.
    h.sim.clearFaults();
    h.advance(60_000);
    await h.cycle(); // still backing off
    h.advance(60_000);
    await h.cycle(); // asked: it works
    h.advance(60_000);
    const healthy = await callsOfCycle();
    expect(healthy.feed).toBe(1);
    expect(healthy.states.length).toBeLessThan(taskIds.length / 2);
    const after = await new DynamoFeedStatus(h.dynamo.documentClient, h.dynamo.tableName).read();
    expect(after.projects).toEqual({});
  });

  it.each([
    [
      '404 APIG.0101 (not served in that region or endpoint)',
      { kind: 'refused', status: 404, code: 'APIG.0101' },
    ],
    ['a malformed body', { kind: 'malformed-json' }],
    ['a body of the wrong shape', { kind: 'wrong-shape', body: { result: 'nope' } }],
    ['a 500', { kind: 'server-error', status: 500 }],
  ] as const)('falls back to polling every task on %s', async (_what, fault) => {
    const { taskIds } = await watchedProject(8);
    h.sim.inject({ ...fault, path: LIST_ALL_APP, count: 'always' });
    const { states, cycle } = await callsOfCycle();
    expect(states).toHaveLength(taskIds.length);
    expect(cycle.plan.reasons.direct).toBe(taskIds.length);
  });

  it('reads one page of a large project a tick: the newest runs come first and the rest is older than the last look', async () => {
    const { taskIds } = await watchedProject(5, 450);
    const { feed, states } = await callsOfCycle();
    expect(feed).toBe(1);
    expect(states.length).toBeLessThan(taskIds.length);
    // A run of a watched task is still found on that one page.
    h.advance(60_000);
    h.sim.startRun(taskIds[0]!, { pendingMs: 0 });
    h.advance(1_000);
    const next = await callsOfCycle();
    expect(next.feed).toBe(1);
    expect(next.states).toContain(taskIds[0]);
  });

  it('polls a project of a single watched task directly: one /state call is no dearer than a page', async () => {
    const { taskIds } = await watchedProject(1, 300);
    const { feed, states } = await callsOfCycle();
    expect(feed).toBe(0);
    expect(states).toEqual(taskIds);
  });
});

describe('CHANGE_FEED=off', () => {
  it('never asks ListAllApp, and polls every task every tick', async () => {
    await h.stop();
    h = await startHarness({ changeFeed: false });
    const { taskIds } = await watchedProject(6);
    const { feed, states } = await callsOfCycle();
    expect(feed).toBe(0);
    expect([...states].sort()).toEqual([...taskIds].sort());
    expect(h.sim.requests.filter((r) => r.path === LIST_ALL_APP)).toEqual([]);
  });
});
