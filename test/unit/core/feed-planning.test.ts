// The change feed's rules, as tables: which tasks a tick polls given what the feed said, which projects it asks the
// feed about, how a project's feed health moves, and how the sweep spreads every task over SWEEP_MINUTES.
import { describe, expect, it } from 'vitest';
import type { ApplicationSummary } from '../../../functions/core/applications.js';
import {
  type FeedStatus,
  type FeedView,
  feedViews,
  nextProjectHealth,
  projectKey,
  sameFeedStatus,
} from '../../../functions/core/feed.js';
import {
  duePolls,
  projectsToRead,
  spreadPolls,
  sweepDue,
  type TickPlan,
} from '../../../functions/core/planning.js';
import type { WatchIndexEntry } from '../../../functions/ports.js';

const AT = Date.parse('2027-01-15T08:00:00.000Z');
const REGION = 'cn-north-4';
const PROJECT = 'a'.repeat(32);
const KEY = projectKey(REGION, PROJECT);
const id = (n: number) => n.toString(16).padStart(32, '0');

const plan = (extra: Partial<TickPlan> = {}): TickPlan => ({
  tick: new Date(AT).toISOString(),
  atMs: AT,
  intervalSeconds: 60,
  untilMs: AT + 60_000,
  delaySeconds: 0,
  sweepMinutes: 10,
  ...extra,
});

const entry = (n: number, extra: Partial<WatchIndexEntry> = {}): WatchIndexEntry => ({
  taskId: id(n),
  region: REGION,
  projectId: PROJECT,
  active: false,
  pending: false,
  pendingSince: null,
  gone: false,
  feed: { releaseId: 7, state: 'succeeded' },
  ...extra,
});

/** A task whose sweep does not fall on the tick `plan()` plans. */
const notSwept = (from: number): number => {
  for (let n = from; ; n++) if (!sweepDue(id(n), plan())) return n;
};

const app = (taskIds: string[], extra: Partial<ApplicationSummary> = {}): ApplicationSummary => ({
  appId: 'f'.repeat(32),
  name: 'app',
  taskIds,
  executionState: 'succeeded',
  releaseId: 7,
  executionTime: null,
  endTime: null,
  ...extra,
});

describe('duePolls with the change feed', () => {
  const quiet = notSwept(1);
  const feedSays = (view: FeedView | null) =>
    new Map([[KEY, new Map(view === null ? [] : [[id(quiet), view]])]]);
  const reasonFor = (e: WatchIndexEntry, feeds: ReturnType<typeof feedSays> | Map<string, never>) =>
    duePolls([e], plan(), feeds)[0]?.reason ?? 'not polled';

  it.each([
    [
      'the feed shows what the task stored',
      entry(quiet),
      feedSays({ releaseId: 7, state: 'succeeded' }),
      'not polled',
    ],
    ['a new release', entry(quiet), feedSays({ releaseId: 8, state: 'succeeded' }), 'feed'],
    ['the same release in another state', entry(quiet), feedSays({ releaseId: 7, state: 'failed' }), 'feed'],
    [
      'the feed shows it running',
      entry(quiet, { feed: { releaseId: 8, state: 'running' } }),
      feedSays({ releaseId: 8, state: 'running' }),
      'feed',
    ],
    [
      'never polled for the feed',
      entry(quiet, { feed: null }),
      feedSays({ releaseId: 7, state: 'succeeded' }),
      'feed',
    ],
    ['not on the pages read', entry(quiet), feedSays(null), 'not polled'],
    ['a run in progress, whatever the feed says', entry(quiet, { active: true }), feedSays(null), 'active'],
    ['undelivered changes', entry(quiet, { pending: true, pendingSince: 'x' }), feedSays(null), 'pending'],
    ['no feed for its project (failing, dearer, off)', entry(quiet), new Map(), 'direct'],
    ['its project not known yet', entry(quiet, { projectId: null }), feedSays(null), 'direct'],
    [
      'gone, notice pending: delivered, not observed',
      entry(quiet, { gone: true, pending: true }),
      feedSays(null),
      'deliver',
    ],
    ['gone, nothing pending', entry(quiet, { gone: true }), new Map(), 'not polled'],
  ])('%s → %s', (_what, e, feeds, expected) => {
    expect(reasonFor(e, feeds)).toBe(expected);
  });

  it('carries what the feed said, so the worker stores it once the poll succeeds', () => {
    const [poll] = duePolls([entry(quiet)], plan(), feedSays({ releaseId: 8, state: 'running' }));
    expect(poll?.message).toMatchObject({
      taskId: id(quiet),
      observe: true,
      feed: { releaseId: 8, state: 'running' },
    });
    const [direct] = duePolls([entry(quiet)], plan(), new Map());
    expect(direct?.message).not.toHaveProperty('feed');
  });

  it('polls every task every tick with the feed off', () => {
    const entries = Array.from({ length: 50 }, (_, n) => entry(n));
    const polls = duePolls(entries, plan({ sweepMinutes: null }), new Map());
    expect(polls).toHaveLength(50);
  });

  it('sends in task ID order', () => {
    const polls = duePolls([entry(3), entry(1), entry(2)], plan({ sweepMinutes: null }), new Map());
    expect(polls.map((p) => p.message.taskId)).toEqual([id(1), id(2), id(3)]);
  });
});

describe('spreadPolls', () => {
  const polls = duePolls(
    [
      ...Array.from({ length: 400 }, (_, n) => entry(n, { projectId: null })),
      entry(1000, { active: true }),
      entry(1001, { pending: true, pendingSince: 'x' }),
    ],
    plan({ delaySeconds: 5 }),
    new Map(),
  );

  it('spreads the checks over the window, each task at the same offset every tick, the rest at once', () => {
    const spread = spreadPolls(polls, 45);
    const byTask = new Map(spread.map((p) => [p.message.taskId, p]));
    expect(byTask.get(id(1000))?.delaySeconds).toBe(5);
    expect(byTask.get(id(1001))?.delaySeconds).toBe(5);
    const checks = spread.filter((p) => p.reason === 'direct').map((p) => p.delaySeconds);
    expect(Math.min(...checks)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...checks)).toBeLessThan(50);
    // Spread out: every 5-second slot of the window holds some, none holds most.
    for (let from = 5; from < 50; from += 5) {
      const inSlot = checks.filter((d) => d >= from && d < from + 5).length;
      expect(inSlot).toBeGreaterThan(15);
      expect(inSlot).toBeLessThan(80);
    }
    expect(spreadPolls(polls, 45)).toEqual(spread);
  });

  it('changes nothing with no window, and never delays beyond what SQS allows', () => {
    expect(spreadPolls(polls, 0)).toEqual(polls);
    const late = spreadPolls(
      polls.map((p) => ({ ...p, delaySeconds: 890 })),
      45,
    );
    for (const p of late) expect(p.delaySeconds).toBeLessThanOrEqual(900);
  });
});

describe('the sweep', () => {
  it('polls each task once per SWEEP_MINUTES, spread evenly over the ticks', () => {
    const tasks = Array.from({ length: 2000 }, (_, n) => id(n * 7919));
    const perTick = Array.from(
      { length: 10 },
      (_, t) => tasks.filter((taskId) => sweepDue(taskId, plan({ atMs: AT + t * 60_000 }))).length,
    );
    // Every task exactly once over ten ticks …
    const swept = new Set(
      Array.from({ length: 10 }, (_, t) =>
        tasks.filter((taskId) => sweepDue(taskId, plan({ atMs: AT + t * 60_000 }))),
      ).flat(),
    );
    expect(swept.size).toBe(tasks.length);
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(tasks.length);
    // … and about a tenth of them each tick.
    for (const n of perTick) {
      expect(n).toBeGreaterThan(140);
      expect(n).toBeLessThan(260);
    }
  });

  it('is every tick when SWEEP_MINUTES is not longer than a tick', () => {
    expect(sweepDue(id(5), plan({ sweepMinutes: 1 }))).toBe(true);
  });
});

describe('projectsToRead', () => {
  const status = (projects: FeedStatus['projects'] = {}): FeedStatus => ({ enabled: true, projects });
  const quietTasks = (count: number) => {
    const entries: WatchIndexEntry[] = [];
    for (let n = 1; entries.length < count; n++) if (!sweepDue(id(n), plan())) entries.push(entry(n));
    return entries;
  };

  it.each([
    ['1 quiet task: a direct poll costs no more than a page', 1, {}, 'direct'],
    ['2 quiet tasks: one page is cheaper', 2, {}, 'read'],
    ['3 quiet tasks, a feed that took 9 pages last time', 3, { pages: 9 }, 'direct'],
    ['200 quiet tasks, 9 pages', 200, { pages: 9 }, 'read'],
    [
      'a failing feed, not due another try',
      200,
      { failingSince: 'x', failures: 2, retryAt: AT + 60_000 },
      'backing off',
    ],
    ['a failing feed, due another try', 200, { failingSince: 'x', failures: 2, retryAt: AT }, 'read'],
  ] as const)('%s → %s', (_what, count, health, expected) => {
    const choice = projectsToRead(quietTasks(count), plan(), status({ [KEY]: health }));
    const got = choice.read.length === 1 ? 'read' : choice.backingOff === 1 ? 'backing off' : 'direct';
    expect(got).toBe(expected);
  });

  it('does not count tasks polled anyway (running, pending, swept) as spared by the feed', () => {
    const busy = [entry(notSwept(1), { active: true }), entry(notSwept(notSwept(1) + 1), { pending: true })];
    expect(projectsToRead(busy, plan(), status()).read).toEqual([]);
  });

  it('asks nothing with the feed off, and skips tasks whose project is unknown', () => {
    expect(projectsToRead(quietTasks(50), plan({ sweepMinutes: null }), status()).read).toEqual([]);
    expect(
      projectsToRead(
        quietTasks(50).map((e) => ({ ...e, projectId: null })),
        plan(),
        status(),
      ).read,
    ).toEqual([]);
  });
});

describe('feed health per project', () => {
  const tick = { atMs: AT, intervalSeconds: 60 };

  it('backs off 1, 2, 4 … ticks while failing, at most 10, and forgets the failure on the first good read', () => {
    let health = nextProjectHealth(undefined, { kind: 'failed', error: 'server: 503' }, tick);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(((health?.retryAt ?? 0) - AT) / 60_000);
      health = nextProjectHealth(health, { kind: 'failed', error: 'server: 503' }, tick);
    }
    expect(waits).toEqual([1, 2, 4, 8, 10, 10]);
    expect(health).toMatchObject({
      failingSince: new Date(AT).toISOString(),
      failures: 7,
      lastError: 'server: 503',
    });
    expect(nextProjectHealth(health, { kind: 'read', pages: 1, views: new Map() }, tick)).toBeUndefined();
    expect(nextProjectHealth(health, { kind: 'read', pages: 3, views: new Map() }, tick)).toEqual({
      pages: 3,
    });
  });

  it('keeps what it knew when the feed was not asked', () => {
    const failing = { failingSince: 'x', failures: 1, retryAt: AT + 60_000, lastError: 'e' };
    expect(nextProjectHealth(failing, undefined, tick)).toBe(failing);
  });

  it('compares statuses field by field, whatever the order the store gave them in', () => {
    const a: FeedStatus = {
      enabled: true,
      projects: { p: { pages: 2 }, q: { failures: 1, failingSince: 'x' } },
    };
    const b: FeedStatus = {
      enabled: true,
      projects: { q: { failingSince: 'x', failures: 1 }, p: { pages: 2 } },
    };
    expect(sameFeedStatus(a, b)).toBe(true);
    expect(sameFeedStatus(a, { ...b, enabled: false })).toBe(false);
    expect(sameFeedStatus(a, { enabled: true, projects: { p: { pages: 3 } } })).toBe(false);
  });
});

describe('feedViews', () => {
  it('gives each task its application’s release and state; a task listed twice keeps the newer release', () => {
    const views = feedViews([
      app([id(1), id(2)], { releaseId: 5, executionState: 'running' }),
      app([id(2)], { releaseId: 9, executionState: 'failed' }),
      app([id(3)], { releaseId: null, executionState: 'not_executed' }),
    ]);
    expect(Object.fromEntries(views)).toEqual({
      [id(1)]: { releaseId: 5, state: 'running' },
      [id(2)]: { releaseId: 9, state: 'failed' },
      [id(3)]: { releaseId: null, state: 'not_executed' },
    });
  });
});
