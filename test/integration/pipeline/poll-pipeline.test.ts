// End to end: the real planner and worker handlers against dynalite, the CodeArts simulator and the fake Slack over
// HTTP; the poll queue is simulated on the same manual clock (test/support/sim-queue.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
  h.queue.clear();
  h.queue.misbehave({});
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

describe('planner and workers, end to end', () => {
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

  it('posts nothing twice when every message arrives twice and three workers poll at once', async () => {
    await aRunWhollyBetweenPolls();
    h.queue.misbehave({ duplicate: () => true, random: seeded(7) });
    await h.cycle({ workers: 3 });
    await h.cycle({ workers: 3 });
    expect(h.queue.duplicated).toBeGreaterThanOrEqual(2);
    expect(topLevel()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
  });

  it('plans a tick once, however often the planner is invoked for it', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    h.advance(1000);
    const tick = new Date(h.clock.now()).toISOString();
    const first = await h.plan(tick);
    const again = await h.plan(tick);
    expect(first.skipped).toBe(false);
    expect(again.skipped).toBe(true);
    expect(h.queue.depth).toBe(first.queued);
  });

  it('delivers, once, the changes of a worker killed between its state write and Slack', async () => {
    const taskId = await aRunWhollyBetweenPolls();
    const killed = await h.cycle({
      crash: (b) => b.point === 'after-state-write' && b.taskId === taskId,
    });
    expect(killed.batches.some((b) => b.response === null)).toBe(true);
    expect(h.slack.messages(CHANNEL)).toEqual([]);
    expect((await h.store.getTask(taskId))?.outbox).toHaveLength(1);

    await h.cycle(); // the dead worker's delivery claim still holds: nobody posts yet
    expect(h.slack.messages(CHANNEL)).toEqual([]);
    h.advance(61_000); // the claim has lapsed
    await h.cycle();
    await h.cycle();
    expect(topLevel()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
  });

  it('posts nothing twice after a worker killed before recording what it told Slack', async () => {
    const taskId = await aRunWhollyBetweenPolls();
    await h.cycle({ crash: (b) => b.point === 'before-mark-delivered' && b.taskId === taskId });
    expect(topLevel()).toHaveLength(1); // posted, but not marked delivered
    h.advance(61_000);
    await h.cycle();
    await h.cycle();
    expect(topLevel()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
    expect((await h.store.getTask(taskId))?.outbox).toHaveLength(0);
  });

  it('writes nothing but the planner’s progress in a tick where nothing changed', async () => {
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
    let quiet: Awaited<ReturnType<Harness['cycle']>>;
    try {
      h.advance(60_000);
      quiet = await h.cycle();
    } finally {
      h.dynamo.documentClient.middlewareStack.remove('count-commands');
    }
    const writes = commands.filter((c) => /Put|Update|Delete|BatchWrite/.test(c));
    expect(writes).toEqual(['UpdateItemCommand', 'UpdateItemCommand']); // the planner claims and completes its tick
    expect(commands.filter((c) => c === 'QueryCommand')).toHaveLength(1); // the watch index
    // The gates and the feed's status once by the planner, the gates once per worker invocation, and each
    // watched task's item once.
    expect(commands.filter((c) => c === 'GetItemCommand')).toHaveLength(
      2 + quiet.batches.length + quiet.plan.queued,
    );
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

  it('puts a running deployment back on the queue every ACTIVE_POLL_SECONDS until the next tick', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle();
    h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 14_000) });
    h.advance(100);
    h.sim.clearRequests();
    const tick = await h.cycle({ activePollSeconds: 10 });
    const more = await h.follow(60_000, { activePollSeconds: 10 });
    const polls = h.sim.requests.filter((r) => r.taskId === taskId && r.path.endsWith('/state'));
    // The tick's poll, then one every 10 s while before the next tick (60 s later): 6 in all, none after.
    expect(polls).toHaveLength(6);
    expect(h.queue.depth).toBe(0); // the chain ended with the tick
    expect(tick.plan.queued + more.length).toBeGreaterThanOrEqual(6);
    expect(replies().length).toBeGreaterThanOrEqual(3);
  });

  it('slows every worker when CodeArts throttles, and polls the waiting tasks after the pause', async () => {
    const tasks = [newTask(), newTask(), newTask()];
    for (const taskId of tasks) await h.watch(taskId);
    await h.cycle();
    h.sim.inject({ kind: 'throttle', retryAfterSeconds: 5, count: 1 });
    h.sim.clearRequests();
    const throttled = await h.cycle({ workers: 1, callsPerWorker: 1 });
    // One call met the 429; every other poll of the tick waited for the pause instead of calling.
    expect(h.sim.requests.filter((r) => r.path.endsWith('/state'))).toHaveLength(1);
    expect(throttled.worker.codeartsThrottled).toBe(1);
    expect(h.queue.depth).toBe(throttled.plan.queued); // every poll comes back after the pause
    h.sim.clearRequests();
    await h.follow(10_000);
    const polled = new Set(h.sim.requests.filter((r) => r.path.endsWith('/state')).map((r) => r.taskId));
    for (const taskId of tasks) expect(polled.has(taskId)).toBe(true);
    expect(h.queue.depth).toBe(0);
  });

  it('leaves a change Slack rate-limited pending, and delivers it after Retry-After', async () => {
    const channel = 'C0LIMITED1';
    const taskId = newTask();
    await h.watch(taskId, { channel });
    await h.cycle();
    h.sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: STEPS.map(() => 1000) });
    h.advance(60_000);
    h.slack.inject({ kind: 'rate-limit', retryAfter: 3, channel, method: 'chat.postMessage', times: 1 });
    await h.cycle();
    expect(topLevel(channel)).toHaveLength(0);
    expect((await h.store.getTask(taskId))?.outbox).toHaveLength(1);
    h.sim.clearRequests();
    await h.follow(5_000);
    expect(topLevel(channel)).toHaveLength(1);
    expect(replies(channel)).toHaveLength(1);
    // Only the delivery came back: CodeArts was not asked again.
    expect(h.sim.requests.filter((r) => r.taskId === taskId)).toEqual([]);
  });
});

/** mulberry32: seeded, so a test that shuffles the queue shuffles it the same way every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
