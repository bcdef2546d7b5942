import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../functions/core/model.js';
import {
  applyDeliveries,
  applyObservation,
  applyUnwatch,
  applyWatch,
  hasBaseline,
  latestRunState,
  pendingBatches,
  RECENT_BATCHES_KEPT,
  subscriptionsWithPending,
} from '../../../functions/core/task-record.js';
import { aRun, aWatch } from '../../support/builders.js';

const NOW = '2026-11-28T10:00:00.000Z';
const created = () => applyWatch(null, aWatch(), NOW).record;
const withBatch = (record: TaskRecord, status: 'running' | 'succeeded' = 'running') =>
  applyObservation(
    record,
    {
      run: aRun({ status }),
      batch: {
        at: NOW,
        events: [{ type: 'run.started', recordId: aRun().recordId }],
        runs: [aRun({ status })],
      },
      health: record.health,
    },
    NOW,
  );

describe('task record transitions', () => {
  it('a verified watch takes the baseline; an unverified one leaves it to the first poll', () => {
    expect(hasBaseline(created())).toBe(true);
    expect(hasBaseline(applyWatch(null, aWatch({ verified: false, run: null }), NOW).record)).toBe(false);
  });

  it('a new channel starts after the batches already recorded', () => {
    const record = withBatch(created());
    const { record: next, outcome } = applyWatch(record, aWatch({ channel: 'C0000000002' }), NOW);
    expect(outcome).toBe('subscribed');
    expect(pendingBatches(next, 'C0000000002')).toEqual([]);
    expect(pendingBatches(next, 'C0123456789')).toHaveLength(1);
  });

  it('re-watching a broken channel clears the mark', () => {
    const record = applyDeliveries(
      withBatch(created()),
      [
        {
          channel: 'C0123456789',
          deliveredSeq: 0,
          messages: {},
          broken: { code: 'is_archived', message: 'archived' },
        },
      ],
      NOW,
    );
    expect(record.subscriptions.C0123456789?.broken?.code).toBe('is_archived');
    expect(subscriptionsWithPending(record)).toEqual([]);
    const { record: again, outcome } = applyWatch(record, aWatch(), NOW);
    expect(outcome).toBe('updated');
    expect(again.subscriptions.C0123456789?.broken).toBeNull();
  });

  it('every transition bumps the version by one', () => {
    const record = created();
    expect(record.version).toBe(1);
    expect(withBatch(record).version).toBe(2);
    expect(applyWatch(record, aWatch({ channel: 'C2' }), NOW).record.version).toBe(2);
  });

  it('prunes delivered batches into the recent history, bounded', () => {
    let record = created();
    for (let i = 0; i < RECENT_BATCHES_KEPT + 5; i++) {
      record = withBatch(record);
      record = applyDeliveries(
        record,
        [{ channel: 'C0123456789', deliveredSeq: record.lastSeq, messages: {} }],
        NOW,
      );
    }
    expect(record.outbox).toEqual([]);
    expect(record.recent).toHaveLength(RECENT_BATCHES_KEPT);
    expect(record.recent?.at(-1)?.seq).toBe(record.lastSeq);
  });

  it('keeps only the newest copy of a run in the outbox', () => {
    const record = withBatch(withBatch(created()), 'succeeded');
    expect(record.outbox).toHaveLength(2);
    expect(record.outbox[0]?.runs).toEqual([]);
    expect(latestRunState(record, aRun().recordId)?.status).toBe('succeeded');
  });

  it('never moves delivery progress backwards', () => {
    let record = withBatch(withBatch(created()));
    record = applyDeliveries(record, [{ channel: 'C0123456789', deliveredSeq: 2, messages: {} }], NOW);
    record = applyDeliveries(record, [{ channel: 'C0123456789', deliveredSeq: 1, messages: {} }], NOW);
    expect(record.subscriptions.C0123456789?.deliveredSeq).toBe(2);
  });

  it('removing the last channel removes the task', () => {
    const two = applyWatch(created(), aWatch({ channel: 'C2' }), NOW).record;
    expect(Object.keys(applyUnwatch(two, 'C2', NOW)?.subscriptions ?? {})).toEqual(['C0123456789']);
    expect(applyUnwatch(created(), 'C0123456789', NOW)).toBeNull();
    expect(applyUnwatch(two, undefined, NOW)).toBeNull();
  });
});
