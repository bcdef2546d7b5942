// core → what a worker does with a press stored by the api (core/actions.ts): whether it still fits the run and
// the presser (a plan for the one CodeArts call, or the outcome to answer with), marking it as being executed, and
// recording what came of it: the audit trail, and a note for the channel's thread in the outbox. Pure.
import {
  ACTION_EXPIRY_MS,
  type ActionNote,
  type ActionOutcome,
  type ActionRequest,
  DONE_ACTIONS_KEPT,
  operatorsOf,
  presserStanding,
} from './actions.js';
import { type AuditEntry, isTerminal, type OutboxBatch, type RunState, type TaskRecord } from './model.js';
import { appendAudit, auditEntry } from './trust.js';

const bump = (record: TaskRecord, now: string): TaskRecord => ({
  ...record,
  version: record.version + 1,
  updatedAt: now,
});

/** What a worker asks CodeArts for one request. */
export type ActionPlan =
  | { call: 'stop'; recordId: string }
  | { call: 'rerun'; recordId: string }
  | { call: 'rollback'; recordId: string; toRecordId: string };

/** Whether the presser may act, when it took a user-group check to know: the groups' members, or null if unreadable. */
export interface GroupCheck {
  members: readonly string[] | null;
}

/**
 * What to do with a pending request, on the freshest knowledge of the task: `latest` is the run CodeArts reported
 * at this poll (null: not asked, or no answer), else the stored snapshot stands. Either a plan for the one CodeArts
 * call, or the outcome to answer with instead.
 */
export function planAction(
  record: TaskRecord,
  request: ActionRequest,
  context: { nowMs: number; latest: RunState | null; groups?: GroupCheck },
): { plan: ActionPlan } | { outcome: ActionOutcome } {
  if (context.nowMs - Date.parse(request.requestedAt) > ACTION_EXPIRY_MS)
    return { outcome: { kind: 'expired' } };
  const subscription = record.subscriptions[request.channel];
  if (subscription === undefined) return { outcome: { kind: 'stale', why: 'not-watched' } };
  // The operators may have changed since the press: it is the watch as it is now that decides.
  const operators = operatorsOf(subscription);
  const standing = presserStanding(operators, request.user);
  if (standing === 'refused') return { outcome: { kind: 'not-allowed' } };
  if (standing === 'groups') {
    const members = context.groups?.members;
    if (members === undefined || members === null) return { outcome: { kind: 'unchecked' } };
    if (!members.includes(request.user)) return { outcome: { kind: 'not-allowed' } };
  }
  if (record.health.gone) return { outcome: { kind: 'stale', why: 'task-gone' } };
  const run = knownRun(record, request.recordId, context.latest);
  const latestId = context.latest?.recordId ?? record.run?.recordId ?? null;
  switch (request.kind) {
    case 'stop': {
      // Runs of a task go one at a time: a run that is no longer the latest has ended.
      if (latestId !== request.recordId)
        return { outcome: { kind: 'stale', why: 'ended', status: run?.status ?? null } };
      if (run === null || isTerminal(run.status)) {
        return { outcome: { kind: 'stale', why: 'ended', status: run?.status ?? null } };
      }
      return { plan: { call: 'stop', recordId: request.recordId } };
    }
    case 'rerun':
      if (run !== null && !isTerminal(run.status)) return { outcome: { kind: 'stale', why: 'running' } };
      return { plan: { call: 'rerun', recordId: request.recordId } };
    case 'rollback': {
      if (run !== null && !isTerminal(run.status)) return { outcome: { kind: 'stale', why: 'running' } };
      const target = record.lastSucceeded?.recordId;
      if (target === undefined || target === request.recordId) {
        return { outcome: { kind: 'stale', why: 'no-success' } };
      }
      return { plan: { call: 'rollback', recordId: request.recordId, toRecordId: target } };
    }
  }
}

/** The run of `recordId` as best known: this poll's answer, else the snapshot or the outbox. */
function knownRun(record: TaskRecord, recordId: string, latest: RunState | null): RunState | null {
  if (latest?.recordId === recordId) return latest;
  if (record.run?.recordId === recordId) return record.run;
  for (let i = record.outbox.length - 1; i >= 0; i--) {
    const run = record.outbox[i]?.runs.find((r) => r.recordId === recordId);
    if (run) return run;
  }
  return null;
}

/**
 * Marks a pending request as being executed by `by` until `untilMs`; null when it is not pending any more (another
 * worker took it, or it is done). Written before CodeArts is called, conditionally, so only one worker calls.
 */
export function markExecuting(record: TaskRecord, key: string, by: string, untilMs: number, now: string) {
  const request = record.actions?.[key];
  if (request?.state !== 'pending') return null;
  const executing: ActionRequest = { ...request, state: 'executing', executing: { by, until: untilMs } };
  return { ...bump(record, now), actions: { ...record.actions, [key]: executing } };
}

const AUDIT_DETAIL: Record<ActionOutcome['kind'], string> = {
  stopped: 'stopped',
  started: 'started',
  'not-allowed': 'refused=not-operator',
  stale: 'not done',
  refused: 'refused by CodeArts',
  unknown: 'outcome unknown',
  expired: 'expired',
  unchecked: 'refused=groups-unreadable',
};

function auditDetail(request: ActionRequest, outcome: ActionOutcome): string {
  const parts = [`run=${request.recordId}`, AUDIT_DETAIL[outcome.kind]];
  if (outcome.kind === 'started') {
    parts.push(`new=${outcome.newRecordId}`);
    if (outcome.rollbackTo !== undefined) parts.push(`to=${outcome.rollbackTo}`);
  }
  if (outcome.kind === 'stale')
    parts.push(outcome.why === 'ended' ? `ended=${outcome.status ?? 'unknown'}` : outcome.why);
  if (outcome.kind === 'refused') parts.push(outcome.code ?? outcome.reason);
  return parts.join(' ');
}

/**
 * Records what became of a request that `by` was executing (or that was pending, for outcomes decided without
 * calling CodeArts): the request is done, the audit trail says who pressed what and what came of it, and a run
 * stopped or started gets a note for its channel in the outbox, delivered like any change. Null when the request
 * is not in the state `expect` says (another worker finished it).
 */
export function applyActionOutcome(
  record: TaskRecord,
  key: string,
  outcome: ActionOutcome,
  expect: { state: 'pending' } | { state: 'executing'; by: string | null },
  now: string,
): TaskRecord | null {
  const request = record.actions?.[key];
  if (request === undefined || request.state !== expect.state) return null;
  if (expect.state === 'executing' && expect.by !== null && request.executing?.by !== expect.by) return null;
  const { executing: _done, ...rest } = request;
  // The response URL is a capability to post to the presser: it is not kept once the press is answered.
  const done: ActionRequest = { ...rest, responseUrl: null, state: 'done', outcome, doneAt: now };
  const entry: AuditEntry = auditEntry(
    { via: 'slack', user: request.user, team: request.team },
    request.kind,
    request.channel,
    now,
    auditDetail(request, outcome),
  );
  const next: TaskRecord = {
    ...bump(record, now),
    actions: keepRecentDone({ ...record.actions, [key]: done }),
    audit: appendAudit(record.audit, entry),
  };
  const note = noteFor(request, outcome);
  if (note === null) return next;
  const batch: OutboxBatch = { seq: record.lastSeq + 1, at: now, events: [], runs: [], action: note };
  return { ...next, lastSeq: batch.seq, outbox: [...record.outbox, batch] };
}

function noteFor(request: ActionRequest, outcome: ActionOutcome): ActionNote | null {
  const base = {
    key: request.key,
    kind: request.kind,
    channel: request.channel,
    user: request.user,
    recordId: request.recordId,
  };
  if (outcome.kind === 'stopped') return base;
  if (outcome.kind === 'started') {
    return {
      ...base,
      newRecordId: outcome.newRecordId,
      ...(outcome.rollbackTo === undefined ? {} : { rollbackTo: outcome.rollbackTo }),
    };
  }
  return null;
}

/** Every request not done, and the most recent done ones. */
function keepRecentDone(actions: Record<string, ActionRequest>): Record<string, ActionRequest> {
  const done = Object.values(actions)
    .filter((r) => r.state === 'done')
    .sort((a, b) => ((a.doneAt ?? '') < (b.doneAt ?? '') ? 1 : -1))
    .slice(DONE_ACTIONS_KEPT);
  if (done.length === 0) return actions;
  const dropped = new Set(done.map((r) => r.key));
  return Object.fromEntries(Object.entries(actions).filter(([key]) => !dropped.has(key)));
}
