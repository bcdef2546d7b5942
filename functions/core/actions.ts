// core → acting from Slack (design §5, §10): who may press the buttons of a watch, a press kept as one request in
// the task item however often it arrives, and what a worker may do with it. Pure: records in, records out.
//
// A press is keyed by what it asks for, not by who pressed or when: `stop:<record>` for stopping a run and
// `start:<record>` for re-running or rolling back from it. A double click, Slack's retry of the same payload and
// two operators pressing at once all land on one key, so they make one request and one CodeArts call. A worker
// marks a request as being executed (a conditional write) before it calls CodeArts; a request found executing
// after its worker's time ran out is never executed again, only reported as unknown.
import {
  type AuditEntry,
  isTerminal,
  type OutboxBatch,
  type RunState,
  type RunStatus,
  type TaskRecord,
} from './model.js';
import { appendAudit, auditEntry } from './trust.js';

export type ActionKind = 'stop' | 'rerun' | 'rollback';

/** The Block Kit `action_id` of each button (design §5). */
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

export const USER_PATTERN = /^[UW][A-Z0-9]{2,30}$/;
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
  const done: ActionRequest = { ...rest, state: 'done', outcome, doneAt: now };
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
