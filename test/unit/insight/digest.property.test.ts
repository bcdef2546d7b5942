// Digest arithmetic on generated histories (fast-check), plus worked examples: what each figure means, that order
// and repeats of the stored summaries change nothing, and that runs outside the period count only where they should.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DigestFigures,
  digestFigures,
  endedMs,
  type RunSummary,
  summarizeRun,
} from '../../../functions/core/insight/digest.js';
import type { Period } from '../../../functions/core/insight/periods.js';
import type { RunStatus } from '../../../functions/core/model.js';
import { aRun, aStep } from '../../support/builders.js';

const DAY = 86_400_000;
const START = Date.parse('2026-03-02T00:00:00.000Z');
const PREVIOUS: Period = { startMs: START, endMs: START + DAY };
const PERIOD: Period = { startMs: START + DAY, endMs: START + 2 * DAY };

const STATUSES: RunStatus[] = [
  'succeeded',
  'succeeded',
  'succeeded',
  'failed',
  'timeout',
  'abort',
  'not_started',
];

const summaryArb: fc.Arbitrary<RunSummary> = fc
  .record({
    id: fc.integer({ min: 0, max: 60 }),
    status: fc.constantFrom(...STATUSES),
    endOffset: fc.integer({ min: -DAY, max: 3 * DAY }),
    duration: fc.option(fc.integer({ min: 0, max: 7200 }), { nil: null }),
    step: fc.option(
      fc.record({ name: fc.constantFrom('Build', 'Install', 'Check'), seconds: fc.nat(3600) }),
      {
        nil: null,
      },
    ),
    endKnown: fc.boolean(),
  })
  .map(({ id, status, endOffset, duration, step, endKnown }) => {
    const end = new Date(START + endOffset).toISOString();
    return {
      recordId: `run-${String(id).padStart(3, '0')}`,
      status,
      startedAt: null,
      endedAt: endKnown ? end : null,
      at: end,
      durationSeconds: duration,
      executor: 'someone',
      slowestStep: step,
    };
  });

/** Histories of distinct runs (as the notifier records them: one summary per run). */
const historyArb = fc.uniqueArray(summaryArb, { selector: (s) => s.recordId, maxLength: 60 });

const figures = (history: RunSummary[]): DigestFigures => digestFigures(history, PERIOD, PREVIOUS);
const inPeriod = (history: RunSummary[], period = PERIOD) =>
  history.filter((s) => endedMs(s) >= period.startMs && endedMs(s) < period.endMs);

describe('digest arithmetic on generated histories', () => {
  it('counts, rates and durations describe exactly the runs that ended in the period', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const f = figures(history);
        const runs = inPeriod(history);
        expect(f.deployments).toBe(runs.length);
        expect(f.succeeded + f.unsuccessful).toBe(f.deployments);
        expect(f.succeeded).toBe(runs.filter((r) => r.status === 'succeeded').length);
        expect(f.previousDeployments).toBe(inPeriod(history, PREVIOUS).length);
        if (f.deployments === 0) expect(f.successRate).toBeNull();
        else expect(f.successRate).toBeCloseTo(f.succeeded / f.deployments, 12);
        const durations = runs.flatMap((r) => (r.durationSeconds === null ? [] : [r.durationSeconds]));
        if (durations.length === 0) {
          expect(f.medianSeconds).toBeNull();
          expect(f.slowestSeconds).toBeNull();
        } else {
          expect(f.slowestSeconds).toBe(Math.max(...durations));
          expect(f.medianSeconds).toBeGreaterThanOrEqual(Math.min(...durations));
          expect(f.medianSeconds).toBeLessThanOrEqual(f.slowestSeconds as number);
          // Half the runs took at most the median (rounding aside), half at least.
          const atMost = durations.filter((d) => d <= (f.medianSeconds as number) + 0.5).length;
          expect(atMost * 2).toBeGreaterThanOrEqual(durations.length);
        }
        const steps = runs.flatMap((r) => (r.slowestStep === null ? [] : [r.slowestStep.seconds]));
        expect(f.slowestStep?.seconds ?? null).toBe(steps.length === 0 ? null : Math.max(...steps));
      }),
    );
  });

  it('recoveries: each closes a run of failures inside the period; the task is failing at the end or not', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const f = figures(history);
        const before = history
          .filter((s) => endedMs(s) < PERIOD.endMs)
          .sort((a, b) => endedMs(a) - endedMs(b) || (a.recordId < b.recordId ? -1 : 1));
        // A recovery is a success in the period straight after an unsuccessful run.
        let expected = 0;
        before.forEach((run, i) => {
          const previous = before[i - 1];
          if (run.status === 'succeeded' && previous && previous.status !== 'succeeded') {
            if (endedMs(run) >= PERIOD.startMs) expected++;
          }
        });
        expect(f.recoveries).toBe(expected);
        expect(f.recoveries).toBeLessThanOrEqual(f.succeeded);
        if (f.recoveries === 0) expect(f.medianRecoverySeconds).toBeNull();
        else {
          expect(f.medianRecoverySeconds).toBeGreaterThanOrEqual(0);
          expect(f.medianRecoverySeconds).toBeLessThanOrEqual(f.longestRecoverySeconds as number);
        }
        const last = before.at(-1);
        expect(f.failingSince !== null).toBe(last !== undefined && last.status !== 'succeeded');
        if (f.failingSince !== null) expect(Date.parse(f.failingSince)).toBeLessThanOrEqual(endedMs(last!));
      }),
    );
  });

  it('neither the order of the summaries nor a run summed up twice changes anything', () => {
    fc.assert(
      fc.property(historyArb, fc.integer(), (history, seed) => {
        const shuffled = [...history].sort(
          (a, b) => ((a.recordId.charCodeAt(5) * seed) % 7) - ((b.recordId.charCodeAt(5) * seed) % 7),
        );
        const repeated = [
          ...history,
          ...history.slice(0, 5).map((s) => ({ ...s, at: '2000-01-01T00:00:00.000Z' })),
        ];
        expect(figures(shuffled)).toEqual(figures(history));
        expect(figures(repeated)).toEqual(figures(history));
      }),
    );
  });

  it('runs after the period change nothing; runs before it only the previous count and recoveries', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const upToEnd = history.filter((s) => endedMs(s) < PERIOD.endMs);
        expect(figures(upToEnd)).toEqual(figures(history));
      }),
    );
  });
});

describe('digest examples', () => {
  const run = (id: string, status: RunStatus, endIso: string, duration: number | null = 60): RunSummary => ({
    recordId: id,
    status,
    startedAt: null,
    endedAt: endIso,
    at: endIso,
    durationSeconds: duration,
    executor: 'alice',
    slowestStep: duration === null ? null : { name: `step of ${id}`, seconds: duration / 2 },
  });

  it('a day with a failure fixed two hours later', () => {
    const history = [
      run('a', 'succeeded', '2026-03-02T10:00:00.000Z'),
      run('b', 'succeeded', '2026-03-03T08:00:00.000Z', 100),
      run('c', 'failed', '2026-03-03T09:00:00.000Z', 30),
      run('d', 'failed', '2026-03-03T10:00:00.000Z', 40),
      run('e', 'succeeded', '2026-03-03T11:00:00.000Z', 300),
      run('f', 'succeeded', '2026-03-04T01:00:00.000Z'),
    ];
    expect(figures(history)).toEqual({
      deployments: 4,
      succeeded: 2,
      unsuccessful: 2,
      successRate: 0.5,
      medianSeconds: 70,
      slowestSeconds: 300,
      slowestStep: { name: 'step of e', seconds: 150, recordId: 'e' },
      recoveries: 1,
      medianRecoverySeconds: 7200,
      longestRecoverySeconds: 7200,
      failingSince: null,
      previousDeployments: 1,
    } satisfies DigestFigures);
  });

  it('a failure before the period, fixed in it, counts from the first failure', () => {
    const history = [
      run('a', 'failed', '2026-03-02T23:00:00.000Z'),
      run('b', 'succeeded', '2026-03-03T01:00:00.000Z'),
      run('c', 'timeout', '2026-03-03T22:00:00.000Z'),
    ];
    const f = figures(history);
    expect(f.recoveries).toBe(1);
    expect(f.medianRecoverySeconds).toBe(7200);
    expect(f.failingSince).toBe('2026-03-03T22:00:00.000Z');
  });

  it('an empty period', () => {
    expect(figures([])).toMatchObject({
      deployments: 0,
      successRate: null,
      medianSeconds: null,
      recoveries: 0,
    });
  });

  it('a run is summed up with its slowest step', () => {
    const summary = summarizeRun(
      aRun({
        status: 'failed',
        endedAt: '2026-03-03T10:00:00.000Z',
        steps: [
          aStep(0, { progress: 'done', elapsed: 12, name: 'Build' }),
          aStep(1, { progress: 'failed', elapsed: 40, name: '' }),
          aStep(2, { progress: 'pending' }),
        ],
      }),
      60,
      '2026-03-03T10:00:05.000Z',
    );
    expect(summary).toMatchObject({
      status: 'failed',
      durationSeconds: 60,
      slowestStep: { name: 'Step 2', seconds: 40 },
    });
  });
});
