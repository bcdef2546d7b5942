// Process faults: the poller killed at every step boundary, cycles that overlap, the same tick delivered twice.
import type { FaultPoint } from '../../../functions/app/poll-task.js';
import { type Figures, Fleet, runScenario } from '../support/fleet.js';

const POINTS: readonly FaultPoint[] = [
  'after-fetch',
  'after-state-write',
  'after-slack-post',
  'before-mark-delivered',
];

/**
 * Every other cycle that gets the lease is killed at the next boundary in turn (after the CodeArts read, after the
 * state write, after a Slack post, before marking delivered), at a task that rotates too. A dead cycle keeps the
 * lease until it expires, as a killed Lambda does, so the ticks after it are skipped; runs last long enough to be
 * seen through that. Four tasks are polled at once, so a crash also cuts the other tasks' work short.
 */
export async function crashAtEveryBoundary(): Promise<Figures & { crashesAt: Record<string, number> }> {
  const fleet = await Fleet.start({
    seed: 31,
    runsPerTask: 10,
    pollMs: 20_000,
    minVisibleMs: 100_000,
    rig: { concurrency: 4 },
  });
  const crashesAt: Record<string, number> = {};
  let next = 0;
  let armed = false;
  const figures = await runScenario(fleet, 'Process killed at every step boundary', async (f) => {
    await f.play({
      before: () => {
        // A cycle that ran after a crash is left alone, so that every task gets polled now and then.
        const last = [...f.outcomes].reverse().find((o) => o.crashed || o.report?.leaseTaken);
        armed = last === undefined || !last.crashed;
      },
      crash: (point, taskId) => {
        const target = f.tasks[(next + Math.floor(next / POINTS.length)) % f.tasks.length]!.taskId;
        if (!armed || point !== POINTS[next % POINTS.length] || taskId !== target) return false;
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

/**
 * Two cycles at once on every tick; on every other tick the second starts while the first is held half-way
 * (after its first state write), and the first then carries on.
 */
export async function overlappingCycles(): Promise<Figures & { skipped: number; heldHalfway: number }> {
  const fleet = await Fleet.start({ seed: 32 });
  let skipped = 0;
  let heldHalfway = 0;
  const figures = await runScenario(fleet, 'Two cycles overlapping', async (f) => {
    await f.play({
      invoke: async (i) => {
        const { rig } = f;
        if (i % 2 === 0) {
          const pair = await Promise.all([rig.cycle(), rig.cycle()]);
          f.extraFaults++;
          skipped += pair.filter((o) => o.report?.leaseTaken === false).length;
          return pair;
        }
        let release: () => void = () => {};
        let held: () => void = () => {};
        const reached = new Promise<void>((resolve) => {
          held = resolve;
        });
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        f.extraFaults++;
        let holding = true;
        const first = rig.cycle({
          hold: async (point) => {
            if (point !== 'after-state-write' || !holding) return;
            holding = false;
            heldHalfway++;
            held();
            await gate;
          },
        });
        // If nothing was written this tick, the first cycle never reaches the hold; then it simply ends.
        await Promise.race([reached, first]);
        const second = await rig.cycle();
        if (second.report?.leaseTaken === false) skipped++;
        release();
        return [await first, second];
      },
    });
    return f.recover();
  });
  return { ...figures, skipped, heldHalfway };
}

/** Every tick is delivered twice (an at-least-once scheduler): the second invocation runs right after the first. */
export async function sameTickTwice(): Promise<Figures> {
  return runScenario(await Fleet.start({ seed: 33 }), 'Same tick delivered twice', async (f) => {
    // The second invocation of each tick starts when the first has finished, at the same scheduled time.
    await f.play({
      invoke: async () => {
        f.extraFaults++;
        return [await f.rig.cycle(), await f.rig.cycle()];
      },
    });
    return f.recover();
  });
}
