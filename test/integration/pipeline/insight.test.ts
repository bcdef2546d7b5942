// Insight end to end: the real planner and workers, dynalite, the CodeArts simulator and the fake Slack on one
// manual clock. Usual times and an expected end once a task has history; one stuck notice for a run made slow on
// purpose, and the all-clear when its step ends; the fix after failures told both ways (and, to a `notify:
// failures` channel, nothing else that succeeded); the executor's Slack user; quiet hours held back and summed up
// once, Slack down or not; one digest per period.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack, type FakeSlackMessage } from '../../../local/fake-slack/index.js';
import { CHANNEL, type Harness, OTHER_CHANNEL, startHarness } from '../../support/harness.js';

const STEPS = ['Select Deployment Source', 'Stop Service', 'Install Package'];
const STEP_MS = 20_000;
const EXECUTOR_SLACK = 'U0EXECUTOR1';

let h: Harness;
beforeAll(async () => {
  // A fixed start: quiet hours and digests depend on the time of day.
  h = await startHarness({ startAt: Date.UTC(2027, 0, 15, 8, 0) });
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.slack.reset();
  h.sim.clearFaults();
  h.queue.clear();
});

const newTask = () =>
  h.sim.createTask({
    name: `svc-${Math.random().toString(36).slice(2, 8)}`,
    steps: STEPS.map((name) => ({ name, durationMs: STEP_MS })),
  }).taskId;

const content = (m: Pick<FakeSlackMessage, 'text' | 'blocks' | 'attachments'>) =>
  `${m.text}\n${JSON.stringify(m.blocks ?? [])}\n${JSON.stringify(m.attachments ?? [])}`;
const topLevel = (channel = CHANNEL) => h.slack.messages(channel).filter((m) => m.threadTs === null);
const threadOf = (living: FakeSlackMessage) =>
  h.slack.thread(living.channel, living.ts).filter((m) => m.ts !== living.ts);
const livingOf = (recordId: string, channel = CHANNEL) =>
  topLevel(channel).find((m) => String(m.metadata?.event_payload.key).endsWith(`/${recordId}`));

/** One tick every `everyMs` of simulated time for `ms`. */
async function pollFor(ms: number, everyMs: number, options: Parameters<Harness['cycle']>[0] = {}) {
  for (let t = 0; t < ms; t += everyMs) {
    await h.cycle(options);
    h.advance(everyMs);
  }
  await h.cycle();
}

/** Runs of `script`s one after the other, each polled through to its end. */
async function runs(taskId: string, scripts: Parameters<Harness['sim']['startRun']>[1][]): Promise<string[]> {
  const ids: string[] = [];
  for (const script of scripts) {
    ids.push(h.sim.startRun(taskId, { pendingMs: 0, ...script }).recordId);
    await pollFor(STEPS.length * STEP_MS + 10_000, 10_000);
    h.advance(60_000);
  }
  return ids;
}

describe('expected times', () => {
  it('says nothing without history; after two runs shows each usual time and, while running, an expected end', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.cycle();
    const [first] = await runs(taskId, [{}, {}]);
    expect(content(livingOf(first!)!)).not.toContain('usually');
    h.sim.startRun(taskId, { pendingMs: 0 });
    h.advance(5_000);
    await h.cycle();
    const third = topLevel().at(-1)!;
    const shown = content(third);
    for (const step of STEPS) expect(shown).toContain(`${step}`);
    expect(shown).toContain('(usually 20s)');
    expect(shown).toContain('*Expected end*');
    expect(shown).toMatch(/~<!date\^\d+\^\{time\}\|\d\d:\d\d UTC>/);
  });
});

describe('a step far past its usual time', () => {
  it('gets one thread reply with the mentions and the executor, and the thread hears when it finally ends', async () => {
    const taskId = newTask();
    await h.insight.putPerson({
      codeartsUser: 'devcloud_test',
      slackUser: EXECUTOR_SLACK,
      updatedAt: new Date(h.clock.now()).toISOString(),
      updatedBy: 'test',
    });
    await h.watch(taskId, { options: { notify: 'all', mode: 'thread', mentions: ['U0ONCALL1'] } });
    await h.cycle();
    await runs(taskId, [{}, {}]);
    // Made slow on purpose: Stop Service takes 12 minutes instead of 20 seconds.
    const slow = h.sim.startRun(taskId, {
      pendingMs: 0,
      slowStep: { step: 1, durationMs: 12 * 60_000 },
    }).recordId;
    // Workers die now and then right after a Slack post, before recording it: restarts must not repeat anything.
    let posts = 0;
    await pollFor(15 * 60_000, 30_000, {
      crash: (boundary) => boundary.point === 'after-slack-post' && ++posts % 3 === 0,
    });
    expect(posts).toBeGreaterThan(3);
    // Duplicate polls of the same moment change nothing.
    await h.cycle();
    await h.cycle();

    const living = livingOf(slow)!;
    const thread = threadOf(living);
    const stuck = thread.filter((m) => m.text.includes('has run'));
    expect(stuck).toHaveLength(1);
    expect(stuck[0]!.text).toMatch(/⚠️ Step 2\/3 · Stop Service has run 5m [2-5]\ds, usually 20s/);
    expect(stuck[0]!.text).toContain('<@U0ONCALL1>');
    expect(stuck[0]!.text).toContain(`<@${EXECUTOR_SLACK}>`);
    expect(stuck[0]!.broadcast).toBe(false);
    const finally_ = thread.filter((m) => m.text.includes('finally'));
    expect(finally_).toHaveLength(1);
    expect(finally_[0]!.text).toContain(
      '✅ Step 2/3 · Stop Service finished in 12m 00s — finally (usually 20s)',
    );
    // The living message names the executor by their Slack user.
    expect(content(living)).toContain(`*Run by*\\n<@${EXECUTOR_SLACK}>`);
    await h.insight.deletePerson('devcloud_test');
  });
});

describe('the fix after failures', () => {
  it('says "fixed", links the failed run, and the failed run points at the fix; notify failures hears only that', async () => {
    const taskId = newTask();
    await h.watch(taskId);
    await h.watch(taskId, {
      channel: OTHER_CHANNEL,
      options: { notify: 'failures', mode: 'thread', mentions: [] },
    });
    await h.cycle();
    const [, , failedLast, fixer] = await runs(taskId, [
      {},
      { outcome: 'failed', failAtStep: 1 },
      { outcome: 'failed', failAtStep: 2 },
      {},
      {},
    ]);

    // Thread mode: the fix's end says so, broadcast, linking the last failed run's living message.
    const failedLiving = livingOf(failedLast!)!;
    const fixerLiving = livingOf(fixer!)!;
    const fixed = threadOf(fixerLiving).filter((m) => m.text.includes('✅ fixed'));
    expect(fixed).toHaveLength(1);
    expect(fixed[0]!.broadcast).toBe(true);
    expect(fixed[0]!.text).toMatch(
      /✅ Deployment succeeded in 1m 0\ds — ✅ fixed: broken for \dm \d\ds over 2 failed runs/,
    );
    expect(fixed[0]!.text).toContain(`<${FakeSlack.permalinkOf(CHANNEL, failedLiving.ts)}|the failed run>`);
    // …and the failed run's living message points at the run that fixed it.
    expect(content(failedLiving)).toContain(`✅ *Fixed* by run ${fixer!.slice(0, 8)}`);
    expect(content(failedLiving)).toContain(
      `<${FakeSlack.permalinkOf(CHANNEL, fixerLiving.ts)}|see the fix>`,
    );
    expect(failedLiving.text).toContain(`fixed by run ${fixer!.slice(0, 8)}`);
    // Nothing else claims a fix.
    expect(h.slack.messages(CHANNEL).filter((m) => m.text.includes('✅ fixed'))).toHaveLength(1);

    // notify: failures: two failures and the fix, linking the last failure's post; no other success.
    const posts = h.slack.messages(OTHER_CHANNEL);
    expect(
      posts.map((m) => (m.text.includes('✅ fixed') ? 'fixed' : m.text.includes('🚨') ? 'failed' : 'other')),
    ).toEqual(['failed', 'failed', 'fixed']);
    expect(posts[2]!.text).toContain(
      `<${FakeSlack.permalinkOf(OTHER_CHANNEL, posts[1]!.ts)}|the failed run>`,
    );
  });
});

/** `HH:MM` of `ms` in UTC. */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

describe('quiet hours', () => {
  it('only failures post inside them; the rest is summed up once when they end, even with Slack down then', async () => {
    // A window opening an hour from now and closing two hours later, in UTC.
    const opens = Math.ceil((h.clock.now() + 3600_000) / 60_000) * 60_000;
    const closes = opens + 2 * 3600_000;
    const taskId = newTask();
    await h.watch(taskId, {
      options: {
        notify: 'all',
        mode: 'thread',
        mentions: [],
        quietHours: { from: hhmm(opens), to: hhmm(closes), timeZone: 'UTC' },
      },
    });
    await h.cycle();
    h.clock.set(opens + 60_000);
    const [quietOk, quietFailed] = await runs(taskId, [{}, { outcome: 'failed', failAtStep: 0 }]);
    // The success posted nothing; the failure posted its living message and its broadcast failure.
    expect(livingOf(quietOk!)).toBeUndefined();
    const failed = livingOf(quietFailed!)!;
    expect(content(failed)).toContain('Failed');
    expect(threadOf(failed).filter((m) => m.broadcast)).toHaveLength(1);
    expect(topLevel()).toHaveLength(1);

    // The window ends while Slack is down: the summary waits, then comes once.
    h.clock.set(closes + 30_000);
    h.slack.inject({ kind: 'http-error', status: 503, method: 'chat.postMessage', times: 3 });
    await h.cycle();
    h.advance(60_000);
    await h.cycle();
    h.advance(60_000);
    await h.cycle();
    await h.cycle();
    expect(h.slack.calls.filter((c) => c.fault === 'http-error')).toHaveLength(3);
    const summaries = topLevel().filter((m) => m.text.includes('during quiet hours'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.text).toContain('2 deployments, 1 succeeded');
    const listed = content(summaries[0]!);
    expect(listed).toContain(`run ${quietOk!.slice(0, 8)}`);
    expect(listed).toContain(`run ${quietFailed!.slice(0, 8)}`);
    expect(listed).toContain(`${hhmm(opens)}–${hhmm(closes)} UTC`);
    // Outside the window a run is told as usual again.
    const [after] = await runs(taskId, [{}]);
    expect(livingOf(after!)).toBeDefined();
  });
});

describe('digests', () => {
  // A day and more of simulated time: a harness of its own, whose CodeArts token (valid 24 h) is fresh, started
  // two hours before a UTC midnight so the runs of the next day fall inside the token's life at any time of day.
  let shared: Harness;
  beforeAll(async () => {
    shared = h;
    h = await startHarness({ startAt: Date.UTC(2027, 0, 15, 22, 0) });
  });
  afterAll(async () => {
    await h.stop();
    h = shared;
  });

  it('posts one digest per period once it has ended, with the figures of its runs', async () => {
    const taskId = newTask();
    await h.watch(taskId, {
      options: {
        notify: 'status',
        mode: 'thread',
        mentions: [],
        digest: { every: 'daily', timeZone: 'UTC' },
      },
    });
    await h.cycle();
    // Start of a UTC day, then three runs (one failing, then fixed) during it.
    const day = Math.ceil(h.clock.now() / 86_400_000) * 86_400_000;
    h.clock.set(day + 9 * 3600_000);
    await runs(taskId, [{}, { outcome: 'failed', failAtStep: 2 }, {}]);
    h.clock.set(day + 86_400_000 + 60_000);
    await h.cycle();
    await h.cycle();
    h.advance(3600_000);
    await h.cycle();
    // The day the watch was made (nothing ran), then the day of the three runs: one digest each, never twice.
    const digests = topLevel().filter((m) => m.text.includes('daily digest'));
    expect(digests).toHaveLength(2);
    expect(digests[0]!.text).toMatch(/daily digest: 0 deployments$/);
    expect(digests[1]!.text).toMatch(/daily digest: 3 deployments, 67% succeeded, typically 1m 0\ds/);
    const shown = content(digests[1]!);
    expect(shown).toContain('*Success rate*\\n67% (2 of 3)');
    expect(shown).toContain('(1 recovery)');
    expect(shown).toContain('*Slowest step*');
    expect(shown).toContain('3 (▲ 3 on the day before)');
  });
});
