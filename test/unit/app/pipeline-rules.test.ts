// The small rules the pipeline turns on: which tasks a tick polls, when a polled task comes back, who may tell
// Slack about a task, and what the watch index says about it.
import { describe, expect, it } from 'vitest';
import type { TaskPollResult } from '../../../functions/app/poll/poll-task.js';
import { followUp } from '../../../functions/app/worker/follow-up.js';
import type { TaskRecord } from '../../../functions/core/model.js';
import { duePolls, type TickPlan, tickOf } from '../../../functions/core/planning.js';
import {
  applyObservation,
  applyWatch,
  claimForDelivery,
  isRunActive,
  pendingSince,
  releaseDeliveryClaim,
} from '../../../functions/core/task-record.js';
import type { PollMessage, WatchIndexEntry } from '../../../functions/ports.js';
import { aRun, aWatch } from '../../support/builders.js';

const NOW = 1_800_000_000_000;
const entry = (taskId: string, extra: Partial<WatchIndexEntry> = {}): WatchIndexEntry => ({
  taskId,
  region: 'cn-north-4',
  projectId: null,
  active: false,
  pending: false,
  pendingSince: null,
  gone: false,
  feed: null,
  ...extra,
});
/** A tick with the change feed off: every task is polled. */
const feedOff = (extra: Partial<TickPlan> = {}): TickPlan => ({
  tick: '2027-01-15T08:00:00.000Z',
  atMs: NOW,
  intervalSeconds: 60,
  untilMs: NOW + 60_000,
  delaySeconds: 0,
  sweepMinutes: null,
  ...extra,
});

describe('duePolls and tickOf', () => {
  it('polls every watched task each tick, and only delivers for a gone task while its notice is pending', () => {
    const plan = feedOff();
    const polls = duePolls(
      [
        entry('a'.repeat(32)),
        entry('b'.repeat(32), { gone: true, pending: true }),
        entry('c'.repeat(32), { gone: true }),
      ],
      plan,
      new Map(),
    );
    expect(polls.map((p) => [p.message.taskId[0], p.message.observe])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    for (const poll of polls) expect(poll.message).toMatchObject({ until: plan.untilMs, tick: plan.tick });
  });

  it('waits out a CodeArts pause the fleet is under', () => {
    const polls = duePolls([entry('a'.repeat(32))], feedOff({ delaySeconds: 42 }), new Map());
    expect(polls[0]?.delaySeconds).toBe(42);
  });

  it('names a tick by its scheduled time, or by the start of the period it falls in', () => {
    expect(tickOf('2027-01-15T08:01:00Z', NOW, 60)).toEqual({
      id: '2027-01-15T08:01:00.000Z',
      atMs: Date.parse('2027-01-15T08:01:00Z'),
    });
    const unscheduled = tickOf(undefined, Date.parse('2027-01-15T08:01:59.500Z'), 60);
    expect(unscheduled.id).toBe('2027-01-15T08:01:00.000Z');
    expect(tickOf('not a time', Date.parse('2027-01-15T08:01:59Z'), 60).id).toBe('2027-01-15T08:01:00.000Z');
  });
});

describe('followUp', () => {
  const message: PollMessage = { taskId: 'a'.repeat(32), observe: true, until: NOW + 60_000, tick: 't' };
  const result = (extra: Partial<TaskPollResult>): TaskPollResult => ({
    taskId: message.taskId,
    status: 'done',
    polled: true,
    events: 0,
    detectionLagsMs: [],
    writes: 0,
    deliveries: [],
    failure: null,
    throttled: false,
    active: false,
    retryAt: null,
    ...extra,
  });

  it.each<[string, Partial<TaskPollResult>, number, { observe: boolean; delaySeconds: number } | null]>([
    ['an idle task waits for the next tick', {}, NOW, null],
    [
      'a running deployment comes back after ACTIVE_POLL_SECONDS',
      { active: true },
      NOW,
      { observe: true, delaySeconds: 10 },
    ],
    ['but not at or past the next tick', { active: true }, NOW + 50_000, null],
    [
      'a rate-limited delivery comes back after Retry-After, to deliver only',
      { retryAt: NOW + 3_000 },
      NOW,
      { observe: false, delaySeconds: 3 },
    ],
    [
      'a poll CodeArts throttled comes back after the pause, to poll',
      { status: 'paused', retryAt: NOW + 4_500 },
      NOW,
      { observe: true, delaySeconds: 5 },
    ],
    [
      'whichever is sooner',
      { active: true, retryAt: NOW + 30_000 },
      NOW,
      { observe: true, delaySeconds: 10 },
    ],
    ['an unwatched task never', { status: 'unwatched', active: true }, NOW, null],
  ])('%s', (_label, polled, now, expected) => {
    const next = followUp(message, result(polled), now, 10);
    expect(next === null ? null : { observe: next.message.observe, delaySeconds: next.delaySeconds }).toEqual(
      expected,
    );
    if (next) expect(next.message).toMatchObject({ taskId: message.taskId, until: message.until, tick: 't' });
  });

  it('never re-polls when active polling is off', () => {
    expect(followUp(message, result({ active: true }), NOW, 0)).toBeNull();
  });
});

describe('the delivery claim', () => {
  const at = '2027-01-15T08:00:00.000Z';
  const withPending = (): TaskRecord =>
    applyObservation(
      applyWatch(null, aWatch(), at).record,
      {
        run: aRun(),
        batch: { at, events: [{ type: 'run.started', recordId: aRun().recordId }], runs: [aRun()] },
        health: applyWatch(null, aWatch(), at).record.health,
      },
      at,
    );
  const claim = (by: string, nowMs = NOW) => ({ by, nowMs, untilMs: nowMs + 35_000 });

  it('is taken with the write that records the changes, only when there is something to tell', () => {
    const record = withPending();
    const taken = claimForDelivery(record, null, null, claim('w1'));
    expect(taken.claimed).toBe(true);
    expect(taken.next?.deliveryClaim).toEqual({ by: 'w1', until: NOW + 35_000 });
    expect(taken.next?.version).toBe(record.version + 1);
    const idle = applyWatch(null, aWatch(), at).record;
    expect(claimForDelivery(idle, null, null, claim('w1'))).toEqual({ next: null, claimed: false });
  });

  it('is refused while another worker holds it, and free again once it has lapsed', () => {
    const held = claimForDelivery(withPending(), null, null, claim('w1')).next!;
    expect(claimForDelivery(held, null, null, claim('w2')).claimed).toBe(false);
    expect(claimForDelivery(held, null, null, claim('w2', NOW + 36_000)).claimed).toBe(true);
  });

  it('is given back by its holder only', () => {
    const held = claimForDelivery(withPending(), null, null, claim('w1')).next!;
    expect(releaseDeliveryClaim(held, 'w2').deliveryClaim).toEqual(held.deliveryClaim);
    expect(releaseDeliveryClaim(held, 'w1').deliveryClaim).toBeUndefined();
  });
});

describe('what the watch index says about a task', () => {
  it('a run in progress is active; pending changes carry when the oldest was recorded', () => {
    const at = '2027-01-15T08:00:00.000Z';
    const idle = applyWatch(null, aWatch({ run: aRun({ status: 'succeeded' }) }), at).record;
    expect(isRunActive(idle)).toBe(false);
    expect(pendingSince(idle)).toBeNull();
    const running = applyObservation(
      idle,
      {
        run: aRun(),
        batch: { at, events: [{ type: 'run.started', recordId: aRun().recordId }], runs: [aRun()] },
        health: idle.health,
      },
      at,
    );
    expect(isRunActive(running)).toBe(true);
    expect(pendingSince(running)).toBe(at);
    expect(isRunActive({ ...running, health: { ...running.health, gone: true } })).toBe(false);
  });
});
