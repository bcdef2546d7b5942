import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectChanges, mergeRun, needsBackfill } from '../../../functions/core/changes.js';
import {
  RUN_STATUSES,
  type RunState,
  type RunStatus,
  type StepProgress,
} from '../../../functions/core/model.js';
import { normaliseStateResponse } from '../../../functions/core/normalise.js';
import { DOC_FINISHED_BODY, DOC_RUNNING_BODY } from '../../support/state-bodies.js';
import { letters, rec, run, steps, summary, TIME_ZONE } from './fixtures.js';

describe('detectChanges: the first observation is a baseline', () => {
  it.each([
    ['a running run', run('A', 'running', 'drp')],
    ['a finished run', run('A', 'succeeded', 'ddd')],
    ['a failed run', run('A', 'failed', 'df')],
    ['a run without steps', run('A', 'running', null)],
  ])('records %s without replaying history', (_label, observed) => {
    const result = detectChanges({ stored: null, observed });
    expect(result).toEqual({ run: observed, events: [], endedRun: null });
  });
});

describe('detectChanges: the same run again', () => {
  it.each<[string, RunState, RunState, string[], string | null]>([
    ['nothing moved', run('A', 'running', 'drp'), run('A', 'running', 'drp'), [], 'drp'],
    ['a step starts', run('A', 'running', 'ppp'), run('A', 'running', 'rpp'), ['A started 0'], 'rpp'],
    [
      'a step finishes as the next starts',
      run('A', 'running', 'rpp'),
      run('A', 'running', 'drp'),
      ['A finished 0', 'A started 1'],
      'drp',
    ],
    [
      'a step starts and finishes between polls',
      run('A', 'running', 'ppp'),
      run('A', 'running', 'ddr'),
      ['A started 0', 'A finished 0', 'A started 1', 'A finished 1', 'A started 2'],
      'ddr',
    ],
    [
      'the run succeeds',
      run('A', 'running', 'dr'),
      run('A', 'succeeded', 'dd'),
      ['A finished 1', 'A run.finished succeeded'],
      'dd',
    ],
    [
      'the run starts and succeeds between polls',
      run('A', 'pending', 'ppp'),
      run('A', 'succeeded', 'ddd'),
      [
        'A started 0',
        'A finished 0',
        'A started 1',
        'A finished 1',
        'A started 2',
        'A finished 2',
        'A run.finished succeeded',
      ],
      'ddd',
    ],
    [
      'the running step fails',
      run('A', 'running', 'drp'),
      run('A', 'failed', 'dfp'),
      ['A failed 1', 'A run.finished failed'],
      'dfp',
    ],
    [
      'a pending step fails',
      run('A', 'running', 'rpp'),
      run('A', 'failed', 'dfp'),
      ['A finished 0', 'A started 1', 'A failed 1', 'A run.finished failed'],
      'dfp',
    ],
    [
      'the run times out',
      run('A', 'running', 'rp'),
      run('A', 'timeout', 'fp'),
      ['A failed 0', 'A run.finished timeout'],
      'fp',
    ],
    [
      'the run is aborted',
      run('A', 'running', 'rp'),
      run('A', 'abort', 'fp'),
      ['A failed 0', 'A run.finished abort'],
      'fp',
    ],
    [
      'the run is cancelled',
      run('A', 'running', 'rp'),
      run('A', 'not_started', 'fp'),
      ['A failed 0', 'A run.finished not_started'],
      'fp',
    ],
    [
      'the run fails before any step started',
      run('A', 'pending', 'pp'),
      run('A', 'failed', 'pp'),
      ['A run.finished failed'],
      'pp',
    ],
    [
      'disabled steps are never reported',
      run('A', 'running', 'spp'),
      run('A', 'succeeded', 'sds'),
      ['A started 1', 'A finished 1', 'A run.finished succeeded'],
      'sds',
    ],
    // monotone: a noisier observation never takes anything back
    ['a step does not go backwards', run('A', 'running', 'dr'), run('A', 'running', 'rp'), [], 'dr'],
    [
      'done stays done when failure follows',
      run('A', 'running', 'dr'),
      run('A', 'failed', 'fp'),
      ['A failed 1', 'A run.finished failed'],
      'df',
    ],
    ['a finished run stays finished', run('A', 'succeeded', 'dd'), run('A', 'running', 'dr'), [], 'dd'],
    ['a failed run does not succeed later', run('A', 'failed', 'df'), run('A', 'succeeded', 'dd'), [], 'df'],
    [
      'steps missing from a shorter list keep their state',
      run('A', 'running', 'drp'),
      run('A', 'running', 'r'),
      [],
      'drp',
    ],
    [
      'steps appearing as reached are reported',
      run('A', 'running', 'r'),
      run('A', 'running', 'dr'),
      ['A finished 0', 'A started 1'],
      'dr',
    ],
    [
      'an answer without steps keeps the stored ones',
      run('A', 'running', 'dr'),
      run('A', 'running', null),
      [],
      'dr',
    ],
    [
      'success without steps finishes the stored ones',
      run('A', 'running', 'drp'),
      run('A', 'succeeded', null),
      ['A finished 1', 'A started 2', 'A finished 2', 'A run.finished succeeded'],
      'ddd',
    ],
    [
      'failure without steps fails the current one',
      run('A', 'running', 'drp'),
      run('A', 'failed', null),
      ['A failed 1', 'A run.finished failed'],
      'dfp',
    ],
    [
      'a run without steps until now reports them all',
      run('A', 'running', null),
      run('A', 'running', 'dr'),
      ['A started 0', 'A finished 0', 'A started 1'],
      'dr',
    ],
    [
      'an unknown status is not an ending',
      run('A', 'running', 'rp'),
      run('A', 'unknown', 'dr'),
      ['A finished 0', 'A started 1'],
      'dr',
    ],
    [
      'a run finishing without steps at all',
      run('A', 'running', null),
      run('A', 'abort', null),
      ['A run.finished abort'],
      null,
    ],
  ])('%s', (_label, stored, observed, expected, stepsAfter) => {
    const result = detectChanges({ stored, observed });
    expect(summary(result.events)).toEqual(expected);
    expect(letters(result.run)).toBe(stepsAfter);
    expect(result.endedRun).toBeNull();
  });

  it('writes nothing when nothing moved', () => {
    expect(
      detectChanges({ stored: run('A', 'running', 'drp'), observed: run('A', 'running', 'drp') }),
    ).toEqual({
      run: run('A', 'running', 'drp'),
      events: [],
      endedRun: null,
    });
  });

  it('carries step details in the events', () => {
    const observed = run('A', 'failed', 'df');
    const s1 = observed.steps?.[1];
    if (!s1) throw new Error('fixture');
    s1.faqUrl = 'https://support.huaweicloud.com/faq';
    s1.name = 'Start Tomcat';
    const result = detectChanges({ stored: run('A', 'running', 'rp'), observed });
    expect(result.events).toEqual([
      { type: 'step.finished', recordId: rec('A'), step: 0, name: 'Step 1', elapsed: 10 },
      { type: 'step.started', recordId: rec('A'), step: 1, name: 'Start Tomcat' },
      {
        type: 'step.failed',
        recordId: rec('A'),
        step: 1,
        name: 'Start Tomcat',
        faqUrl: 'https://support.huaweicloud.com/faq',
      },
      { type: 'run.finished', recordId: rec('A'), status: 'failed', durationSeconds: null },
    ]);
  });

  it.each<[string, string | null, string | null, number | null]>([
    ['from start and end', '2025-07-09T03:36:28.000Z', '2025-07-09T03:36:43.000Z', 15],
    ['unknown without an end', '2025-07-09T03:36:28.000Z', null, null],
    ['unknown without a start', null, '2025-07-09T03:36:43.000Z', null],
    [
      'unknown when the end is before the start',
      '2025-07-09T03:36:43.000Z',
      '2025-07-09T03:36:28.000Z',
      null,
    ],
  ])('gives the run duration %s', (_label, startedAt, endedAt, expected) => {
    const result = detectChanges({
      stored: run('A', 'running', 'r', { startedAt }),
      observed: run('A', 'succeeded', 'd', { startedAt, endedAt }),
    });
    expect(result.events.at(-1)).toEqual({
      type: 'run.finished',
      recordId: rec('A'),
      status: 'succeeded',
      durationSeconds: expected,
    });
  });

  it.each<[string, Partial<RunState>]>([
    ['the elapsed time of a step moved', {}],
    ['the task was renamed', { taskName: 'gateway-prod-2' }],
    ['the end time appeared', { endedAt: '2025-07-09T03:40:00.000Z' }],
    ['the executor changed', { executor: 'someone' }],
  ])('keeps the latest details without an event when %s', (_label, extra) => {
    const stored = run('A', 'running', 'dr');
    const observed = run('A', 'running', 'dr', extra);
    const s = observed.steps?.[1];
    if (s && Object.keys(extra).length === 0) s.elapsed = 99;
    const result = detectChanges({ stored, observed });
    expect(result.events).toEqual([]);
    expect(result.run).toEqual(observed);
  });

  it('sees no change in a stored snapshot whose keys come back in another order', () => {
    const stored = run('A', 'running', 'dr');
    const reordered = JSON.parse(
      JSON.stringify(
        stored,
        Object.keys(stored)
          .sort()
          .concat(Object.keys(stored.steps?.[0] ?? {}).sort()),
      ),
    ) as RunState;
    const result = detectChanges({ stored: reordered, observed: run('A', 'running', 'dr') });
    expect(result.events).toEqual([]);
    expect(result.run).toEqual(stored);
  });
});

describe('detectChanges: a different run', () => {
  const at = (time: string) => ({ startedAt: `2025-07-09T${time}:00.000Z` });

  it.each<[string, RunState, RunState]>([
    [
      'an older run than the stored one',
      run('B', 'running', 'rp', at('12:00')),
      run('A', 'succeeded', 'dd', at('11:00')),
    ],
    [
      'an older run while the stored one is finished',
      run('B', 'failed', 'fp', at('12:00')),
      run('A', 'running', 'rp', at('11:59')),
    ],
  ])('ignores %s (a stale answer)', (_label, stored, observed) => {
    expect(needsBackfill(stored, observed)).toBe(false);
    expect(detectChanges({ stored, observed, previousRunFinal: null })).toEqual({
      run: stored,
      events: [],
      endedRun: null,
    });
  });

  it.each<[string, RunState, RunState, RunState | null | undefined, string[], RunStatus | null]>([
    [
      'after a finished run: reported from the start',
      run('A', 'succeeded', 'dd', at('11:00')),
      run('B', 'running', 'rp', at('12:00')),
      undefined,
      ['B run.started', 'B started 0'],
      null,
    ],
    [
      'that started and finished between two polls',
      run('A', 'failed', 'fp', at('11:00')),
      run('B', 'succeeded', 'dsd', at('12:00')),
      undefined,
      [
        'B run.started',
        'B started 0',
        'B finished 0',
        'B started 2',
        'B finished 2',
        'B run.finished succeeded',
      ],
      null,
    ],
    [
      'that has not started a step',
      run('A', 'succeeded', 'dd', at('11:00')),
      run('B', 'pending', 'pp', at('12:00')),
      undefined,
      ['B run.started'],
      null,
    ],
    [
      'while the stored run was going: the refetched record says it succeeded',
      run('A', 'running', 'rp', at('11:00')),
      run('B', 'running', 'rp', at('12:00')),
      run('A', 'succeeded', 'dd', at('11:00')),
      [
        'A finished 0',
        'A started 1',
        'A finished 1',
        'A run.finished succeeded',
        'B run.started',
        'B started 0',
      ],
      'succeeded',
    ],
    [
      'while the stored run was going: the refetched record says it failed',
      run('A', 'running', 'rpp', at('11:00')),
      run('B', 'running', 'pp', at('12:00')),
      run('A', 'failed', 'dfp', at('11:00')),
      ['A finished 0', 'A started 1', 'A failed 1', 'A run.finished failed', 'B run.started'],
      'failed',
    ],
    [
      'while the stored run was going: its record is gone',
      run('A', 'running', 'rp', at('11:00')),
      run('B', 'running', 'rp', at('12:00')),
      null,
      ['A run.finished unknown', 'B run.started', 'B started 0'],
      'unknown',
    ],
    [
      'while the stored run was going: it was not refetched',
      run('A', 'running', 'rp', at('11:00')),
      run('B', 'succeeded', 'd', at('12:00')),
      undefined,
      ['A run.finished unknown', 'B run.started', 'B started 0', 'B finished 0', 'B run.finished succeeded'],
      'unknown',
    ],
    [
      'while the stored run was going: the refetched record is still going',
      run('A', 'running', 'rpp', at('11:00')),
      run('B', 'running', 'pp', at('12:00')),
      run('A', 'running', 'drp', at('11:00')),
      ['A finished 0', 'A started 1', 'A run.finished unknown', 'B run.started'],
      'unknown',
    ],
    [
      'while the stored run was going: the refetched record is another run',
      run('A', 'running', 'rp', at('11:00')),
      run('B', 'running', 'pp', at('12:00')),
      run('C', 'succeeded', 'dd', at('11:30')),
      ['A run.finished unknown', 'B run.started'],
      'unknown',
    ],
    [
      'with start times unknown',
      run('A', 'running', 'r', { startedAt: null }),
      run('B', 'running', 'r', at('10:00')),
      null,
      ['A run.finished unknown', 'B run.started', 'B started 0'],
      'unknown',
    ],
  ])('reports a new run %s', (_label, stored, observed, previousRunFinal, expected, endedStatus) => {
    expect(needsBackfill(stored, observed)).toBe(endedStatus !== null);
    const result = detectChanges({ stored, observed, previousRunFinal });
    expect(summary(result.events)).toEqual(expected);
    expect(result.run).toEqual(observed);
    expect(result.endedRun?.status ?? null).toBe(endedStatus);
    if (result.endedRun) expect(result.endedRun.recordId).toBe(stored.recordId);
  });

  it('returns the ended run merged, for its living message', () => {
    const stored = run('A', 'running', 'rp', { startedAt: '2025-07-09T03:00:00.000Z' });
    const final = run('A', 'succeeded', 'dd', {
      startedAt: '2025-07-09T03:00:00.000Z',
      endedAt: '2025-07-09T03:01:40.000Z',
    });
    const result = detectChanges({ stored, observed: run('B', 'running', 'p'), previousRunFinal: final });
    expect(result.endedRun).toEqual(mergeRun(stored, final));
    expect(result.events[3]).toEqual({
      type: 'run.finished',
      recordId: rec('A'),
      status: 'succeeded',
      durationSeconds: 100,
    });
  });
});

describe('needsBackfill', () => {
  it.each<[string, boolean, RunState | null, RunState]>([
    ['no stored run', false, null, run('A', 'running', 'r')],
    ['the same run', false, run('A', 'running', 'r'), run('A', 'succeeded', 'd')],
    ['a new run while the stored one runs', true, run('A', 'running', 'r'), run('B', 'running', 'r')],
    ['a new run while the stored one is queued', true, run('A', 'pending', 'p'), run('B', 'running', 'r')],
    ['a new run while the stored one is unknown', true, run('A', 'unknown', 'p'), run('B', 'running', 'r')],
    ['a new run after the stored one finished', false, run('A', 'timeout', 'f'), run('B', 'running', 'r')],
  ])('%s → %s', (_label, expected, stored, observed) => {
    expect(needsBackfill(stored, observed)).toBe(expected);
  });
});

describe('mergeRun', () => {
  it('lets the latest name, counters, FAQ link, executor and end time win when present', () => {
    const before = run('A', 'running', 'rp');
    const after = run('A', 'failed', 'fp', {
      taskName: 'renamed',
      executor: '',
      endedAt: '2025-07-09T04:00:00.000Z',
      steps: steps('fp').map((s, i) =>
        i === 0
          ? { ...s, name: 'Install JDK', elapsed: 42, currentOffset: 9000, faqUrl: 'https://faq' }
          : { ...s, name: '' },
      ),
    });
    const merged = mergeRun(before, after);
    expect(merged.taskName).toBe('renamed');
    expect(merged.executor).toBe('devcloud_test');
    expect(merged.endedAt).toBe('2025-07-09T04:00:00.000Z');
    expect(merged.steps?.[0]).toMatchObject({
      name: 'Install JDK',
      elapsed: 42,
      currentOffset: 9000,
      faqUrl: 'https://faq',
      progress: 'failed',
    });
    expect(merged.steps?.[1]).toMatchObject({ name: 'Step 2', progress: 'pending' });
  });

  it('keeps values the latest answer lacks', () => {
    const before = run('A', 'running', 'r', { endedAt: null });
    const after = run('A', 'running', 'r', { startedAt: null, taskName: '' });
    const s = after.steps?.[0];
    if (s) Object.assign(s, { elapsed: null, currentOffset: null, faqUrl: null });
    const merged = mergeRun(before, after);
    expect(merged.startedAt).toBe(before.startedAt);
    expect(merged.taskName).toBe('gateway-prod');
    expect(merged.steps?.[0]).toMatchObject({ elapsed: 10, currentOffset: 100, progress: 'running' });
  });

  it('keeps a step that began visible even if a later answer disables it', () => {
    const merged = mergeRun(run('A', 'running', 'rp'), run('A', 'running', 'sp'));
    expect(merged.steps?.[0]).toMatchObject({ enabled: true, progress: 'running' });
  });

  it('refreshes what a finished run shows without moving it', () => {
    const before = run('A', 'failed', 'df');
    const after = run('A', 'running', 'ddr', { taskName: 'renamed' });
    const merged = mergeRun(before, after);
    expect(merged.status).toBe('failed');
    expect(letters(merged)).toBe('df');
    expect(merged.taskName).toBe('renamed');
  });

  const order: Record<StepProgress, number> = { skipped: -1, pending: 0, running: 1, done: 2, failed: 2 };
  const statuses: readonly RunStatus[] = RUN_STATUSES;
  const arbRun = fc
    .record({
      status: fc.constantFrom(...statuses),
      steps: fc.option(fc.stringMatching(/^[prdfs]{0,5}$/), { nil: null }),
    })
    .map(({ status, steps: s }) => run('A', status, s));

  it('never moves a step backwards and keeps a terminal status, for any two observations', () => {
    fc.assert(
      fc.property(arbRun, arbRun, (before, after) => {
        const merged = mergeRun(before, after);
        if (['succeeded', 'failed', 'timeout', 'abort', 'not_started'].includes(before.status)) {
          expect(merged.status).toBe(before.status);
        } else {
          expect(merged.status).toBe(after.status);
        }
        before.steps?.forEach((b, i) => {
          const m = merged.steps?.[i];
          expect(m).toBeDefined();
          if (!m) return;
          if (b.progress === 'done' || b.progress === 'failed') expect(m.progress).toBe(b.progress);
          // a step not yet begun may still turn out disabled; one that began only moves forward
          else if (b.progress === 'running') expect(order[m.progress]).toBeGreaterThanOrEqual(order.running);
        });
        expect(mergeRun(merged, after)).toEqual(merged);
      }),
      { numRuns: 500 },
    );
  });

  it('is a no-op on a normalised observation merged with itself', () => {
    for (const body of [DOC_FINISHED_BODY, DOC_RUNNING_BODY]) {
      const observed = normaliseStateResponse(body, { timeZone: TIME_ZONE });
      expect(mergeRun(observed, observed)).toEqual(observed);
    }
  });
});
