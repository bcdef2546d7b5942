import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/codearts-simulator/clock.js';
import {
  endAt,
  outcomeOf,
  planRun,
  type StepSpec,
  statusAt,
  stepsAt,
  stepTruth,
} from '../../../local/codearts-simulator/timeline.js';

const step = (name: string, durationMs = 10_000, enabled = true): StepSpec => ({
  name,
  enabled,
  durationMs,
  faqUrl: '',
});
const STEPS = [step('a'), step('b', 20_000), step('skip', 5_000, false), step('c')];
const T0 = 1_000_000;

describe('simulator run timeline', () => {
  it('walks pending → running → succeeded through every enabled step', () => {
    const plan = planRun(STEPS, { pendingMs: 2000 }, T0);
    expect(statusAt(plan, T0)).toBe('pending');
    expect(statusAt(plan, T0 + 2000)).toBe('running');
    expect(endAt(plan)).toBe(T0 + 2000 + 40_000);
    expect(statusAt(plan, endAt(plan) - 1)).toBe('running');
    expect(statusAt(plan, endAt(plan))).toBe('succeeded');
    expect(stepTruth(plan, endAt(plan)).map((s) => s.outcome)).toEqual(['done', 'done', 'skipped', 'done']);
  });

  it('reaches steps in order and grows elapsed time only while a step runs', () => {
    const plan = planRun(STEPS, { pendingMs: 0 }, T0);
    const at = (ms: number) => stepsAt(plan, T0 + ms).map((v) => [v.reached, v.elapsedMs]);
    expect(at(5000)).toEqual([
      [true, 5000],
      [false, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(at(15_000)).toEqual([
      [true, 10_000],
      [true, 5000],
      [false, 0],
      [false, 0],
    ]);
    // The disabled step is passed (reached, no time) when b finishes.
    expect(at(30_000)).toEqual([
      [true, 10_000],
      [true, 20_000],
      [true, 0],
      [true, 0],
    ]);
    expect(at(99_000)).toEqual(at(40_000));
  });

  it('fails at the scripted step after its full duration, never reaching later steps', () => {
    const plan = planRun(STEPS, { pendingMs: 0, outcome: 'failed', failAtStep: 1 }, T0);
    expect(endAt(plan)).toBe(T0 + 30_000);
    expect(statusAt(plan, T0 + 30_000)).toBe('failed');
    expect(stepsAt(plan, T0 + 60_000).map((v) => v.reached)).toEqual([true, true, false, false]);
    expect(stepTruth(plan, T0 + 60_000).map((s) => s.outcome)).toEqual([
      'done',
      'failed',
      'skipped',
      'not-run',
    ]);
  });

  it('defaults a failure to the last enabled step and times out the same way', () => {
    const plan = planRun(STEPS, { pendingMs: 0, outcome: 'timeout' }, T0);
    expect(plan.failIndex).toBe(3);
    expect(outcomeOf(plan)).toBe('timeout');
    expect(stepTruth(plan, endAt(plan)).at(-1)?.outcome).toBe('failed');
  });

  it('aborts half-way through the scripted step', () => {
    const plan = planRun(STEPS, { pendingMs: 0, outcome: 'abort', failAtStep: 0 }, T0);
    expect(endAt(plan)).toBe(T0 + 5000);
    expect(stepTruth(plan, T0 + 5000)[0]?.outcome).toBe('aborted');
  });

  it('refuses to fail at a disabled or missing step', () => {
    expect(() => planRun(STEPS, { outcome: 'failed', failAtStep: 2 }, T0)).toThrow(/enabled step/);
    expect(() => planRun(STEPS, { outcome: 'failed', failAtStep: 9 }, T0)).toThrow(/enabled step/);
    expect(() => planRun(STEPS, { outcome: 'exploded' as never }, T0)).toThrow(/outcome/);
  });

  it('turns a stop into not_started while queued and abort while running', () => {
    const queued = planRun(STEPS, { pendingMs: 2000 }, T0);
    queued.stoppedAt = T0 + 1000;
    expect(statusAt(queued, T0 + 1000)).toBe('not_started');
    expect(stepsAt(queued, T0 + 5000).some((v) => v.reached)).toBe(false);

    const running = planRun(STEPS, { pendingMs: 0 }, T0);
    running.stoppedAt = T0 + 15_000;
    expect(statusAt(running, T0 + 14_999)).toBe('running');
    expect(statusAt(running, T0 + 15_000)).toBe('abort');
    expect(stepTruth(running, T0 + 20_000).map((s) => s.outcome)).toEqual([
      'done',
      'aborted',
      'skipped',
      'not-run',
    ]);
    expect(stepsAt(running, T0 + 20_000)[1]?.elapsedMs).toBe(5000);
  });

  it('scales every duration by speed', () => {
    const plan = planRun(STEPS, { pendingMs: 2000 }, T0, 10);
    expect(endAt(plan)).toBe(T0 + 200 + 4000);
  });
});

describe('ManualClock', () => {
  it('moves only when told and wakes sleepers whose time has come', async () => {
    const clock = new ManualClock(1000);
    const woke: number[] = [];
    void clock.sleep(500).then(() => woke.push(500));
    void clock.sleep(2000).then(() => woke.push(2000));
    clock.advance(499);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(1);
    await Promise.resolve();
    expect(woke).toEqual([500]);
    clock.set(10_000);
    await Promise.resolve();
    expect(woke).toEqual([500, 2000]);
    expect(clock.now()).toBe(10_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('rejects a sleep when its signal aborts', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });
});
