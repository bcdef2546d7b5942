// core → what one poll means for a task item: given the stored record and what CodeArts said, the record to
// write (or none), the events it reports, and which living message must be redrawn. Pure: the worker re-applies
// it to a fresher record when another writer won the conditional write.
import { abandonRun, detectChanges } from './changes.js';
import type { FeedView } from './feed.js';
import {
  isTerminal,
  type OutboxBatch,
  type PollHealth,
  type RunState,
  type TaskEvent,
  type TaskRecord,
} from './model.js';
import type { Observation } from './observation.js';
import { applyObservation, bump, hasBaseline, type Learned, learnedFields } from './task-record.js';

/** After this many failed polls in a row the living message says monitoring is stale. */
export const STALE_AFTER_FAILURES = 3;
/** Writes after a failure stop here (the count is capped), so an outage does not cost a write per poll. */
const FAILURE_COUNT_CAP = STALE_AFTER_FAILURES + 1;

export interface Decision {
  /** The record to write (version + 1), or null when nothing worth a write changed. */
  next: TaskRecord | null;
  /** The transitions this poll reports, in order (also when `next` is null: then there are none). */
  events: TaskEvent[];
  /** Milliseconds between when CodeArts says a change happened and this poll (where CodeArts gives the time). */
  detectionLagsMs: number[];
  /** The run whose living message must be redrawn although nothing is pending for it: the stale notice came or went. */
  refreshRecordId: string | null;
}

const NOTHING: Decision = { next: null, events: [], detectionLagsMs: [], refreshRecordId: null };

/**
 * The decision for one poll. `record` is the item as read (or as re-read after a conflict); `nowMs` is when the
 * poll was made. A failed poll only records health (and never touches the snapshot); a successful one records
 * the merged snapshot, and an outbox batch when there are events.
 */
export function decide(
  record: TaskRecord,
  observation: Observation,
  nowMs: number,
  feed?: FeedView,
): Decision {
  const now = new Date(nowMs).toISOString();
  if (observation.kind === 'failed') return decideFailure(record, observation.error, now);
  const decision = withLearned(
    record,
    decideSuccess(record, observation, nowMs, now),
    observation,
    feed,
    now,
  );
  // The notice sits on the run that was current during the outage, even if another run has started since.
  const shown = record.run;
  const cleared =
    decision.next !== null &&
    record.health.staleSince !== null &&
    decision.next.health.staleSince === null &&
    shown !== null &&
    !isTerminal(shown.status);
  return cleared && shown ? { ...decision, refreshRecordId: shown.recordId } : decision;
}

function decideFailure(record: TaskRecord, error: string, now: string): Decision {
  if (record.health.consecutiveFailures >= FAILURE_COUNT_CAP) return NOTHING;
  const consecutiveFailures = record.health.consecutiveFailures + 1;
  const health: PollHealth = {
    ...record.health,
    lastPollAt: now,
    consecutiveFailures,
    lastError: error,
    staleSince:
      record.health.staleSince ??
      (consecutiveFailures >= STALE_AFTER_FAILURES ? (record.health.lastSuccessAt ?? now) : null),
  };
  const next = applyObservation(record, { run: record.run, batch: null, health }, now);
  const run = next.run;
  // Only a run still going can be out of date; a finished one shows its end, which is final.
  const becameStale = record.health.staleSince === null && health.staleSince !== null;
  return {
    ...NOTHING,
    next,
    refreshRecordId: becameStale && run !== null && !isTerminal(run.status) ? run.recordId : null,
  };
}

const healthy = (now: string): PollHealth => ({
  lastPollAt: now,
  lastSuccessAt: now,
  consecutiveFailures: 0,
  staleSince: null,
  lastError: null,
  gone: false,
});

function decideSuccess(
  record: TaskRecord,
  observed: Exclude<Observation, { kind: 'failed' }>,
  nowMs: number,
  now: string,
): Decision {
  const recovered = record.health.consecutiveFailures > 0 || record.health.staleSince !== null;
  if (observed.kind === 'gone') {
    if (record.health.gone) return NOTHING;
    // A run still going when its task was deleted can no longer be followed: it ends here, once, as unknown
    // (the stored snapshot keeps how it was last seen).
    const ended = record.run && hasBaseline(record) ? abandonRun(record.run) : null;
    const events = ended?.events ?? [];
    const batch: Omit<OutboxBatch, 'seq'> = {
      at: now,
      events,
      runs: ended && events.length > 0 ? [ended.run] : [],
      notice: { kind: 'task-gone', code: observed.code },
    };
    const health = { ...record.health, gone: true, lastPollAt: now };
    return { ...NOTHING, events, next: applyObservation(record, { run: record.run, batch, health }, now) };
  }
  if (observed.kind === 'run-gone') {
    if (!record.run) return NOTHING;
    const ended = abandonRun(record.run);
    const batch = ended.events.length > 0 ? { at: now, events: ended.events, runs: [ended.run] } : null;
    // Nothing is left to follow: the next run CodeArts reports is new, and reported in full.
    const next = applyObservation(record, { run: null, batch, health: healthy(now) }, now);
    return { ...NOTHING, events: ended.events, next };
  }
  if (observed.kind === 'no-run') {
    if (hasBaseline(record) && !recovered) return NOTHING;
    return {
      ...NOTHING,
      next: applyObservation(record, { run: record.run, batch: null, health: healthy(now) }, now),
    };
  }
  if (!hasBaseline(record)) {
    // First successful poll of a watch CodeArts could not confirm at registration: baseline, no replay.
    const next = applyObservation(
      record,
      { run: observed.run, batch: null, health: healthy(now), taskName: observed.run.taskName },
      now,
    );
    return { ...NOTHING, next };
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
  const detectionLagsMs = detectionLags(change.events, [change.run, ...endedRuns], nowMs);
  // Counters (elapsed time, log offsets) move on every poll of a running step: they are not worth a write on their
  // own, and the living message shows them as of the last change.
  const stepsChanged = (record.run?.steps?.length ?? -1) !== (change.run.steps?.length ?? -1);
  const sameRecord = record.run?.recordId === change.run.recordId;
  if (change.events.length === 0 && !recovered && !stepsChanged && sameRecord) return NOTHING; // the common case
  const runs = [...endedRuns, change.run].filter((run) =>
    change.events.some((event) => event.recordId === run.recordId),
  );
  const batch = change.events.length > 0 ? { at: now, events: change.events, runs } : null;
  const next = applyObservation(
    record,
    { run: change.run, batch, health: healthy(now), taskName: change.run.taskName },
    now,
  );
  return { next, events: change.events, detectionLagsMs, refreshRecordId: null };
}

/**
 * Keeps what the poll learned besides the run, also when nothing else is worth a write: the task's project (looked
 * up once) and what the change feed said (so the planner stops asking about it). A task that is gone learns nothing.
 */
function withLearned(
  record: TaskRecord,
  decision: Decision,
  observation: Exclude<Observation, { kind: 'failed' }>,
  feed: FeedView | undefined,
  now: string,
): Decision {
  if (observation.kind === 'gone') return decision;
  const projectId = 'projectId' in observation ? observation.projectId : undefined;
  const learned: Learned = {
    ...(projectId === undefined ? {} : { projectId }),
    ...(feed === undefined ? {} : { feed }),
  };
  const fields = learnedFields(decision.next ?? record, learned);
  if (fields === null) return decision;
  return { ...decision, next: { ...(decision.next ?? bump(record, now)), ...fields } };
}

/**
 * The missed runs still to report against `current`: they were found after the run the poll read, but a conflicting
 * writer (another worker) may have moved the record on since. Runs up to the one it now holds have been reported
 * by that writer; if it holds a run we know nothing about, that writer looked up its own missed runs.
 */
function missedSince(
  missed: RunState[] | undefined,
  after: string | undefined,
  current: RunState | null,
): RunState[] {
  if (missed === undefined) return [];
  // '' stands for "no run stored" (see noRunAnchor in core/history.ts).
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
