import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RUN_STATUSES, type RunStatus, type StepProgress } from '../../../functions/core/model.js';
import {
  furthestProgress,
  inferStepProgress,
  type StepSignal,
  showsProgress,
} from '../../../functions/core/step-inference.js';

// Signals as letters: P enabled and showing progress, . enabled without progress,
// x disabled, X disabled yet showing progress (must still be ignored).
const signals = (text: string): StepSignal[] =>
  [...text].map((c) => ({ enabled: c === 'P' || c === '.', showsProgress: c === 'P' || c === 'X' }));

const LETTER: Record<StepProgress, string> = {
  pending: 'p',
  running: 'r',
  done: 'd',
  failed: 'f',
  skipped: 's',
};
const infer = (text: string, status: RunStatus): string =>
  inferStepProgress(signals(text), status)
    .map((p) => LETTER[p])
    .join('');

describe('showsProgress', () => {
  it.each([
    [{ currentOffset: 1, elapsed: 0 }, true],
    [{ currentOffset: 0, elapsed: 1 }, true],
    [{ currentOffset: 2048, elapsed: 3 }, true],
    [{ currentOffset: null, elapsed: 0.5 }, true],
    [{ currentOffset: 0, elapsed: 0 }, false],
    [{ currentOffset: null, elapsed: null }, false],
    [{ currentOffset: -5, elapsed: -1 }, false],
  ])('%j → %s', (step, expected) => {
    expect(showsProgress(step)).toBe(expected);
  });
});

describe('inferStepProgress', () => {
  it.each([
    // nothing has moved yet
    ['...', 'running', 'ppp'],
    ['...', 'pending', 'ppp'],
    // the first step shows progress: it is current
    ['P..', 'running', 'rpp'],
    // a later step started ⇒ earlier steps started and are done
    ['.P.', 'running', 'drp'],
    ['P.P', 'running', 'ddr'],
    ['PPP', 'running', 'ddr'],
    // a succeeded run: every enabled step is done, progress or not
    ['PPP', 'succeeded', 'ddd'],
    ['...', 'succeeded', 'ddd'],
    ['.x.', 'succeeded', 'dsd'],
    // a run that ended unsuccessfully fails its current step
    ['P..', 'failed', 'fpp'],
    ['PP.', 'failed', 'dfp'],
    ['PPP', 'failed', 'ddf'],
    ['.P.', 'timeout', 'dfp'],
    ['.P.', 'abort', 'dfp'],
    ['.P.', 'not_started', 'dfp'],
    // …and fails nothing when no step had started
    ['...', 'failed', 'ppp'],
    ['...', 'not_started', 'ppp'],
    // disabled steps are skipped and take no part, even with progress
    ['xP.', 'running', 'srp'],
    ['Px.', 'running', 'rsp'],
    ['PxP', 'running', 'dsr'],
    ['PX.', 'running', 'rsp'],
    ['.X.', 'running', 'psp'],
    ['PX.', 'failed', 'fsp'],
    ['Px', 'failed', 'fs'],
    ['xx', 'succeeded', 'ss'],
    ['xx', 'failed', 'ss'],
    // a status we do not know behaves like a run still going
    ['.P.', 'unknown', 'drp'],
    ['', 'running', ''],
  ] as const)('%j while %s → %s', (text, status, expected) => {
    expect(infer(text, status)).toBe(expected);
  });

  const statuses: readonly RunStatus[] = RUN_STATUSES;

  it('keeps its shape for any steps and status', () => {
    const arbSignal = fc.record({ enabled: fc.boolean(), showsProgress: fc.boolean() });
    fc.assert(
      fc.property(fc.array(arbSignal, { maxLength: 8 }), fc.constantFrom(...statuses), (steps, status) => {
        const out = inferStepProgress(steps, status);
        expect(out).toHaveLength(steps.length);
        // disabled ⇔ skipped
        out.forEach((p, i) => {
          expect(p === 'skipped').toBe(!steps[i]?.enabled);
        });
        const current = out.filter((p) => p === 'running' || p === 'failed');
        expect(current.length).toBeLessThanOrEqual(1);
        const active = out.filter((p) => p !== 'skipped');
        // done steps, then at most one current, then pending ones
        const order: Record<string, number> = { done: 0, running: 1, failed: 1, pending: 2 };
        const ranks = active.map((p) => order[p] ?? -1);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        if (status === 'succeeded') expect(active.every((p) => p === 'done')).toBe(true);
        if (['pending', 'running', 'unknown'].includes(status)) expect(out).not.toContain('failed');
        if (['failed', 'timeout', 'abort', 'not_started'].includes(status))
          expect(out).not.toContain('running');
        // the last enabled step with progress is exactly the current one (unless succeeded)
        const last = steps.findLastIndex((s) => s.enabled && s.showsProgress);
        if (status !== 'succeeded' && last >= 0) expect(['running', 'failed']).toContain(out[last]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('furthestProgress', () => {
  it.each([
    ['pending', 'running', 'running'],
    ['running', 'pending', 'running'],
    ['running', 'done', 'done'],
    ['done', 'running', 'done'],
    ['done', 'pending', 'done'],
    ['pending', 'failed', 'failed'],
    ['failed', 'running', 'failed'],
    // done and failed are both final: the first reached stays
    ['done', 'failed', 'done'],
    ['failed', 'done', 'failed'],
    ['skipped', 'running', 'running'],
    ['skipped', 'pending', 'pending'],
  ] as const)('%s then %s → %s', (a, b, expected) => {
    expect(furthestProgress(a, b)).toBe(expected);
  });
});
