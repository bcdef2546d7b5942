// Process and transport faults: a worker killed at every step boundary; three workers at once with every message
// delivered twice and out of order; work done but its answer lost, so SQS offers it again after the visibility
// timeout; the planner invoked twice per tick, and killed half-way then retried.

import { type Figures, Fleet, runScenario } from '../support/fleet.js';
import type { Boundary } from '../support/rig.js';

/** The boundaries a worker is killed at, in turn: after each kind of I/O it does for a task. */
const POINTS = [
  'after:store.getTask',
  'after-fetch',
  'after-state-write',
  'after-slack-post',
  'before-mark-delivered',
  'after:gates.read',
] as const;

/** mulberry32: a small seeded PRNG, so every run of the suite misbehaves the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every other cycle, one worker invocation is killed at the next boundary in turn, at a task that rotates too
 * (the gates read has no task: any invocation reaching it dies). Three invocations run at once, so the others
 * carry on beside the dead one. A dead worker's delivery claim outlives it for its invocation's time, and its
 * messages come back after the visibility timeout; runs last long enough to be seen through that.
 */
export async function crashAtEveryBoundary(): Promise<Figures & { crashesAt: Record<string, number> }> {
  const fleet = await Fleet.start({
    seed: 31,
    runsPerTask: 10,
    pollMs: 20_000,
    minVisibleMs: 100_000,
    rig: { workers: 3, callsPerWorker: 2, batchSize: 2 },
  });
  const crashesAt: Record<string, number> = {};
  let next = 0;
  let armed = false;
  const figures = await runScenario(fleet, 'Worker killed at every step boundary', async (f) => {
    await f.play({
      before: (i) => {
        armed = i % 2 === 0;
      },
      crash: (b: Boundary) => {
        const point = POINTS[next % POINTS.length]!;
        const target = f.tasks[(next + Math.floor(next / POINTS.length)) % f.tasks.length]!.taskId;
        if (!armed || b.point !== point || (b.taskId !== null && b.taskId !== target)) return false;
        crashesAt[point] = (crashesAt[point] ?? 0) + 1;
        next++;
        armed = false;
        return true;
      },
    });
    return f.recover();
  });
  return { ...figures, crashesAt };
}

/** Four workers at once; from the start every message is delivered twice, and in no particular order. */
export async function duplicatedAndReordered(): Promise<
  Figures & { duplicatedMessages: number; concurrentPolls: number }
> {
  const fleet = await Fleet.start({ seed: 32, rig: { workers: 4, callsPerWorker: 2, batchSize: 1 } });
  const random = prng(32);
  fleet.rig.misbehave({ duplicate: () => true, random });
  const figures = await runScenario(fleet, 'Four workers, every message twice, reordered', async (f) => {
    await f.play();
    return f.recover();
  });
  const polls = fleet.rig.sim.requests.filter(
    (r) => r.path.endsWith('/state') && r.query.record_id === undefined,
  );
  return {
    ...figures,
    duplicatedMessages: fleet.rig.queue.duplicated,
    // Two polls of one task at the same simulated moment: both copies of a message taken by two workers at once.
    concurrentPolls: polls.length - new Set(polls.map((r) => `${r.taskId}@${r.at}`)).size,
  };
}

/**
 * Every third worker invocation does its work and then times out, so SQS never hears it was done: its messages
 * come back after the visibility timeout and are polled again, some of them long after their tick.
 */
export async function redeliveredAfterTimeout(): Promise<
  Figures & { lostAnswers: number; redelivered: number }
> {
  const fleet = await Fleet.start({
    seed: 34,
    rig: { workers: 3, callsPerWorker: 2, visibilityTimeoutMs: 25_000 },
  });
  let lostAnswers = 0;
  const figures = await runScenario(
    fleet,
    'Answers lost: messages redelivered after the visibility timeout',
    async (f) => {
      await f.play({
        lose: (batch) => {
          const lose = batch % 3 === 0;
          if (lose) lostAnswers++;
          return lose;
        },
      });
      return f.recover();
    },
  );
  const redelivered = fleet.rig.queue.redelivered;
  return { ...figures, lostAnswers, redelivered };
}

/**
 * Every tick the planner is invoked twice (the scheduler delivers at least once); every third tick the first
 * invocation dies after queueing one page of the watch index, and is retried once its claim on the tick lapsed.
 */
export async function plannerTwiceAndRetried(): Promise<Figures & { skipped: number; retried: number }> {
  const fleet = await Fleet.start({ seed: 33, tasks: 6, rig: { indexPageSize: 2 } });
  let skipped = 0;
  let retried = 0;
  const figures = await runScenario(
    fleet,
    'Planner invoked twice per tick, killed half-way and retried',
    async (f) => {
      await f.play({
        invoke: async (i) => {
          const retry = i % 3 === 1;
          const outcome = await f.rig.cycle({
            plannerInvocations: 2,
            ...(retry ? { plannerRetry: { crashAfterPages: 1, retryAfterMs: 16_000 } } : {}),
          });
          f.extraFaults += 1 + (retry ? 1 : 0);
          skipped += outcome.report?.plannerSkipped ?? 0;
          retried += outcome.report?.plannerCrashes ?? 0;
          return [outcome];
        },
      });
      return f.recover();
    },
  );
  return { ...figures, skipped, retried };
}
