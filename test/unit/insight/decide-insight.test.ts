// decidePoll: what insight adds to a poll's decision. Learning at a run's end, one stuck notice per run and step
// (repeated polls and a restart do not repeat it), the fix after failures, quiet-hours holds and their summary, and
// digests, each recorded once.
import { describe, expect, it } from 'vitest';
import {
  decidePoll,
  insightDueAt,
  RUN_SUMMARIES_KEPT,
  reportsDue,
} from '../../../functions/core/insight/decide-insight.js';
import type { RunSummary } from '../../../functions/core/insight/digest.js';
import type { RunState, StepState, TaskEvent, TaskRecord } from '../../../functions/core/model.js';
import { applyWatch } from '../../../functions/core/task-record.js';
import { aRun, aStep, aWatch } from '../../support/builders.js';

const T0 = Date.parse('2026-01-10T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A run `n` minutes after T0 with the given steps and status (record IDs in order). */
const runAt = (n: number, status: RunState['status'], steps: StepState[], endedMin?: number): RunState =>
  aRun({
    recordId: `run${String(n).padStart(4, '0')}`,
    status,
    stepsFinished: status !== 'running',
    startedAt: iso(T0 + n * MIN),
    endedAt: endedMin === undefined ? null : iso(T0 + endedMin * MIN),
    steps,
  });

const watched = (options: Partial<ReturnType<typeof aWatch>['options']> = {}): TaskRecord =>
  applyWatch(
    null,
    aWatch({ run: null, options: { notify: 'all', mode: 'thread', mentions: [], ...options } }),
    iso(T0 - 60 * MIN),
  ).record;

function poll(record: TaskRecord, run: RunState, atMs: number, summaries?: RunSummary[]) {
  const decision = decidePoll(record, { kind: 'run', run }, atMs, summaries ? { summaries } : {});
  return { decision, record: decision.next ?? record };
}

const finishedRun = (n: number, status: 'succeeded' | 'failed', seconds: [number, number]) =>
  runAt(
    n,
    status,
    [
      aStep(0, { progress: 'done', elapsed: seconds[0], name: 'Build' }),
      aStep(1, {
        progress: status === 'succeeded' ? 'done' : 'failed',
        elapsed: seconds[1],
        name: 'Install',
      }),
    ],
    n + 1,
  );

const types = (events: readonly TaskEvent[]) => events.map((e) => e.type);

describe('what a finished run teaches', () => {
  it('a run that ends is learned and summed up in the next slot; a repeated poll changes nothing', () => {
    let record = watched();
    ({ record } = poll(record, finishedRun(0, 'succeeded', [10, 30]), T0 + 2 * MIN));
    const second = poll(record, finishedRun(5, 'succeeded', [20, 50]), T0 + 7 * MIN);
    expect(second.decision.archive).toEqual([
      {
        slot: 1,
        summary: expect.objectContaining({ recordId: 'run0005', status: 'succeeded', durationSeconds: 60 }),
      },
    ]);
    record = second.record;
    expect(record.insight?.durations.runs).toBe(2);
    expect(record.insight?.summarized).toBe(2);
    expect(record.insight?.durations.steps.map((s) => [s.name, s.seconds])).toEqual([
      ['Build', [10, 20]],
      ['Install', [30, 50]],
    ]);
    expect(poll(record, finishedRun(5, 'succeeded', [20, 50]), T0 + 8 * MIN).decision.next).toBeNull();
  });

  it(`the summary slots go round in ${RUN_SUMMARIES_KEPT}`, () => {
    let record = watched();
    record = {
      ...record,
      insight: { durations: { steps: [], runs: 0 }, summarized: RUN_SUMMARIES_KEPT - 1 },
    };
    const { decision } = poll(record, finishedRun(0, 'succeeded', [1, 1]), T0 + 2 * MIN);
    expect(decision.archive.map((a) => a.slot)).toEqual([RUN_SUMMARIES_KEPT - 1]);
    const next = poll(decision.next as TaskRecord, finishedRun(5, 'failed', [1, 1]), T0 + 7 * MIN);
    expect(next.decision.archive.map((a) => a.slot)).toEqual([0]);
  });
});

describe('a step far past its usual time', () => {
  /** Two runs of 10 s + 30 s, then a third whose Install step hangs. */
  function history(): TaskRecord {
    let record = watched();
    ({ record } = poll(record, finishedRun(0, 'succeeded', [10, 30]), T0 + 2 * MIN));
    ({ record } = poll(record, finishedRun(5, 'succeeded', [10, 30]), T0 + 7 * MIN));
    return record;
  }
  const hanging = (elapsed: number | null) =>
    runAt(10, 'running', [
      aStep(0, { progress: 'done', elapsed: 10, name: 'Build' }),
      aStep(1, { progress: 'running', elapsed, name: 'Install', currentOffset: 10 }),
    ]);

  it('is called stuck once, after max(5 min, usual + 5 min, …), whatever CodeArts’ counter says', () => {
    let record = history();
    const seen = T0 + 10 * MIN;
    ({ record } = poll(record, hanging(0), seen));
    expect(record.insight?.running).toMatchObject({
      recordId: 'run0010',
      step: 1,
      since: iso(seen),
      stuck: null,
    });
    // Usual 30 s: stuck after 5 min 30 s. The counter stays at 0, as if CodeArts only moved it at the end.
    expect(poll(record, hanging(0), seen + 5 * MIN + 29_000).decision.next).toBeNull();
    const late = poll(record, hanging(0), seen + 5 * MIN + 30_000);
    expect(late.decision.events).toEqual([
      {
        type: 'step.stuck',
        recordId: 'run0010',
        step: 1,
        name: 'Install',
        runningSeconds: 330,
        usualSeconds: 30,
      },
    ]);
    record = late.record;
    expect(record.outbox.at(-1)?.runs.map((r) => r.recordId)).toEqual(['run0010']);
    // Duplicate polls, later polls and a worker restarted from the stored record: never again.
    expect(poll(record, hanging(0), seen + 6 * MIN).decision.events).toEqual([]);
    expect(poll(record, hanging(400), seen + 20 * MIN).decision.events).toEqual([]);
    expect(poll(structuredClone(record), hanging(0), seen + 30 * MIN).decision.events).toEqual([]);
    // Its end says it had been stuck.
    const ended = poll(
      record,
      runAt(
        10,
        'succeeded',
        [
          aStep(0, { progress: 'done', elapsed: 10, name: 'Build' }),
          aStep(1, { progress: 'done', elapsed: 1900, name: 'Install' }),
        ],
        42,
      ),
      seen + 32 * MIN,
    );
    const finish = ended.decision.events.find((e) => e.type === 'step.finished');
    expect(finish).toMatchObject({ step: 1, wasStuck: { usualSeconds: 30 } });
  });

  it('a counter that moves live calls it stuck as soon as it shows the time', () => {
    let record = history();
    ({ record } = poll(record, hanging(5), T0 + 10 * MIN));
    expect(types(poll(record, hanging(330), T0 + 10 * MIN + 10_000).decision.events)).toEqual(['step.stuck']);
  });

  it('a step with no history is never called stuck', () => {
    let record = watched();
    ({ record } = poll(record, hanging(0), T0 + 10 * MIN));
    expect(poll(record, hanging(0), T0 + 300 * MIN).decision.events).toEqual([]);
  });

  it('a stuck notice rides in the batch of the poll that sees it, with the poll’s other changes', () => {
    let record = history();
    const started = runAt(10, 'running', [
      aStep(0, { progress: 'running', elapsed: 1, name: 'Build' }),
      aStep(1, { progress: 'pending', name: 'Install' }),
    ]);
    ({ record } = poll(record, started, T0 + 10 * MIN));
    // Polls failed for a while: the next one sees Build finished and Install already running for 6 min.
    const { decision } = poll(record, hanging(360), T0 + 16 * MIN);
    expect(types(decision.events)).toEqual(['step.finished', 'step.started', 'step.stuck']);
    expect(decision.next?.outbox.at(-1)?.events.map((e) => e.type)).toEqual(types(decision.events));
  });
});

describe('the fix after failures', () => {
  it('the first success after failures carries the fix; the failed run is kept for its message', () => {
    let record = watched();
    ({ record } = poll(record, finishedRun(0, 'succeeded', [1, 1]), T0 + 2 * MIN));
    ({ record } = poll(record, finishedRun(5, 'failed', [1, 1]), T0 + 7 * MIN));
    expect(record.insight?.broken).toMatchObject({ since: iso(T0 + 6 * MIN), failedRuns: 1 });
    ({ record } = poll(record, finishedRun(10, 'failed', [1, 1]), T0 + 12 * MIN));
    const fixed = poll(record, finishedRun(15, 'succeeded', [1, 1]), T0 + 17 * MIN);
    const end = fixed.decision.events.find((e) => e.type === 'run.finished');
    expect(end).toMatchObject({
      recordId: 'run0015',
      fixes: { recordId: 'run0010', brokenSince: iso(T0 + 6 * MIN), failedRuns: 2 },
    });
    expect(fixed.record.outbox.at(-1)?.fixedRuns?.map((r) => r.recordId)).toEqual(['run0010']);
    expect(fixed.record.insight?.broken).toBeUndefined();
    // The next success is just a success.
    const next = poll(fixed.record, finishedRun(20, 'succeeded', [1, 1]), T0 + 22 * MIN);
    expect(next.decision.events.find((e) => e.type === 'run.finished')).not.toHaveProperty('fixes');
  });
});

describe('quiet hours and digests', () => {
  // 22:00–07:00 in Berlin: 21:00–06:00 UTC in January.
  const quietHours = { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' };
  const NIGHT = Date.parse('2026-01-10T23:00:00.000Z');
  const summary = (
    recordId: string,
    atMs: number,
    status: 'succeeded' | 'failed' = 'succeeded',
  ): RunSummary => ({
    recordId,
    status,
    startedAt: null,
    endedAt: iso(atMs),
    at: iso(atMs),
    durationSeconds: 60,
    executor: 'alice',
    slowestStep: null,
  });

  it('holds back what happens inside them, and sums it up once when they end', () => {
    let record = watched({ quietHours });
    const run = runAt(0, 'succeeded', [aStep(0, { progress: 'done', elapsed: 5 })]);
    ({ record } = poll(
      record,
      { ...run, startedAt: iso(NIGHT), endedAt: iso(NIGHT + MIN) },
      NIGHT + 2 * MIN,
    ));
    expect(record.insight?.channels?.C0123456789).toEqual({
      quietFrom: '2026-01-10T21:00:00.000Z',
      quietUntil: '2026-01-11T06:00:00.000Z',
    });
    expect(insightDueAt(record)).toBe('2026-01-11T06:00:00.000Z');
    expect(reportsDue(record, Date.parse('2026-01-11T05:59:00.000Z'))).toBe(false);
    const morning = Date.parse('2026-01-11T06:00:30.000Z');
    expect(reportsDue(record, morning)).toBe(true);
    const summaries = [
      summary('before', Date.parse('2026-01-10T20:00:00.000Z')),
      summary('run0000', NIGHT + 2 * MIN),
      summary('late', Date.parse('2026-01-11T03:00:00.000Z'), 'failed'),
    ];
    const { decision } = { decision: decidePoll(record, null, morning, { summaries }) };
    const report = decision.next?.outbox.at(-1)?.report;
    expect(report).toMatchObject({ kind: 'quiet', channel: 'C0123456789', total: 2, succeeded: 1 });
    expect(report?.kind === 'quiet' && report.runs.map((r) => r.recordId)).toEqual(['run0000', 'late']);
    const after = decision.next as TaskRecord;
    expect(after.insight?.channels).toBeUndefined();
    expect(reportsDue(after, morning + MIN)).toBe(false);
    expect(decidePoll(after, null, morning + MIN, { summaries }).next).toBeNull();
  });

  it('a failure inside them holds nothing back; anything else in the same poll does', () => {
    let record = watched({ quietHours });
    const running = runAt(0, 'running', [
      aStep(0, { progress: 'done', elapsed: 5, name: 'Build' }),
      aStep(1, { progress: 'running', elapsed: 1, name: 'Install' }),
    ]);
    // Started before the window: told as usual.
    ({ record } = poll(record, running, NIGHT - 3 * 60 * MIN));
    const failedSteps = [
      aStep(0, { progress: 'done', elapsed: 5, name: 'Build' }),
      aStep(1, { progress: 'failed', elapsed: 9, name: 'Install' }),
    ];
    const failed = poll(
      record,
      { ...running, status: 'failed', steps: failedSteps, endedAt: iso(NIGHT) },
      NIGHT,
    );
    expect(types(failed.decision.events)).toEqual(['step.failed', 'run.finished']);
    expect(failed.record.insight?.channels).toBeUndefined();
    // A new run starting in the night is held back.
    const next = poll(
      failed.record,
      runAt(600, 'running', [aStep(0, { progress: 'running', elapsed: 1 })]),
      NIGHT + MIN,
    );
    expect(next.record.insight?.channels?.C0123456789?.quietUntil).toBe('2026-01-11T06:00:00.000Z');
  });

  it('a digest is due once per period, after it ends, and waits for quiet hours to end', () => {
    const digest = { every: 'daily' as const, timeZone: 'Europe/Berlin' };
    const record = watched({ digest, quietHours });
    // Watched at 09:00 UTC on 10 January: the first period to sum up is 10 January (Berlin).
    expect(insightDueAt(record)).toBe('2026-01-10T23:00:00.000Z');
    const midnight = Date.parse('2026-01-10T23:00:30.000Z');
    expect(reportsDue(record, midnight)).toBe(false); // quiet until 07:00
    const morning = Date.parse('2026-01-11T06:00:30.000Z');
    expect(reportsDue(record, morning)).toBe(true);
    const summaries = [summary('a', Date.parse('2026-01-10T12:00:00.000Z'))];
    const next = decidePoll(record, null, morning, { summaries }).next as TaskRecord;
    const report = next.outbox.at(-1)?.report;
    expect(report).toMatchObject({
      kind: 'digest',
      every: 'daily',
      from: '2026-01-09T23:00:00.000Z',
      to: '2026-01-10T23:00:00.000Z',
      figures: { deployments: 1, successRate: 1 },
    });
    expect(next.insight?.channels?.C0123456789).toEqual({ digestThrough: '2026-01-10T23:00:00.000Z' });
    expect(reportsDue(next, morning + 60 * MIN)).toBe(false);
    expect(insightDueAt(next)).toBe('2026-01-11T23:00:00.000Z');
  });

  it('a broken channel and a gone task get nothing', () => {
    const digest = { every: 'daily' as const, timeZone: 'UTC' };
    const record = watched({ digest });
    const morning = Date.parse('2026-01-11T06:00:00.000Z');
    const sub = record.subscriptions.C0123456789!;
    const broken = {
      ...record,
      subscriptions: { C0123456789: { ...sub, broken: { code: 'x', message: 'x', at: '' } } },
    };
    expect(reportsDue(broken, morning)).toBe(false);
    expect(reportsDue({ ...record, health: { ...record.health, gone: true } }, morning)).toBe(false);
    expect(reportsDue(record, morning)).toBe(true);
  });
});
