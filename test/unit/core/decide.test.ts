import { describe, expect, it } from 'vitest';
import { decide, STALE_AFTER_FAILURES } from '../../../functions/core/decide.js';
import type { RunState, TaskRecord } from '../../../functions/core/model.js';
import type { Observation } from '../../../functions/core/observation.js';
import { applyWatch } from '../../../functions/core/task-record.js';
import { aWatch } from '../../support/builders.js';
import { rec, run, summary, TASK_ID } from './fixtures.js';

const NOW_MS = Date.parse('2025-07-09T03:40:00.000Z');
const AT = new Date(NOW_MS).toISOString();

/** A watched task whose stored run is `stored` (null: the task never ran), baselined at registration. */
const watched = (stored: RunState | null, health: Partial<TaskRecord['health']> = {}): TaskRecord => {
  const record = applyWatch(
    null,
    aWatch({ taskId: TASK_ID, run: stored }),
    '2025-07-09T03:00:00.000Z',
  ).record;
  return { ...record, health: { ...record.health, ...health } };
};
const seen = (
  observed: RunState,
  extra: Partial<Extract<Observation, { kind: 'run' }>> = {},
): Observation => ({
  kind: 'run',
  run: observed,
  ...extra,
});

describe('decide: a successful poll', () => {
  it.each<[string, RunState | null, Observation, string[], 'write' | 'none']>([
    ['nothing moved', run('A', 'running', 'rp'), seen(run('A', 'running', 'rp')), [], 'none'],
    [
      'a step finished and the next started',
      run('A', 'running', 'rp'),
      seen(run('A', 'running', 'dr')),
      ['A finished 0', 'A started 1'],
      'write',
    ],
    [
      'the run ended',
      run('A', 'running', 'dr'),
      seen(run('A', 'succeeded', 'dd')),
      ['A finished 1', 'A run.finished succeeded'],
      'write',
    ],
    [
      'a new run began after the stored one finished',
      run('A', 'succeeded', 'dd'),
      seen(run('B', 'running', 'rp', { startedAt: '2025-07-09T03:39:00.000Z' })),
      ['B run.started', 'B started 0'],
      'write',
    ],
    [
      'the first run of a task that had none',
      null,
      seen(run('A', 'running', 'rp')),
      ['A run.started', 'A started 0'],
      'write',
    ],
    [
      'a run came and went between polls, found in the history',
      run('A', 'succeeded', 'dd'),
      seen(run('C', 'running', 'pp', { startedAt: '2025-07-09T03:39:30.000Z' }), {
        missedAfter: rec('A'),
        missedRuns: [run('B', 'failed', 'df', { startedAt: '2025-07-09T03:38:00.000Z' })],
      }),
      [
        'B run.started',
        'B started 0',
        'B finished 0',
        'B started 1',
        'B failed 1',
        'B run.finished failed',
        'C run.started',
      ],
      'write',
    ],
  ])('%s', (_label, stored, observation, events, write) => {
    const decision = decide(watched(stored), observation, NOW_MS);
    expect(summary(decision.events)).toEqual(events);
    expect(decision.next === null ? 'none' : 'write').toBe(write);
    if (decision.next) {
      expect(decision.next.version).toBe(watched(stored).version + 1);
      expect(decision.next.health).toMatchObject({ lastSuccessAt: AT, consecutiveFailures: 0 });
      // Events go to the outbox as one batch, with the runs they are about.
      expect(decision.next.outbox.at(-1)?.events ?? []).toEqual(decision.events);
    }
  });

  it('counters that move every poll (elapsed time) are not worth a write on their own', () => {
    const stored = run('A', 'running', 'rp');
    const later = run('A', 'running', 'rp');
    later.steps![0]!.elapsed = 99;
    expect(decide(watched(stored), seen(later), NOW_MS).next).toBeNull();
  });

  it('takes the baseline, without events, on the first success of a watch CodeArts could not confirm', () => {
    const unconfirmed = watched(null, { lastSuccessAt: null });
    const decision = decide(unconfirmed, seen(run('A', 'running', 'dr')), NOW_MS);
    expect(decision.events).toEqual([]);
    expect(decision.next?.run?.recordId).toBe(rec('A'));
    expect(decision.next?.outbox).toEqual([]);
  });

  it('keeps the project ID a poll had to look up, with the change it came with', () => {
    const decision = decide(
      watched(run('A', 'succeeded', 'dd')),
      seen(run('B', 'running', 'pp', { startedAt: '2025-07-09T03:39:00.000Z' }), {
        projectId: 'f'.repeat(32),
      }),
      NOW_MS,
    );
    expect(decision.next?.projectId).toBe('f'.repeat(32));
  });

  it('measures how long after CodeArts’ own times a run start and end were seen', () => {
    const decision = decide(
      watched(run('A', 'succeeded', 'dd')),
      seen(
        run('B', 'succeeded', 'dd', {
          startedAt: '2025-07-09T03:39:00.000Z',
          endedAt: '2025-07-09T03:39:30.000Z',
        }),
      ),
      NOW_MS,
    );
    expect(decision.detectionLagsMs.sort((a, b) => a - b)).toEqual([30_000, 60_000]);
  });
});

describe('decide: the task or its run gone', () => {
  it('ends a running run once, as unknown, when the task is deleted, with a notice', () => {
    const decision = decide(
      watched(run('A', 'running', 'rp')),
      { kind: 'gone', code: 'Deploy.00011020' },
      NOW_MS,
    );
    expect(summary(decision.events)).toEqual(['A run.finished unknown']);
    expect(decision.next?.health.gone).toBe(true);
    expect(decision.next?.outbox.at(-1)?.notice).toEqual({ kind: 'task-gone', code: 'Deploy.00011020' });
    const again = decide(decision.next!, { kind: 'gone', code: 'Deploy.00011020' }, NOW_MS);
    expect(again.next).toBeNull();
  });

  it('ends the followed run as unknown when its record vanished and nothing took its place', () => {
    const decision = decide(watched(run('A', 'running', 'rp')), { kind: 'run-gone' }, NOW_MS);
    expect(summary(decision.events)).toEqual(['A run.finished unknown']);
    expect(decision.next?.run).toBeNull();
  });

  it('writes nothing when CodeArts says there is no run and nothing else changed', () => {
    expect(decide(watched(null), { kind: 'no-run' }, NOW_MS).next).toBeNull();
  });
});

describe('decide: a failed poll', () => {
  const failed: Observation = { kind: 'failed', error: 'server: 503' };

  it('records health only, never the snapshot, and says "stale" after repeated failures', () => {
    let record = watched(run('A', 'running', 'rp'));
    const refreshes: Array<string | null> = [];
    for (let i = 0; i < STALE_AFTER_FAILURES; i++) {
      const decision = decide(record, failed, NOW_MS + i * 10_000);
      expect(decision.events).toEqual([]);
      expect(decision.next?.run).toEqual(record.run);
      refreshes.push(decision.refreshRecordId);
      record = decision.next!;
    }
    expect(record.health.consecutiveFailures).toBe(STALE_AFTER_FAILURES);
    expect(record.health.staleSince).not.toBeNull();
    // The living message is redrawn once: when the notice appears.
    expect(refreshes).toEqual([null, null, rec('A')]);
  });

  it('stops writing once the count is capped, so an outage costs no write per poll', () => {
    let record = watched(run('A', 'running', 'rp'));
    for (let i = 0; i <= STALE_AFTER_FAILURES; i++) record = decide(record, failed, NOW_MS).next ?? record;
    expect(decide(record, failed, NOW_MS).next).toBeNull();
  });

  it('clears the stale notice on recovery, and redraws the run that showed it', () => {
    const stale = watched(run('A', 'running', 'rp'), {
      consecutiveFailures: 4,
      staleSince: '2025-07-09T03:30:00.000Z',
      lastError: 'server: 503',
    });
    const decision = decide(stale, seen(run('A', 'running', 'rp')), NOW_MS);
    expect(decision.next?.health).toMatchObject({ staleSince: null, consecutiveFailures: 0 });
    expect(decision.refreshRecordId).toBe(rec('A'));
  });
});
