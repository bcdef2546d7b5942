// The demo of `npm start` on a manual clock: its task, steps and schedule (every 2 minutes, every 2nd run failing)
// through the real planner and workers. After two runs the living message shows usual times and an expected end;
// the failed run and the success after it show the fix both ways; the banner's slow-run control gets one stuck
// notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVERY_MS, DEMO_FAIL_EVERY, DEMO_SLOW_NEXT_RUN, DEMO_STEPS } from '../../../local/run/demo.js';
import { CHANNEL, type Harness, startHarness } from '../../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const content = (m: { text: string; blocks: unknown; attachments: unknown }) =>
  `${m.text}\n${JSON.stringify(m.blocks ?? [])}\n${JSON.stringify(m.attachments ?? [])}`;

describe('the demo, on a manual clock', () => {
  it('usual times and an expected end after two runs, the fix both ways, one stuck notice for the slow run', async () => {
    const { taskId } = h.sim.createTask({ name: 'gateway-prod', steps: [...DEMO_STEPS] });
    await h.watch(taskId);
    h.sim.autoDeploy(taskId, { everyMs: DEMO_EVERY_MS, failEvery: DEMO_FAIL_EVERY });
    // The demo's pace: a tick every 15 s, running deployments every 3 s.
    const minutes = async (n: number) => {
      await h.cycle({ activePollSeconds: 3 });
      for (let t = 0; t < n * 4; t++)
        await h.follow(15_000, { activePollSeconds: 3 }).then(() => h.cycle({ activePollSeconds: 3 }));
    };
    await minutes(5); // runs 1 (succeeds), 2 (fails) and 3 (succeeds)
    const living = h.slack.messages(CHANNEL).filter((m) => m.threadTs === null);
    expect(living.length).toBeGreaterThanOrEqual(3);
    const [first, second, third] = living;
    // No history for the first run; the second shows usual times and, while it ran, an expected end.
    expect(first!.edits.some((e) => content({ ...e, text: e.text }).includes('usually'))).toBe(false);
    expect(
      second!.edits.some((e) => content(e).includes('(usually 4s)') && content(e).includes('*Expected end*')),
    ).toBe(true);
    // Run 2 failed; run 3 fixed it: "fixed" in its thread, and run 2's living message points at run 3.
    expect(content(second!)).toContain('Failed');
    expect(content(second!)).toContain('✅ *Fixed* by run');
    const fixed = h.slack.thread(CHANNEL, third!.ts).filter((m) => m.text.includes('✅ fixed'));
    expect(fixed).toHaveLength(1);

    // The banner's control: the next run sits 7 minutes in Install Package.
    h.sim.scriptNextRun(taskId, DEMO_SLOW_NEXT_RUN);
    await minutes(12);
    const all = h.slack.messages(CHANNEL);
    const stuck = all.filter((m) => m.text.includes('Install Package has run'));
    expect(stuck).toHaveLength(1);
    expect(stuck[0]!.text).toMatch(/has run 5m \d\ds, usually 8s/);
    expect(all.filter((m) => m.text.includes('finished in 7m 00s — finally (usually 8s)'))).toHaveLength(1);
  }, 120_000);
});
