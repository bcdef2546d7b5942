// core → acting from Slack (stop, re-run, roll back): who may press the buttons of a watch, and a press kept
// as one request in the task item however often it arrives. What a worker then does with it is in
// action-outcomes.ts. Pure.
//
// A press is keyed by what it asks for, not by who pressed or when: `stop:<record>` for stopping a run and
// `start:<record>` for re-running or rolling back from it. A double click, Slack's retry of the same payload and
// two operators pressing at once all land on one key, so they make one request and one CodeArts call. A worker
// marks a request as being executed (a conditional write) before it calls CodeArts; a request found executing
// after its worker's time ran out is never executed again, only reported as unknown.
import type { OutboxBatch, RunStatus, TaskRecord } from './model.js';

export type ActionKind = 'stop' | 'rerun' | 'rollback';

/** The Block Kit `action_id` of each button: what the api reads a press by (docs/api.md "Buttons"). */
export const ACTION_IDS: Readonly<Record<ActionKind, string>> = {
  stop: 'codearts.stop',
  rerun: 'codearts.rerun',
  rollback: 'codearts.rollback',
};

export const actionKindOf = (actionId: string): ActionKind | null =>
  (Object.keys(ACTION_IDS) as ActionKind[]).find((kind) => ACTION_IDS[kind] === actionId) ?? null;

/** How long a press may wait for a worker (CodeArts throttling, a backlog) before it is answered as not done. */
export const ACTION_EXPIRY_MS = 2 * 60_000;
/** Presses waiting at once per task; more are refused (a stuck worker must not let requests pile up). */
export const MAX_PENDING_ACTIONS = 10;
/** Finished requests kept per task, so a late double click or retry is answered with what happened. */
export const DONE_ACTIONS_KEPT = 10;

export const GROUP_PATTERN = /^S[A-Z0-9]{2,30}$/;

/** What a worker did with a press (or why it did nothing). */
export type ActionOutcome =
  | { kind: 'stopped' }
  | { kind: 'started'; newRecordId: string; rollbackTo?: string }
  /** Not an operator (found by the user-group check, or the watch's operators changed since). */
  | { kind: 'not-allowed' }
  /** The button no longer fits the run: it ended (`status`), is still going, or there is nothing to roll back to. */
  | { kind: 'stale'; why: 'ended'; status: RunStatus | null }
  | { kind: 'stale'; why: 'running' | 'no-success' | 'task-gone' | 'not-watched' }
  /** CodeArts said no: already deploying, no permission, throttling, or another refusal. */
  | {
      kind: 'refused';
      reason: 'already-deploying' | 'no-permission' | 'throttled' | 'record-gone' | 'other';
      code: string | null;
    }
  /** CodeArts did not answer in time, or the worker stopped mid-call: whether it happened is not known. */
  | { kind: 'unknown' }
  /** Nobody could act on it in time. */
  | { kind: 'expired' }
  /** The user groups could not be read, so the presser could not be checked. */
  | { kind: 'unchecked' };

/** One button press, as kept in the task item until a worker has done it (and a little after). */
export interface ActionRequest {
  key: string;
  kind: ActionKind;
  /** The run whose message carried the button. */
  recordId: string;
  /** Where it was pressed (the note about what it did goes there). */
  channel: string;
  user: string;
  team: string;
  requestedAt: string;
  /** Slack's `response_url` of the press: where the presser's private answers go. */
  responseUrl: string | null;
  /** The presser is not listed by name: a worker checks the watch's user groups first. */
  groupCheck: boolean;
  state: 'pending' | 'executing' | 'done';
  /** While being executed: by which worker invocation, and until when (epoch ms) it may still be running. */
  executing?: { by: string; until: number };
  outcome?: ActionOutcome;
  doneAt?: string;
}

/** What a done press tells the channel it was pressed in (a thread reply under the run's living message). */
export interface ActionNote {
  key: string;
  kind: ActionKind;
  channel: string;
  user: string;
  recordId: string;
  newRecordId?: string;
  rollbackTo?: string;
}

/** A press as the api read it from Slack's payload. */
export interface Press {
  kind: ActionKind;
  taskId: string;
  recordId: string;
  channel: string;
  user: string;
  team: string;
  responseUrl: string | null;
}

export const pressKey = (kind: ActionKind, recordId: string): string =>
  `${kind === 'stop' ? 'stop' : 'start'}:${recordId}`;

/** The watch's operators: user IDs and user-group IDs, as stored (an old item may have none). */
export const operatorsOf = (subscription: { operators?: string[] } | undefined): string[] =>
  subscription?.operators ?? [];

/** `listed`: named directly; `groups`: only a user-group check can tell; `refused`: not an operator. */
export type PresserStanding = 'listed' | 'groups' | 'refused';

export const presserStanding = (operators: readonly string[], user: string): PresserStanding => {
  if (operators.includes(user)) return 'listed';
  return operators.some((id) => GROUP_PATTERN.test(id)) ? 'groups' : 'refused';
};

export const userGroupsOf = (operators: readonly string[]): string[] =>
  operators.filter((id) => GROUP_PATTERN.test(id));

/** Why the api answers a press at once, without storing it. */
export type PressRefusal = 'workspace' | 'not-watched' | 'no-operators' | 'not-allowed' | 'busy';

export type PressVerdict =
  | { verdict: 'store'; groupCheck: boolean }
  | { verdict: 'refuse'; reason: PressRefusal }
  /** The same thing was asked already: this press is that one (a double click, a retry, a second operator). */
  | { verdict: 'known'; request: ActionRequest };

/** A press repeated within this long by the same user is the same press, even after it came to nothing. */
export const REPEAT_WINDOW_MS = 60_000;

const EFFECTFUL: ReadonlySet<ActionOutcome['kind']> = new Set(['stopped', 'started', 'unknown']);

/**
 * Whether a new press is answered by the request already under its key: always while that one is not done, and
 * when it did something (or may have); a request that came to nothing (refused, stale, expired) only answers the
 * same user's repeat shortly after, so someone else, or the same person later, may try again.
 */
const answeredBy = (request: ActionRequest, press: Press, nowMs: number): boolean => {
  if (request.state !== 'done' || request.outcome === undefined || EFFECTFUL.has(request.outcome.kind))
    return true;
  const since = Date.parse(request.doneAt ?? request.requestedAt);
  return request.user === press.user && nowMs - since < REPEAT_WINDOW_MS;
};

/** What the api does with a press, on the task item as read. The workspace is checked before this. */
export function judgePress(record: TaskRecord | null, press: Press, nowMs: number): PressVerdict {
  const subscription = record?.subscriptions[press.channel];
  if (record === null || subscription === undefined) return { verdict: 'refuse', reason: 'not-watched' };
  const operators = operatorsOf(subscription);
  if (operators.length === 0) return { verdict: 'refuse', reason: 'no-operators' };
  const standing = presserStanding(operators, press.user);
  // A stranger learns nothing about what others asked, not even that they did.
  if (standing === 'refused') return { verdict: 'refuse', reason: 'not-allowed' };
  const known = record.actions?.[pressKey(press.kind, press.recordId)];
  if (known !== undefined && answeredBy(known, press, nowMs)) return { verdict: 'known', request: known };
  const pending = Object.values(record.actions ?? {}).filter((r) => r.state !== 'done').length;
  if (pending >= MAX_PENDING_ACTIONS) return { verdict: 'refuse', reason: 'busy' };
  return { verdict: 'store', groupCheck: standing === 'groups' };
}

const bump = (record: TaskRecord, now: string): TaskRecord => ({
  ...record,
  version: record.version + 1,
  updatedAt: now,
});

/** The record with `press` stored as a pending request (the caller judged it `store`). */
export function applyPress(
  record: TaskRecord,
  press: Press,
  groupCheck: boolean,
  now: string,
): { record: TaskRecord; request: ActionRequest } {
  const request: ActionRequest = {
    key: pressKey(press.kind, press.recordId),
    kind: press.kind,
    recordId: press.recordId,
    channel: press.channel,
    user: press.user,
    team: press.team,
    requestedAt: now,
    responseUrl: press.responseUrl,
    groupCheck,
    state: 'pending',
  };
  return {
    request,
    record: { ...bump(record, now), actions: { ...(record.actions ?? {}), [request.key]: request } },
  };
}

/** True when some press waits for a worker. */
export const hasPendingActions = (record: TaskRecord): boolean =>
  Object.values(record.actions ?? {}).some((r) => r.state !== 'done');

/**
 * When the oldest press still waiting for a worker was made (ISO), or null. The watch index counts it as pending
 * work (its `pendingSince`), so the planner polls the task on its next tick even if the poll the api queued for
 * the press was lost.
 */
export const pressesWaitingSince = (record: TaskRecord): string | null =>
  Object.values(record.actions ?? {})
    .filter((r) => r.state !== 'done')
    .map((r) => r.requestedAt)
    .sort()[0] ?? null;

/** The requests a worker should look at now, oldest first: pending ones, and executing ones whose worker is gone. */
export const actionableRequests = (record: TaskRecord, nowMs: number): ActionRequest[] =>
  Object.values(record.actions ?? {})
    .filter((r) => r.state === 'pending' || (r.state === 'executing' && (r.executing?.until ?? 0) <= nowMs))
    .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0));

/**
 * The last run seen to succeed, after a batch of changes: a `run.finished` that succeeded moves it on (the last one
 * of the batch, as batches list runs in order).
 */
export function lastSucceededAfter(
  current: TaskRecord['lastSucceeded'],
  batch: Pick<OutboxBatch, 'events' | 'runs'> | null,
): TaskRecord['lastSucceeded'] {
  let last = current;
  for (const event of batch?.events ?? []) {
    if (event.type !== 'run.finished' || event.status !== 'succeeded') continue;
    const run = batch?.runs.find((r) => r.recordId === event.recordId);
    last = { recordId: event.recordId, endedAt: run?.endedAt ?? null };
  }
  return last;
}
