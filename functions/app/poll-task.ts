// app → one poll of one task: fetch, normalise, detect changes, record them (the outbox), deliver them.
import { abandonRun, detectChanges, isNewRun, needsBackfill, needsRecheck } from '../core/changes.js';
import {
  HISTORY_PAGE_SIZE,
  type HistoryAnchor,
  type HistoryRecord,
  historyDates,
  historyReachesBack,
  MAX_HISTORY_PAGES,
  MAX_MISSED_RUNS,
  noRunAnchor,
  parseHistory,
  selectMissedRuns,
} from '../core/history.js';
import type { OutboxBatch, PollHealth, TaskRecord } from '../core/model.js';
import { isTerminal, type RunState, type TaskEvent } from '../core/model.js';
import { MalformedStateError, normaliseStateResponse } from '../core/normalise.js';
import {
  applyDeliveries,
  applyObservation,
  hasBaseline,
  subscriptionsWithPending,
} from '../core/task-record.js';
import {
  CodeArtsError,
  type CodeArtsPort,
  type Logger,
  type SlackDeliveryError,
  type SlackPort,
  type TaskRepository,
} from '../ports.js';
import { deliverToSubscription, type SubscriptionDelivery } from './deliver.js';

/** After this many failed polls in a row the living message says monitoring is stale. */
export const STALE_AFTER_FAILURES = 3;
/** Writes after a failure stop here (the count is capped), so an outage does not cost a write per poll. */
const FAILURE_COUNT_CAP = STALE_AFTER_FAILURES + 1;
/** Conflicting writers (registration, an overlapping cycle) make us re-read and re-apply a few times. */
const MAX_WRITE_ATTEMPTS = 4;

/** Points where a fault hook may stop the cycle (the reliability suite simulates crashes there). */
export type FaultPoint = 'after-fetch' | 'after-state-write' | 'after-slack-post' | 'before-mark-delivered';
/** A fault hook that throws this stops the whole cycle on the spot, as a crash would (no clean-up). */
export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}
export type FaultHook = (point: FaultPoint, taskId: string) => void | Promise<void>;

export interface TaskPollDeps {
  repository: TaskRepository;
  codearts: CodeArtsPort;
  slack: SlackPort;
  logger: Logger;
  timeZone: string;
  consoleUrlTemplate: string | undefined;
  faultHook?: FaultHook;
}

/** Cycle-wide Slack conditions: a revoked token stops all delivery, a rate limit pauses a channel. */
export interface SlackGate {
  tokenBroken: SlackDeliveryError | null;
  channelPausedUntil: Map<string, number>;
}

export interface TaskPollResult {
  record: TaskRecord;
  /** The task has a run in progress (worth re-polling before the next scheduled tick). */
  active: boolean;
  events: TaskEvent[];
  /** Milliseconds between when CodeArts says a change happened and when we saw it (where known). */
  detectionLagsMs: number[];
  writes: number;
  deliveries: SubscriptionDelivery[];
  failure?: CodeArtsError | MalformedStateError;
}

/** A poll whose state is recorded and whose Slack deliveries are still to do (see deliverPending). */
export interface RecordedPoll {
  result: TaskPollResult;
  /** False when nothing may be delivered now (a throttled poll: the cycle tries the task again). */
  deliver: boolean;
  reconcileUpToSeq: number;
  refreshRecordId: string | null;
}

/**
 * Polls one task and delivers what is pending. Never throws for CodeArts or Slack trouble: a failed poll
 * leaves the stored state untouched (it only records health), and undelivered changes stay pending.
 * The same as recordPoll then deliverPending, for callers that want delivery done when this resolves.
 */
export async function pollTask(
  deps: TaskPollDeps,
  initial: TaskRecord,
  nowMs: () => number,
  gate: SlackGate,
  signal?: AbortSignal,
): Promise<TaskPollResult> {
  return deliverPending(deps, await recordPoll(deps, initial, nowMs, signal), gate, nowMs);
}

/**
 * The CodeArts half of a poll: fetch, detect, write the new state (with its outbox). Split from delivery so the
 * cycle can free its CodeArts slot as soon as the state is durable, and tell Slack from a pool of its own.
 */
export async function recordPoll(
  deps: TaskPollDeps,
  initial: TaskRecord,
  nowMs: () => number,
  signal?: AbortSignal,
): Promise<RecordedPoll> {
  const result: TaskPollResult = {
    record: initial,
    active: false,
    events: [],
    detectionLagsMs: [],
    writes: 0,
    deliveries: [],
  };
  // Batches already in the outbox may have been attempted by an earlier cycle whose answer was lost. Only a batch
  // this poll records itself is known to be new; that is settled once the write is done (see seqsToReconcile).
  let reconcileUpToSeq = initial.lastSeq;
  // The run whose living message must be re-rendered because the stale notice was set or cleared.
  let refreshRecordId: string | null = null;

  if (!initial.health.gone) {
    const observed = await observe(deps, initial, nowMs, signal);
    await deps.faultHook?.('after-fetch', initial.taskId);
    if ('failure' in observed) {
      result.failure = observed.failure;
      if (observed.failure instanceof CodeArtsError && observed.failure.kind === 'throttled') {
        return { result, deliver: false, reconcileUpToSeq, refreshRecordId };
      }
      const written = await writeWithRetry(deps, initial, (record) =>
        failureUpdate(record, observed.failure, nowMs()),
      );
      result.record = written.record;
      result.writes += written.writes;
      reconcileUpToSeq = seqsToReconcile(written);
      const run = result.record.run;
      // Only a run still going can be out of date; a finished one shows its end, which is final.
      if (
        written.changed &&
        result.record.health.staleSince !== null &&
        initial.health.staleSince === null &&
        run !== null &&
        !isTerminal(run.status)
      ) {
        refreshRecordId = run.recordId;
      }
      result.active = result.record.run !== null && !isTerminal(result.record.run.status);
    } else {
      const written = await writeWithRetry(deps, initial, (record) =>
        observationUpdate(record, observed, nowMs(), result),
      );
      result.record = written.record;
      result.writes += written.writes;
      reconcileUpToSeq = seqsToReconcile(written);
      // The notice sits on the run that was current during the outage, even if another run has started since.
      const shown = initial.run;
      if (
        initial.health.staleSince !== null &&
        result.record.health.staleSince === null &&
        shown !== null &&
        !isTerminal(shown.status)
      ) {
        refreshRecordId = shown.recordId;
      }
      result.active = observed.kind === 'run' && !isTerminal(result.record.run?.status ?? 'unknown');
    }
    if (result.writes > 0) await deps.faultHook?.('after-state-write', initial.taskId);
  }

  return { result, deliver: true, reconcileUpToSeq, refreshRecordId };
}

/**
 * The Slack half of a poll: posts what the recorded poll left pending and marks it delivered. Updates and returns
 * the poll's result (record, writes, deliveries). Must finish before the same task is polled again.
 */
export async function deliverPending(
  deps: TaskPollDeps,
  polled: RecordedPoll,
  gate: SlackGate,
  nowMs: () => number,
): Promise<TaskPollResult> {
  if (polled.deliver) {
    await deliverAll(deps, polled.result, gate, nowMs, polled.reconcileUpToSeq, polled.refreshRecordId);
  }
  return polled.result;
}

type Observation =
  | {
      kind: 'run';
      run: RunState;
      /** How the stored run ended (see needsBackfill); null when its record is gone. */
      previousRunFinal?: RunState | null;
      /** The stored run as CodeArts has it now (see needsRecheck); null when its record is gone. */
      storedRunNow?: RunState | null;
      /** Runs between the stored run and this one that no poll saw (see findMissedRuns), oldest first. */
      missedRuns?: RunState[];
      /** The stored run's record ID the missed runs were looked up after. */
      missedAfter?: string;
      /** The task's CodeArts project ID, when this poll had to look it up (stored with the change). */
      projectId?: string;
    }
  | { kind: 'no-run'; taskName: string }
  /** The run we were following is no longer known to CodeArts, and no other run took its place. */
  | { kind: 'run-gone' }
  | { kind: 'gone'; code: string }
  | { failure: CodeArtsError | MalformedStateError };

async function observe(
  deps: TaskPollDeps,
  record: TaskRecord,
  nowMs: () => number,
  signal?: AbortSignal,
): Promise<Observation> {
  const options = { region: record.region, ...(signal ? { signal } : {}) };
  /**
   * A well-formed answer about another task (or, asked by record, another record) is as unusable as a malformed
   * one: taken as it is, it would replace this task's snapshot and report a run that is not this task's.
   */
  const normalise = (body: unknown, recordId?: string): RunState => {
    const run = normaliseStateResponse(body, { timeZone: deps.timeZone });
    if (run.taskId.toLowerCase() !== record.taskId.toLowerCase()) {
      throw new MalformedStateError('result.task_id', 'result.task_id names another task');
    }
    if (recordId !== undefined && run.recordId !== recordId) {
      throw new MalformedStateError(
        'result.record_id',
        'result.record_id names another record than asked for',
      );
    }
    return run;
  };
  /** A run fetched by its record ID; null when CodeArts no longer has the record. */
  const fetchRun = async (recordId: string): Promise<RunState | null> => {
    try {
      return normalise(await deps.codearts.getTaskState(record.taskId, { ...options, recordId }), recordId);
    } catch (error) {
      if (error instanceof CodeArtsError && error.kind === 'record-gone') return null;
      throw error;
    }
  };
  try {
    let run: RunState | null;
    try {
      run = normalise(await deps.codearts.getTaskState(record.taskId, options));
    } catch (error) {
      if (!(error instanceof CodeArtsError && error.kind === 'record-gone')) throw error;
      run = null; // the task has no run (any more)
    }
    const stored = record.run && hasBaseline(record) ? record.run : null;
    if (run === null) {
      if (stored === null || isTerminal(stored.status)) return { kind: 'no-run', taskName: '' };
      // The run we follow was the only one and CodeArts now has none: ask for it by its record, so a deleted
      // record still ends the run once (as unknown) instead of leaving it "running" for ever.
      const final = await fetchRun(stored.recordId);
      return final === null ? { kind: 'run-gone' } : { kind: 'run', run: final };
    }
    if (stored && needsRecheck(stored, run)) {
      // The latest run went back to an older one: is the run we were following still there?
      return { kind: 'run', run, storedRunNow: await fetchRun(stored.recordId) };
    }
    // A new run appeared before we saw the previous one end: ask CodeArts how that one ended.
    const previousRunFinal =
      stored && needsBackfill(stored, run) ? await fetchRun(stored.recordId) : undefined;
    // After the stored run; or, when none is stored, after the last time CodeArts said the task had no run at all.
    const anchor: HistoryAnchor | null =
      stored && isNewRun(stored, run)
        ? stored
        : record.run === null && record.health.lastSuccessAt !== null
          ? noRunAnchor(record.health.lastSuccessAt)
          : null;
    const missed =
      anchor === null
        ? undefined
        : await findMissedRuns(deps, record, anchor, run, nowMs(), fetchRun, signal);
    return {
      kind: 'run',
      run,
      ...(previousRunFinal === undefined ? {} : { previousRunFinal }),
      ...(missed === undefined || missed.runs.length === 0
        ? {}
        : { missedRuns: missed.runs, missedAfter: anchor?.recordId ?? '' }),
      ...(missed?.projectId === undefined ? {} : { projectId: missed.projectId }),
    };
  } catch (error) {
    if (error instanceof CodeArtsError && error.kind === 'task-gone')
      return { kind: 'gone', code: error.code ?? 'Deploy.00011020' };
    if (error instanceof CodeArtsError && error.kind === 'record-gone')
      return { kind: 'no-run', taskName: '' };
    if (error instanceof CodeArtsError || error instanceof MalformedStateError) {
      deps.logger.warn('CodeArts poll failed', {
        taskId: record.taskId,
        error: error.message,
        ...(error instanceof CodeArtsError
          ? { kind: error.kind, code: error.code, requestId: error.requestId }
          : {}),
      });
      return { failure: error };
    }
    throw error;
  }
}

/**
 * The runs that began after `stored` (the stored run, or a time the task had no run) and before `observed` (a new
 * run) and were never the latest at a successful poll: found in the task's history, then fetched by record ID,
 * oldest first. Cost: one history call per new run
 * (more pages only after more than 100 runs), one task-detail call per task ever (for its project ID), and one
 * `/state` call per missed run. A transient failure of any of them throws, failing the whole poll so it is retried
 * with nothing skipped; a permanent one (the project or the API refused) is logged and the missed runs are given
 * up on, so the task is not blocked for ever.
 */
async function findMissedRuns(
  deps: TaskPollDeps,
  record: TaskRecord,
  stored: HistoryAnchor,
  observed: RunState,
  nowMs: number,
  fetchRun: (recordId: string) => Promise<RunState | null>,
  signal?: AbortSignal,
): Promise<{ runs: RunState[]; projectId?: string }> {
  const giveUp = (why: string, error?: CodeArtsError) => {
    deps.logger.warn('Runs between polls cannot be looked up; any missed run is not reported', {
      taskId: record.taskId,
      why,
      ...(error
        ? { error: error.message, kind: error.kind, code: error.code, requestId: error.requestId }
        : {}),
    });
  };
  const options = { region: record.region, ...(signal ? { signal } : {}) };
  const permanent = (error: unknown): error is CodeArtsError =>
    error instanceof CodeArtsError && !error.transient;

  let projectId = record.projectId;
  let found: string | undefined;
  if (projectId === undefined) {
    try {
      const detail = await deps.codearts.getTaskDetail(record.taskId, options);
      const value =
        typeof detail === 'object' && detail !== null
          ? (detail as Record<string, unknown>).project_id
          : undefined;
      if (typeof value !== 'string' || value === '') {
        giveUp('the task detail names no project_id');
        return { runs: [] };
      }
      projectId = value;
      found = value;
    } catch (error) {
      if (!permanent(error)) throw error;
      giveUp('the task detail was refused', error);
      return { runs: [] };
    }
  }
  const withProject = (runs: RunState[]) => ({ runs, ...(found === undefined ? {} : { projectId: found }) });

  const observedAt = observed.startedAt === null ? Number.NaN : Date.parse(observed.startedAt);
  const dates = historyDates(
    stored.startedAt === null ? null : Date.parse(stored.startedAt),
    // CodeArts' clock may be ahead of ours: the day the observed run began must be in the window.
    Number.isFinite(observedAt) ? Math.max(nowMs, observedAt) : nowMs,
    deps.timeZone,
  );
  if (dates.clamped) {
    deps.logger.warn('History reaches back only 30 days; older missed runs are not reported', {
      taskId: record.taskId,
      startDate: dates.startDate,
    });
  }
  const history: HistoryRecord[] = [];
  try {
    for (let page = 1; page <= MAX_HISTORY_PAGES; page++) {
      const body = await deps.codearts.listTaskHistory(record.taskId, {
        ...options,
        projectId,
        startDate: dates.startDate,
        endDate: dates.endDate,
        page,
        size: HISTORY_PAGE_SIZE,
      });
      const { records, total } = parseHistory(body, { timeZone: deps.timeZone });
      history.push(...records);
      if (historyReachesBack(history, records, total, HISTORY_PAGE_SIZE, stored)) break;
    }
  } catch (error) {
    if (!permanent(error)) throw error;
    giveUp('the history was refused', error);
    return withProject([]);
  }

  const selected = selectMissedRuns(history, stored, observed, MAX_MISSED_RUNS);
  if (selected.dropped > 0) {
    deps.logger.warn('Too many missed runs in one poll; only the newest are reported', {
      taskId: record.taskId,
      reported: selected.recordIds.length,
      dropped: selected.dropped,
    });
  }
  const runs: RunState[] = [];
  for (const recordId of selected.recordIds) {
    let run: RunState | null;
    try {
      run = await fetchRun(recordId);
    } catch (error) {
      if (!permanent(error)) throw error;
      giveUp(`record ${recordId} was refused`, error);
      continue;
    }
    // Deleted since the history was read: there is nothing left to report about it.
    if (run !== null) runs.push(run);
  }
  if (runs.length > 0) {
    deps.logger.info('Reporting runs that began and ended between polls', {
      taskId: record.taskId,
      recordIds: runs.map((r) => r.recordId),
    });
  }
  return withProject(runs);
}

const healthy = (now: string): PollHealth => ({
  lastPollAt: now,
  lastSuccessAt: now,
  consecutiveFailures: 0,
  staleSince: null,
  lastError: null,
  gone: false,
});

/** The record after a successful observation, or null when nothing worth a write changed. */
function observationUpdate(
  record: TaskRecord,
  observed: Exclude<Observation, { failure: unknown }>,
  nowMs: number,
  result: TaskPollResult,
): TaskRecord | null {
  const now = new Date(nowMs).toISOString();
  const recovered = record.health.consecutiveFailures > 0 || record.health.staleSince !== null;
  if (observed.kind === 'gone') {
    if (record.health.gone) return null;
    // A run still going when its task was deleted can no longer be followed: it ends here, once, as unknown
    // (the stored snapshot keeps how it was last seen).
    const ended = record.run && hasBaseline(record) ? abandonRun(record.run) : null;
    result.events = ended?.events ?? [];
    const batch: Omit<OutboxBatch, 'seq'> = {
      at: now,
      events: ended?.events ?? [],
      runs: ended && ended.events.length > 0 ? [ended.run] : [],
      notice: { kind: 'task-gone', code: observed.code },
    };
    return applyObservation(
      record,
      { run: record.run, batch, health: { ...record.health, gone: true, lastPollAt: now } },
      now,
    );
  }
  if (observed.kind === 'run-gone') {
    if (!record.run) return null;
    const ended = abandonRun(record.run);
    result.events = ended.events;
    const batch = ended.events.length > 0 ? { at: now, events: ended.events, runs: [ended.run] } : null;
    // Nothing is left to follow: the next run CodeArts reports is new, and reported in full.
    return applyObservation(record, { run: null, batch, health: healthy(now) }, now);
  }
  if (observed.kind === 'no-run') {
    if (hasBaseline(record) && !recovered) return null;
    return applyObservation(record, { run: record.run, batch: null, health: healthy(now) }, now);
  }
  if (!hasBaseline(record)) {
    // First successful poll of a watch CodeArts could not confirm at registration: baseline, no replay.
    return applyObservation(
      record,
      { run: observed.run, batch: null, health: healthy(now), taskName: observed.run.taskName },
      now,
    );
  }
  const missedRuns = missedSince(observed.missedRuns, observed.missedAfter, record.run);
  const change = detectChanges({
    stored: record.run ?? NO_RUN_YET,
    observed: observed.run,
    ...(observed.previousRunFinal === undefined ? {} : { previousRunFinal: observed.previousRunFinal }),
    ...(observed.storedRunNow === undefined ? {} : { storedRunNow: observed.storedRunNow }),
    ...(missedRuns.length === 0 ? {} : { missedRuns }),
  });
  const endedRuns = [...(change.endedRun ? [change.endedRun] : []), ...(change.missedRuns ?? [])];
  result.events = change.events;
  result.detectionLagsMs = detectionLags(change.events, [change.run, ...endedRuns], nowMs);
  const stepsChanged = (record.run?.steps?.length ?? -1) !== (change.run.steps?.length ?? -1);
  if (
    change.events.length === 0 &&
    !recovered &&
    !stepsChanged &&
    record.run?.recordId === change.run.recordId
  ) {
    return null; // the common case: nothing changed, nothing written
  }
  const runs = [...endedRuns, change.run].filter((run) =>
    change.events.some((event) => event.recordId === run.recordId),
  );
  const batch = change.events.length > 0 ? { at: now, events: change.events, runs } : null;
  const next = applyObservation(
    record,
    { run: change.run, batch, health: healthy(now), taskName: change.run.taskName },
    now,
  );
  // Looked up for the history call: kept with this change rather than costing a write of its own.
  return observed.projectId !== undefined && next.projectId === undefined
    ? { ...next, projectId: observed.projectId }
    : next;
}

/**
 * The missed runs still to report against `current`: they were found after the run the poll read, but a conflicting
 * writer (an overlapping cycle) may have moved the record on since. Runs up to the one it now holds have been
 * reported by that writer; if it holds a run we know nothing about, that writer looked up its own missed runs.
 */
function missedSince(
  missed: RunState[] | undefined,
  after: string | undefined,
  current: RunState | null,
): RunState[] {
  if (missed === undefined) return [];
  // '' stands for "no run stored" (see noRunAnchor).
  const currentId = current?.recordId ?? '';
  if (currentId === after) return missed;
  const at = missed.findIndex((run) => run.recordId === currentId);
  return at < 0 ? [] : missed.slice(at + 1);
}

/**
 * Stands for "baselined, but the task had never run": a finished placeholder under another record ID,
 * so the first real run is reported in full (started, each step, finished).
 */
const NO_RUN_YET: RunState = {
  recordId: '',
  taskId: '',
  taskName: '',
  status: 'succeeded',
  rawStatus: '',
  stepsFinished: true,
  startedAt: null,
  endedAt: null,
  executor: '',
  steps: [],
};

function failureUpdate(
  record: TaskRecord,
  failure: CodeArtsError | MalformedStateError,
  nowMs: number,
): TaskRecord | null {
  if (record.health.consecutiveFailures >= FAILURE_COUNT_CAP) return null;
  const now = new Date(nowMs).toISOString();
  const consecutiveFailures = record.health.consecutiveFailures + 1;
  const health: PollHealth = {
    ...record.health,
    lastPollAt: now,
    consecutiveFailures,
    lastError:
      failure instanceof CodeArtsError
        ? `${failure.kind}: ${failure.message}`
        : `bad-response: ${failure.message}`,
    staleSince:
      record.health.staleSince ??
      (consecutiveFailures >= STALE_AFTER_FAILURES ? (record.health.lastSuccessAt ?? now) : null),
  };
  return applyObservation(record, { run: record.run, batch: null, health }, now);
}

function detectionLags(events: TaskEvent[], runs: RunState[], nowMs: number): number[] {
  const lags: number[] = [];
  for (const event of events) {
    const run = runs.find((r) => r.recordId === event.recordId);
    const at =
      event.type === 'run.started' ? run?.startedAt : event.type === 'run.finished' ? run?.endedAt : null;
    if (at) lags.push(Math.max(0, nowMs - Date.parse(at)));
  }
  return lags;
}

interface Written {
  record: TaskRecord;
  writes: number;
  changed: boolean;
  /** The record the written update was applied to (after a conflict, a fresher one than we started from). */
  base: TaskRecord;
}

/** Applies `update` to the freshest record and writes it conditionally, re-reading after a conflict. */
async function writeWithRetry(
  deps: TaskPollDeps,
  initial: TaskRecord,
  update: (record: TaskRecord) => TaskRecord | null,
): Promise<Written> {
  let current: TaskRecord | null = initial;
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS && current; attempt++) {
    const next = update(current);
    if (!next) return { record: current, writes: 0, changed: false, base: current };
    if (await deps.repository.putTask(next, current.version))
      return { record: next, writes: 1, changed: true, base: current };
    current = await deps.repository.getTask(initial.taskId);
  }
  // Unwatched meanwhile, or a writer that keeps winning: leave it to the next cycle.
  const record = current ?? initial;
  return { record, writes: 0, changed: false, base: record };
}

/**
 * Up to which seq pending batches must be looked for in Slack before posting: all but the one this poll has just
 * recorded. The record we started from may be out of date (an eventually consistent listing, a conflicting
 * writer), so batches we only met after re-reading may have been posted by an earlier cycle whose answer was lost.
 */
function seqsToReconcile(written: Written): number {
  const recordedHere = written.changed && written.record.lastSeq > written.base.lastSeq;
  return recordedHere ? written.record.lastSeq - 1 : written.record.lastSeq;
}

async function deliverAll(
  deps: TaskPollDeps,
  result: TaskPollResult,
  gate: SlackGate,
  nowMs: () => number,
  reconcileUpToSeq: number,
  refreshRecordId: string | null,
): Promise<void> {
  const record = result.record;
  const due = new Set(subscriptionsWithPending(record).map((s) => s.channel));
  const targets = Object.values(record.subscriptions).filter(
    (s) => s.broken === null && (due.has(s.channel) || (refreshRecordId !== null && s.mode === 'thread')),
  );
  for (const subscription of targets) {
    if (gate.tokenBroken) return;
    if ((gate.channelPausedUntil.get(subscription.channel) ?? 0) > nowMs()) continue;
    const delivery = await deliverToSubscription(record, subscription, {
      slack: deps.slack,
      nowMs: nowMs(),
      consoleUrlTemplate: deps.consoleUrlTemplate,
      reconcileUpToSeq,
      // Also where changes are pending: they may be about another run than the one showing the notice.
      refreshRecordId,
    });
    result.deliveries.push(delivery);
    if (delivery.calls > 0) await deps.faultHook?.('after-slack-post', record.taskId);
    if (delivery.error?.kind === 'token') gate.tokenBroken = delivery.error;
    if (delivery.error?.kind === 'rate-limited') {
      gate.channelPausedUntil.set(
        subscription.channel,
        nowMs() + (delivery.error.retryAfterSeconds ?? 1) * 1000,
      );
    }
    if (delivery.error) {
      deps.logger.warn('Slack delivery failed', {
        taskId: record.taskId,
        channel: subscription.channel,
        kind: delivery.error.kind,
        code: delivery.error.code,
      });
    }
  }
  const changed = result.deliveries.filter(
    (d) =>
      d.broken ||
      Object.keys(d.messages).length > 0 ||
      d.deliveredSeq > (record.subscriptions[d.channel]?.deliveredSeq ?? Number.POSITIVE_INFINITY),
  );
  if (changed.length === 0) return;
  await deps.faultHook?.('before-mark-delivered', record.taskId);
  const now = new Date(nowMs()).toISOString();
  const written = await writeWithRetry(deps, record, (current) => applyDeliveries(current, changed, now));
  result.record = written.record;
  result.writes += written.writes;
}
