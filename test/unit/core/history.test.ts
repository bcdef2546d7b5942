import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectChanges } from '../../../functions/core/changes.js';
import {
  type HistoryRecord,
  historyDates,
  historyReachesBack,
  NO_RUN_SKEW_MS,
  noRunAnchor,
  parseHistory,
  selectMissedRuns,
} from '../../../functions/core/history.js';
import { MalformedStateError } from '../../../functions/core/normalise.js';
import { rec, run, summary, TIME_ZONE } from './fixtures.js';

/** The history answer as CodeArts documents it. */
const DOC_HISTORY = {
  result: [
    {
      execution_id: '2c82ffe8d00d4968a4e5f7a36d87ae17',
      state: 'succeeded',
      duration: '00:00:15',
      operator: 'devcloud_test',
      nickname: 'A/B side account',
      start_time: '2025-07-09 11:36:28',
      end_time: '2025-07-09 11:36:43',
      release_id: 61640,
      type: 'deploy',
    },
  ],
  total_num: 1,
};

const at = (minute: number): string => new Date(Date.UTC(2025, 6, 9, 3, minute)).toISOString();
const entry = (letter: string, minute: number, releaseId: number | null): HistoryRecord => ({
  recordId: rec(letter),
  state: 'succeeded',
  startedAt: at(minute),
  releaseId,
});

describe('parseHistory', () => {
  it('reads the documented answer, times in the configured zone', () => {
    expect(parseHistory(DOC_HISTORY, { timeZone: TIME_ZONE })).toEqual({
      records: [
        {
          recordId: '2c82ffe8d00d4968a4e5f7a36d87ae17',
          state: 'succeeded',
          startedAt: '2025-07-09T03:36:28.000Z',
          releaseId: 61640,
        },
      ],
      total: 1,
    });
  });

  it('is tolerant of string release IDs, unknown states, missing times and a missing total', () => {
    const page = parseHistory(
      { result: [{ execution_id: rec('a'), state: 'weird', release_id: '7' }] },
      { timeZone: TIME_ZONE },
    );
    expect(page).toEqual({
      records: [{ recordId: rec('a'), state: 'unknown', startedAt: null, releaseId: 7 }],
      total: 1,
    });
  });

  it.each([
    ['not an object', [], 'body'],
    ['no result list', { result: {} }, 'result'],
    ['an entry that is not an object', { result: [1] }, 'result[0]'],
    ['an entry without an ID', { result: [{ state: 'running' }] }, 'result[0].execution_id'],
    ['an ID of the wrong shape', { result: [{ execution_id: 'abc' }] }, 'result[0].execution_id'],
  ])('refuses %s', (_name, body, field) => {
    expect(() => parseHistory(body, { timeZone: TIME_ZONE })).toThrow(
      expect.objectContaining({ name: 'MalformedStateError', field }),
    );
  });

  it('fuzz: any JSON value parses or throws MalformedStateError, nothing else', () => {
    const check = (body: unknown) => {
      try {
        const page = parseHistory(body, { timeZone: TIME_ZONE });
        for (const r of page.records) expect(r.recordId).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(Number.isInteger(page.total)).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedStateError);
      }
    };
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withBoxedValues: true }), check),
      { numRuns: 500 },
    );
    const field = fc.oneof(fc.anything(), fc.constant(rec('a')), fc.constant('2025-07-09 11:36:28'));
    const entries = fc.array(
      fc.record(
        { execution_id: field, state: field, start_time: field, release_id: fc.oneof(fc.integer(), field) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(entries, fc.anything(), (result, total) => check({ result, total_num: total })),
      {
        numRuns: 500,
      },
    );
  });
});

describe('historyDates', () => {
  const ms = (iso: string) => Date.parse(iso);

  it('spans the stored run’s day to today, in CodeArts’ zone', () => {
    // 2025-07-08T20:00Z is already 2025-07-09 at +08:00.
    expect(historyDates(ms('2025-07-08T20:00:00Z'), ms('2025-07-10T01:00:00Z'), TIME_ZONE)).toEqual({
      startDate: '2025-07-09',
      endDate: '2025-07-10',
      clamped: false,
    });
  });

  it('clamps to the 30-day span the API allows, and when the start is unknown', () => {
    expect(historyDates(ms('2025-01-01T00:00:00Z'), ms('2025-07-10T01:00:00Z'), TIME_ZONE)).toEqual({
      startDate: '2025-06-10',
      endDate: '2025-07-10',
      clamped: true,
    });
    expect(historyDates(null, ms('2025-07-10T01:00:00Z'), TIME_ZONE).startDate).toBe('2025-06-10');
    expect(historyDates(Number.NaN, ms('2025-07-10T01:00:00Z'), TIME_ZONE).startDate).toBe('2025-06-10');
  });

  it('never starts after it ends (a stored start ahead of our clock)', () => {
    const dates = historyDates(ms('2025-07-12T00:00:00Z'), ms('2025-07-10T01:00:00Z'), TIME_ZONE);
    expect(dates.startDate <= dates.endDate).toBe(true);
  });
});

describe('selectMissedRuns', () => {
  const stored = run('A', 'succeeded', null, { startedAt: at(0) });
  const observed = run('E', 'running', null, { startedAt: at(40) });

  it('finds the runs strictly between the stored and the observed run, oldest first (newest-first history)', () => {
    const history = [
      entry('e', 40, 5),
      entry('d', 30, 4),
      entry('c', 20, 3),
      entry('b', 10, 2),
      entry('a', 0, 1),
    ];
    expect(selectMissedRuns(history, stored, observed)).toEqual({
      recordIds: [rec('b'), rec('c'), rec('d')],
      dropped: 0,
    });
  });

  it('orders by release_id when the history gives both ends, even against start times', () => {
    // Same second starts: only release_id tells them apart.
    const history = [
      entry('e', 40, 9),
      entry('c', 0, 8),
      entry('b', 0, 7),
      entry('a', 0, 6),
      entry('z', 0, 5),
    ];
    expect(selectMissedRuns(history, { ...stored, startedAt: at(0) }, observed).recordIds).toEqual([
      rec('b'),
      rec('c'),
    ]);
  });

  it('falls back to start times when an end is not in the history', () => {
    const history = [entry('c', 20, 3), entry('b', 10, 2), entry('z', -5, 1)];
    expect(selectMissedRuns(history, stored, observed).recordIds).toEqual([rec('b'), rec('c')]);
  });

  it('leaves out a run it cannot place, and a run newer than the observed one', () => {
    const history = [
      entry('f', 50, null),
      entry('e', 40, null),
      { ...entry('x', 20, null), startedAt: null },
      entry('b', 10, null),
    ];
    expect(selectMissedRuns(history, stored, observed).recordIds).toEqual([rec('b')]);
  });

  it('keeps the newest runs beyond the limit and says how many were dropped', () => {
    const history = [
      entry('e', 40, 5),
      entry('d', 30, 4),
      entry('c', 20, 3),
      entry('b', 10, 2),
      entry('a', 0, 1),
    ];
    expect(selectMissedRuns(history, stored, observed, 2)).toEqual({
      recordIds: [rec('c'), rec('d')],
      dropped: 1,
    });
  });

  it('anchored at a time the task had no run: every run since (allowing for skew) up to the observed one', () => {
    const anchor = noRunAnchor(at(30));
    expect(Date.parse(anchor.startedAt ?? '')).toBe(Date.parse(at(30)) - NO_RUN_SKEW_MS);
    const history = [entry('e', 40, 9), entry('d', 35, 8), entry('c', 21, 7), entry('b', 10, 6)];
    expect(selectMissedRuns(history, anchor, observed).recordIds).toEqual([rec('c'), rec('d')]);
    expect(noRunAnchor('not a time').startedAt).toBeNull();
    expect(selectMissedRuns(history, noRunAnchor('not a time'), observed).recordIds).toEqual([]);
  });

  it('counts a record listed twice once', () => {
    const history = [entry('b', 10, 2), entry('b', 10, 2)];
    expect(selectMissedRuns(history, stored, observed).recordIds).toEqual([rec('b')]);
  });
});

describe('historyReachesBack', () => {
  const stored = run('A', 'succeeded', null, { startedAt: at(10) });
  it('stops at the stored run, at a run older than it, at the total or on a short page', () => {
    expect(historyReachesBack([entry('b', 20, 2)], [entry('b', 20, 2)], 5, 1, stored)).toBe(false);
    expect(historyReachesBack([entry('a', 10, 1)], [entry('a', 10, 1)], 5, 1, stored)).toBe(true);
    expect(historyReachesBack([entry('z', 5, 1)], [entry('z', 5, 1)], 5, 1, stored)).toBe(true);
    expect(historyReachesBack([entry('b', 20, 2)], [entry('b', 20, 2)], 1, 1, stored)).toBe(true);
    expect(historyReachesBack([entry('b', 20, 2)], [entry('b', 20, 2)], 5, 2, stored)).toBe(true);
  });
});

describe('detectChanges with missed runs', () => {
  it('reports each missed run in full between the end of the stored run and the start of the new one', () => {
    const result = detectChanges({
      stored: run('A', 'running', 'dr'),
      observed: run('D', 'running', 'rp'),
      previousRunFinal: run('A', 'succeeded', 'dd'),
      missedRuns: [run('B', 'failed', 'df'), run('C', 'succeeded', 'dd')],
    });
    expect(summary(result.events)).toEqual([
      'A finished 1',
      'A run.finished succeeded',
      'B run.started',
      'B started 0',
      'B finished 0',
      'B started 1',
      'B failed 1',
      'B run.finished failed',
      'C run.started',
      'C started 0',
      'C finished 0',
      'C started 1',
      'C finished 1',
      'C run.finished succeeded',
      'D run.started',
      'D started 0',
    ]);
    expect(result.missedRuns?.map((r) => r.recordId)).toEqual([rec('b'), rec('c')]);
  });

  it('ends a missed run that is somehow still going once, as unknown, and ignores the stored or observed run', () => {
    const result = detectChanges({
      stored: run('A', 'succeeded', 'd'),
      observed: run('C', 'running', 'r'),
      missedRuns: [run('A', 'succeeded', 'd'), run('B', 'running', 'r'), run('C', 'running', 'r')],
    });
    expect(summary(result.events)).toEqual([
      'B run.started',
      'B started 0',
      'B run.finished unknown',
      'C run.started',
      'C started 0',
    ]);
  });

  it('adds nothing to the result when there are none', () => {
    const result = detectChanges({ stored: run('A', 'succeeded', 'd'), observed: run('B', 'running', 'r') });
    expect(result).not.toHaveProperty('missedRuns');
  });
});
