import { describe, expect, it } from 'vitest';
import { applyActionOutcome, markExecuting, planAction } from '../../../functions/core/action-outcomes.js';
import {
  ACTION_EXPIRY_MS,
  type ActionRequest,
  actionableRequests,
  actionKindOf,
  applyPress,
  DONE_ACTIONS_KEPT,
  hasPendingActions,
  judgePress,
  MAX_PENDING_ACTIONS,
  type Press,
  pressKey,
  REPEAT_WINDOW_MS,
} from '../../../functions/core/actions.js';
import type { TaskRecord } from '../../../functions/core/model.js';
import { applyObservation, applyWatch } from '../../../functions/core/task-record.js';
import { aRun, aWatch, RECORD_ID, TASK_ID } from '../../support/builders.js';

const CHANNEL = 'C0123456789';
const OPERATOR = 'U0OPERATOR1';
const STRANGER = 'U0STRANGER1';
const GROUP = 'S0OPSGROUP1';
const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const OLDER = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

const watched = (operators: string[], run = aRun()): TaskRecord =>
  applyWatch(
    null,
    aWatch({ run, options: { notify: 'all', mode: 'thread', mentions: [], operators } }),
    at(0),
  ).record;

const press = (over: Partial<Press> = {}): Press => ({
  kind: 'stop',
  taskId: TASK_ID,
  recordId: RECORD_ID,
  channel: CHANNEL,
  user: OPERATOR,
  team: 'T0TEAM0001',
  responseUrl: 'https://hooks.slack.com/actions/T0TEAM0001/1/abc',
  ...over,
});

const stored = (record: TaskRecord, p = press(), groupCheck = false, ms = 0) =>
  applyPress(record, p, groupCheck, at(ms));

describe('who may press', () => {
  it('names the action IDs the buttons carry', () => {
    expect(
      ['codearts.stop', 'codearts.rerun', 'codearts.rollback', 'codearts.nope'].map(actionKindOf),
    ).toEqual(['stop', 'rerun', 'rollback', null]);
  });

  it('stores an operator named directly, refuses a stranger when no user groups are named', () => {
    const record = watched([OPERATOR]);
    expect(judgePress(record, press(), T0)).toEqual({ verdict: 'store', groupCheck: false });
    expect(judgePress(record, press({ user: STRANGER }), T0)).toEqual({
      verdict: 'refuse',
      reason: 'not-allowed',
    });
  });

  it('leaves a stranger to the user-group check when the watch names a group', () => {
    expect(judgePress(watched([GROUP]), press({ user: STRANGER }), T0)).toEqual({
      verdict: 'store',
      groupCheck: true,
    });
  });

  it('refuses on a watch without operators, or a channel that does not watch the task', () => {
    expect(judgePress(watched([]), press(), T0)).toEqual({ verdict: 'refuse', reason: 'no-operators' });
    expect(judgePress(watched([OPERATOR]), press({ channel: 'C0OTHER0001' }), T0)).toEqual({
      verdict: 'refuse',
      reason: 'not-watched',
    });
    expect(judgePress(null, press(), T0)).toEqual({ verdict: 'refuse', reason: 'not-watched' });
  });

  it('answers a double click, a retry or a second operator with the request already stored', () => {
    const { record, request } = stored(watched([OPERATOR, 'U0OPERATOR2']));
    expect(judgePress(record, press(), T0)).toEqual({ verdict: 'known', request });
    expect(judgePress(record, press({ user: 'U0OPERATOR2' }), T0)).toEqual({ verdict: 'known', request });
    // Re-run and roll back from the same run are one start: whichever came first is the one.
    const started = stored(record, press({ kind: 'rerun' })).record;
    expect(judgePress(started, press({ kind: 'rollback' }), T0)).toMatchObject({ verdict: 'known' });
    expect(pressKey('rerun', RECORD_ID)).toBe(pressKey('rollback', RECORD_ID));
  });

  it('lets someone else, or the same person later, try again after a press came to nothing', () => {
    const { record } = stored(watched([OPERATOR, 'U0OPERATOR2']));
    const key = pressKey('stop', RECORD_ID);
    const refused = applyActionOutcome(
      record,
      key,
      { kind: 'refused', reason: 'throttled', code: 'APIG.0308' },
      { state: 'pending' },
      at(1000),
    )!;
    expect(judgePress(refused, press(), T0 + 2000)).toMatchObject({ verdict: 'known' });
    expect(judgePress(refused, press({ user: 'U0OPERATOR2' }), T0 + 2000)).toMatchObject({
      verdict: 'store',
    });
    expect(judgePress(refused, press(), T0 + 1000 + REPEAT_WINDOW_MS)).toMatchObject({ verdict: 'store' });
    // A press that did something stays the answer for good.
    const stopped = applyActionOutcome(record, key, { kind: 'stopped' }, { state: 'pending' }, at(1000))!;
    expect(judgePress(stopped, press({ user: 'U0OPERATOR2' }), T0 + 3_600_000)).toMatchObject({
      verdict: 'known',
    });
  });

  it('refuses more presses than a task may have waiting', () => {
    let record = watched([OPERATOR]);
    for (let i = 0; i < MAX_PENDING_ACTIONS; i++) {
      record = stored(record, press({ recordId: `${String(i).padStart(2, '0')}${'b'.repeat(30)}` })).record;
    }
    expect(judgePress(record, press(), T0)).toEqual({ verdict: 'refuse', reason: 'busy' });
  });
});

describe('what a worker does with a press', () => {
  const latest = (status: 'running' | 'succeeded' | 'failed', recordId = RECORD_ID) =>
    aRun({ recordId, status, rawStatus: status });
  const plan = (record: TaskRecord, request: ActionRequest, over = {}) =>
    planAction(record, request, { nowMs: T0 + 1000, latest: null, ...over });

  it('stops the run the button was on while it runs, and answers that it ended otherwise', () => {
    const { record, request } = stored(watched([OPERATOR]));
    expect(plan(record, request, { latest: latest('running') })).toEqual({
      plan: { call: 'stop', recordId: RECORD_ID },
    });
    expect(plan(record, request, { latest: latest('succeeded') })).toEqual({
      outcome: { kind: 'stale', why: 'ended', status: 'succeeded' },
    });
    // A newer run is the latest: runs of a task go one at a time, so this one has ended.
    expect(plan(record, request, { latest: latest('running', OLDER) })).toMatchObject({
      outcome: { kind: 'stale', why: 'ended' },
    });
  });

  it('re-runs a finished run, never one still going', () => {
    const { record, request } = stored(watched([OPERATOR]), press({ kind: 'rerun' }));
    expect(plan(record, request, { latest: latest('failed') })).toEqual({
      plan: { call: 'rerun', recordId: RECORD_ID },
    });
    expect(plan(record, request, { latest: latest('running') })).toEqual({
      outcome: { kind: 'stale', why: 'running' },
    });
  });

  it('rolls a failed run back to the last success, and says so when there is none', () => {
    const failed = latest('failed');
    const { record, request } = stored(watched([OPERATOR], failed), press({ kind: 'rollback' }));
    expect(plan(record, request, { latest: failed })).toEqual({
      outcome: { kind: 'stale', why: 'no-success' },
    });
    const withSuccess = { ...record, lastSucceeded: { recordId: OLDER, endedAt: null } };
    expect(plan(withSuccess, request, { latest: failed })).toEqual({
      plan: { call: 'rollback', recordId: RECORD_ID, toRecordId: OLDER },
    });
  });

  it('checks a presser against the user groups, and against the watch as it is now', () => {
    const { record, request } = stored(watched([GROUP]), press({ user: STRANGER }), true);
    const running = { latest: latest('running') };
    expect(plan(record, request, { ...running, groups: { members: [STRANGER] } })).toMatchObject({
      plan: {},
    });
    expect(plan(record, request, { ...running, groups: { members: ['U0SOMEONE1'] } })).toEqual({
      outcome: { kind: 'not-allowed' },
    });
    expect(plan(record, request, { ...running, groups: { members: null } })).toEqual({
      outcome: { kind: 'unchecked' },
    });
    const sub = record.subscriptions[CHANNEL]!;
    const noLonger = { ...record, subscriptions: { [CHANNEL]: { ...sub, operators: ['U0OPERATOR2'] } } };
    expect(plan(noLonger, request, running)).toEqual({ outcome: { kind: 'not-allowed' } });
  });

  it('lets a press expire when no worker could act on it in time', () => {
    const { record, request } = stored(watched([OPERATOR]));
    expect(planAction(record, request, { nowMs: T0 + ACTION_EXPIRY_MS + 1, latest: null })).toEqual({
      outcome: { kind: 'expired' },
    });
  });

  it('marks a request executing once: a second worker finds it taken, and a lapsed one is reported, not redone', () => {
    const { record } = stored(watched([OPERATOR]));
    const key = pressKey('stop', RECORD_ID);
    const taken = markExecuting(record, key, 'worker-1', T0 + 30_000, at(1));
    expect(taken?.actions?.[key]).toMatchObject({ state: 'executing', executing: { by: 'worker-1' } });
    expect(markExecuting(taken!, key, 'worker-2', T0 + 30_000, at(2))).toBeNull();
    expect(actionableRequests(taken!, T0 + 1000)).toEqual([]);
    expect(actionableRequests(taken!, T0 + 30_000).map((r) => r.key)).toEqual([key]);
    expect(
      applyActionOutcome(taken!, key, { kind: 'stopped' }, { state: 'executing', by: 'worker-2' }, at(3)),
    ).toBeNull();
  });

  it('records the outcome: the request done, the audit trail, and a note for the channel when a run moved', () => {
    const { record } = stored(watched([OPERATOR]), press({ kind: 'rerun' }));
    const key = pressKey('rerun', RECORD_ID);
    const taken = markExecuting(record, key, 'worker-1', T0 + 30_000, at(1))!;
    const done = applyActionOutcome(
      taken,
      key,
      { kind: 'started', newRecordId: OLDER },
      { state: 'executing', by: 'worker-1' },
      at(2),
    )!;
    expect(done.version).toBe(taken.version + 1);
    expect(done.actions?.[key]).toMatchObject({ state: 'done', outcome: { kind: 'started' } });
    expect(done.actions?.[key]?.executing).toBeUndefined();
    expect(hasPendingActions(done)).toBe(false);
    expect(done.audit?.at(-1)).toEqual({
      at: at(2),
      via: 'slack',
      by: OPERATOR,
      team: 'T0TEAM0001',
      action: 'rerun',
      channel: CHANNEL,
      detail: `run=${RECORD_ID} started new=${OLDER}`,
    });
    expect(done.lastSeq).toBe(taken.lastSeq + 1);
    expect(done.outbox.at(-1)).toEqual({
      seq: done.lastSeq,
      at: at(2),
      events: [],
      runs: [],
      action: {
        key,
        kind: 'rerun',
        channel: CHANNEL,
        user: OPERATOR,
        recordId: RECORD_ID,
        newRecordId: OLDER,
      },
    });
    // A refusal is answered to the presser only: no note.
    const refused = applyActionOutcome(record, key, { kind: 'not-allowed' }, { state: 'pending' }, at(2))!;
    expect(refused.lastSeq).toBe(record.lastSeq);
    expect(refused.audit?.at(-1)?.detail).toBe(`run=${RECORD_ID} refused=not-operator`);
  });

  it('keeps only the last few finished requests', () => {
    let record = watched([OPERATOR]);
    for (let i = 0; i < DONE_ACTIONS_KEPT + 3; i++) {
      const recordId = `${String(i).padStart(2, '0')}${'c'.repeat(30)}`;
      record = stored(record, press({ recordId }), false, i).record;
      record = applyActionOutcome(
        record,
        pressKey('stop', recordId),
        { kind: 'expired' },
        { state: 'pending' },
        at(i),
      )!;
    }
    expect(Object.keys(record.actions ?? {})).toHaveLength(DONE_ACTIONS_KEPT);
    expect(record.actions?.[pressKey('stop', `00${'c'.repeat(30)}`)]).toBeUndefined();
  });
});

describe('the last run that succeeded', () => {
  it('is kept by the record as runs finish', () => {
    const record = watched([OPERATOR], aRun({ recordId: OLDER }));
    const succeeded = aRun({ status: 'succeeded', rawStatus: 'succeeded', endedAt: at(60_000) });
    const next = applyObservation(
      record,
      {
        run: succeeded,
        batch: {
          at: at(60_000),
          events: [{ type: 'run.finished', recordId: RECORD_ID, status: 'succeeded', durationSeconds: 60 }],
          runs: [succeeded],
        },
        health: record.health,
      },
      at(60_000),
    );
    expect(next.lastSucceeded).toEqual({ recordId: RECORD_ID, endedAt: at(60_000) });
    const failed = aRun({ recordId: OLDER, status: 'failed', rawStatus: 'failed' });
    const after = applyObservation(
      next,
      {
        run: failed,
        batch: {
          at: at(90_000),
          events: [{ type: 'run.finished', recordId: OLDER, status: 'failed', durationSeconds: 5 }],
          runs: [failed],
        },
        health: next.health,
      },
      at(90_000),
    );
    expect(after.lastSucceeded).toEqual({ recordId: RECORD_ID, endedAt: at(60_000) });
  });
});

describe('operators on a watch', () => {
  it('are stored, changed, and recorded in the audit trail', () => {
    const actor = { via: 'api', key: 'ci' } as const;
    const first = applyWatch(
      null,
      aWatch({
        actor,
        options: { notify: 'all', mode: 'thread', mentions: [], operators: [OPERATOR, GROUP] },
      }),
      at(0),
    );
    expect(first.record.subscriptions[CHANNEL]?.operators).toEqual([OPERATOR, GROUP]);
    expect(first.record.audit?.at(-1)?.detail).toBe(`notify=all mode=thread operators=${OPERATOR},${GROUP}`);
    const same = applyWatch(
      first.record,
      aWatch({
        actor,
        options: { notify: 'all', mode: 'thread', mentions: [], operators: [OPERATOR, GROUP] },
      }),
      at(1),
    );
    expect(same.outcome).toBe('unchanged');
    const cleared = applyWatch(first.record, aWatch({ actor }), at(2));
    expect(cleared.outcome).toBe('updated');
    expect(cleared.record.subscriptions[CHANNEL]?.operators).toBeUndefined();
  });
});
