// End to end: the real poll cycle against dynalite, the CodeArts simulator and the fake Slack over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InjectedCrash } from '../../../functions/app/poll-task.js';
import { CHANNEL, type Harness, OTHER_CHANNEL, startHarness } from '../../support/harness.js';

const STEPS = [
  'Select Deployment Source',
  'Stop Service',
  'Install Package',
  'Start Service',
  'Health Check',
];
const STEP_MS = 10_000;

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

const newTask = (options: { faqUrl?: string } = {}) =>
  h.sim.createTask({
    name: `svc-${Math.random().toString(36).slice(2, 8)}`,
    steps: STEPS.map((name, i) => ({
      name,
      durationMs: STEP_MS,
      ...(i === 2 && options.faqUrl ? { faqUrl: options.faqUrl } : {}),
    })),
  }).taskId;

const topLevel = (channel = CHANNEL) =>
  h.slack.messages(channel).filter((m) => !m.threadTs || m.threadTs === m.ts);
const replies = (channel = CHANNEL) =>
  h.slack.messages(channel).filter((m) => m.threadTs && m.threadTs !== m.ts);
const allText = (m: { text: string; blocks?: unknown; attachments?: unknown }) =>
  `${m.text}\n${JSON.stringify(m.blocks ?? [])}\n${JSON.stringify(m.attachments ?? [])}`;

/** A watched task (baseline taken) whose whole 5-step run, 1 s a step, happens before the next poll. */
async function aRunWhollyBetweenPolls(): Promise<string> {
  const taskId = newTask();
  await h.watch(taskId);
  await h.cycle();
  h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 1000) });
  h.advance(60_000);
  return taskId;
}

/** Polls every `everyMs` of simulated time until the run is over (plus one more poll). */
async function pollThrough(runMs: number, everyMs: number) {
  for (let t = 0; t <= runMs + everyMs; t += everyMs) {
    await h.cycle();
    h.advance(everyMs);
  }
}

describe('poll cycle, end to end', () => {
  it('reports a 5-step run as one living message, edited in place, with a reply per change', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle(); // baseline: the task has never run
    expect(h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);

    h.sim.startRun(taskId, { pendingMs: 1000 });
    await pollThrough(STEPS.length * STEP_MS + 1000, 4_000);

    const parents = topLevel();
    expect(parents).toHaveLength(1);
    const living = parents[0]!;
    expect(living.edits.length).toBeGreaterThanOrEqual(STEPS.length);
    const finalLiving = allText(living);
    for (const step of STEPS) expect(finalLiving).toContain(step);
    expect(finalLiving.toLowerCase()).toContain('succeeded');

    const thread = h.slack.thread(CHANNEL, living.ts).filter((m) => m.ts !== living.ts);
    expect(thread.length).toBeGreaterThanOrEqual(2);
    for (const step of STEPS) {
      expect(
        thread.filter((m) => m.text.includes(step)),
        `one reply names ${step}`,
      ).toHaveLength(1);
    }
    expect(thread.some((m) => m.broadcast)).toBe(false);
    // Everything delivered: the outbox is empty.
    expect((await h.store.getTask(taskId))?.outbox).toEqual([]);
  });

  it('reports a run that started and ended between two polls in full', async () => {
    await aRunWhollyBetweenPolls();
    await h.cycle();

    expect(topLevel()).toHaveLength(1);
    const living = topLevel()[0]!;
    expect(allText(living).toLowerCase()).toContain('succeeded');
    const thread = h.slack.thread(CHANNEL, living.ts).filter((m) => m.ts !== living.ts);
    expect(thread).toHaveLength(1); // coalesced: one reply for everything this poll saw
    for (const step of STEPS) expect(thread[0]!.text).toContain(step);
  });

  it('reports a failed run loudly: the step, the mentions, the FAQ link, broadcast', async () => {
    const taskId = newTask({ faqUrl: 'https://support.example.com/faq/install' });
    await h.watch(taskId, { options: { notify: 'all', mode: 'thread', mentions: ['U0ONCALL1'] } });
    await h.cycle();
    h.sim.startRun(taskId, { pendingMs: 0, outcome: 'failed', failAtStep: 2 });
    await pollThrough(3 * STEP_MS, 5_000);

    const living = topLevel()[0]!;
    expect(allText(living).toLowerCase()).toContain('failed');
    const broadcast = replies().filter((m) => m.broadcast);
    expect(broadcast).toHaveLength(1);
    const failure = allText(broadcast[0]!);
    expect(failure).toContain('Install Package');
    expect(failure).toContain('<@U0ONCALL1>');
    expect(failure).toContain('https://support.example.com/faq/install');
  });

  it('delivers everything to two channels, and a broken channel does not block the other', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.watch(taskId, { channel: OTHER_CHANNEL });
    await h.watch(taskId, { channel: 'C0ARCHIVED' });
    h.slack.inject({ kind: 'platform-error', error: 'is_archived', channel: 'C0ARCHIVED' });
    await h.cycle();
    h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 1000) });
    h.advance(60_000);
    await h.cycle();
    await h.cycle();

    for (const channel of [CHANNEL, OTHER_CHANNEL]) {
      expect(topLevel(channel)).toHaveLength(1);
      expect(replies(channel)).toHaveLength(1);
    }
    const record = await h.store.getTask(taskId);
    expect(record?.subscriptions.C0ARCHIVED?.broken?.code).toBe('is_archived');
    expect(record?.subscriptions[CHANNEL]?.deliveredSeq).toBe(record?.lastSeq);
    expect(record?.outbox).toEqual([]); // a broken channel does not hold the outbox
  });

  it('posts nothing twice when two cycles run at once', async () => {
    await aRunWhollyBetweenPolls();
    const [a, b] = await Promise.all([h.cycle(), h.cycle()]);
    expect([a.leaseTaken, b.leaseTaken].sort()).toEqual([false, true]);
    await h.cycle();
    expect(topLevel()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
  });

  it('delivers, once, the events of a cycle killed between its state write and Slack', async () => {
    const taskId = await aRunWhollyBetweenPolls();
    await expect(
      h.cycle({
        budgetMs: 50_000,
        faultHook: (point, id) => {
          if (point === 'after-state-write' && id === taskId) throw new InjectedCrash('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(h.slack.messages(CHANNEL)).toEqual([]);
    expect((await h.store.getTask(taskId))?.outbox).toHaveLength(1);

    h.advance(61_000); // the dead cycle's lease runs out
    await h.cycle();
    await h.cycle();
    expect(topLevel()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
  });

  it('stops the cycle, lease kept, when it is killed while telling Slack, and then posts nothing twice', async () => {
    // Slack is told from a pool of its own: a crash there must still stop the whole cycle as a crash would.
    const taskId = await aRunWhollyBetweenPolls();
    await expect(
      h.cycle({
        budgetMs: 50_000,
        faultHook: (point, id) => {
          if (point === 'before-mark-delivered' && id === taskId) throw new InjectedCrash('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(topLevel()).toHaveLength(1); // posted, but not marked delivered
    expect((await h.cycle()).leaseTaken).toBe(false); // the dead cycle still holds the lease

    h.advance(61_000); // the dead cycle's lease runs out
    await h.cycle();
    await h.cycle();
    expect(topLevel()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
    expect((await h.store.getTask(taskId))?.outbox).toHaveLength(0);
  });

  it('writes nothing but the lease in a cycle where nothing changed', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 1000) });
    h.advance(60_000);
    await h.cycle();
    await h.cycle();

    const commands: string[] = [];
    h.dynamo.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'count-commands' },
    );
    try {
      h.advance(60_000);
      await h.cycle();
    } finally {
      h.dynamo.documentClient.middlewareStack.remove('count-commands');
    }
    const writes = commands.filter((c) => /Put|Update|Delete|BatchWrite/.test(c));
    expect(writes).toEqual(['UpdateItemCommand', 'UpdateItemCommand']); // take and give back the lease
    expect(commands.filter((c) => c === 'QueryCommand')).toHaveLength(1);
    expect(commands.filter((c) => c === 'GetItemCommand')).toHaveLength(0);
  });

  it('shows "monitoring stale" on the living message after repeated CodeArts failures, and clears it on recovery', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle();
    h.sim.startRun(taskId, { pendingMs: 0 });
    h.advance(1000);
    await h.cycle();
    const living = () => topLevel()[0]!;
    expect(allText(living())).not.toContain('stale');

    h.sim.inject({ kind: 'server-error', status: 503, taskId, count: 'always' });
    for (let i = 0; i < 3; i++) {
      h.advance(5000);
      await h.cycle();
    }
    const record = await h.store.getTask(taskId);
    expect(record?.health.consecutiveFailures).toBe(3);
    expect(record?.health.staleSince).not.toBeNull();
    expect(allText(living())).toContain('Monitoring stale since');

    h.sim.clearFaults();
    h.advance(5000);
    await h.cycle();
    expect((await h.store.getTask(taskId))?.health.staleSince).toBeNull();
    expect(allText(living())).not.toContain('stale');
    expect(topLevel()).toHaveLength(1);
  });

  it('says once that a deleted task is gone, and stops polling it', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle();
    h.sim.deleteTask(taskId);
    await h.cycle();
    await h.cycle();
    const notices = h.slack.messages(CHANNEL).filter((m) => m.text.includes('no longer knows'));
    expect(notices).toHaveLength(1);
    expect((await h.store.getTask(taskId))?.health.gone).toBe(true);
    const polls = h.sim.requests.filter((r) => r.taskId === taskId && r.path.endsWith('/state'));
    h.sim.clearRequests();
    await h.cycle();
    expect(h.sim.requests.filter((r) => r.taskId === taskId)).toEqual([]);
    expect(polls.length).toBeGreaterThan(0);
  });

  it('re-polls a running deployment every ACTIVE_POLL_SECONDS within one invocation', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle();
    h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 8000) });
    h.advance(100);
    h.sim.clearRequests();
    const report = await h.cycle({ activePollSeconds: 10, budgetMs: 50_000 });
    const polls = h.sim.requests.filter((r) => r.taskId === taskId && r.path.endsWith('/state'));
    // 50 s budget less the safety margin: the first poll plus one every 10 s.
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.length).toBeLessThanOrEqual(6);
    expect(report.events).toBeGreaterThanOrEqual(4);
    const thread = replies();
    expect(thread.length).toBeGreaterThanOrEqual(3);
  });

  it('polls running deployments first, and counts the tasks a too-short budget did not reach', async () => {
    const idle = newTask();
    // The highest possible ID: in listing order it would be polled last.
    const busy = h.sim.createTask({ id: 'f'.repeat(32), name: 'busy', steps: STEPS }).taskId;
    await h.watch(idle);
    await h.watch(busy);
    await h.cycle();
    h.sim.startRun(busy, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 60_000) });
    h.advance(1000);
    await h.cycle(); // the store now knows `busy` is running
    h.advance(1000);

    const running = new Set<string>();
    for await (const task of h.store.listTasks()) {
      if (task.run && !['succeeded', 'failed', 'timeout', 'abort', 'not_started'].includes(task.run.status)) {
        running.add(task.taskId);
      }
    }
    expect(running.has(busy)).toBe(true);
    h.sim.clearRequests();
    await h.cycle();
    const order = h.sim.requests.filter((r) => r.path.endsWith('/state')).map((r) => r.taskId);
    const concurrency = 4;
    for (const taskId of running) expect(order.indexOf(taskId)).toBeLessThan(running.size + concurrency - 1);
    expect(order.indexOf(idle)).toBeGreaterThanOrEqual(0);

    // A budget that ends before any work can start: nothing is polled, and the report says how much was missed.
    const starved = await h.cycle({ budgetMs: 1000 });
    expect(starved.polls).toBe(0);
    expect(starved.tasksNotPolled).toBe(starved.tasks);
    expect(starved.tasks).toBeGreaterThanOrEqual(2);
    expect(h.metrics.filter((m) => m.name === 'TasksNotPolled').at(-1)?.value).toBe(starved.tasks);
  });
});
