// app → one look at CodeArts for a task: the latest run, plus whatever else the stored snapshot says must be
// asked (how a superseded run ended, whether an older latest run hides a deleted record, the runs that came and
// went between polls). The answer is an Observation value; what it means is core's to decide (core/decide.ts).
import { isNewRun, needsBackfill, needsRecheck } from '../../core/changes.js';
import { type HistoryAnchor, noRunAnchor } from '../../core/history.js';
import { isTerminal, type RunState, type TaskRecord } from '../../core/model.js';
import type { Observation } from '../../core/observation.js';
import { hasBaseline } from '../../core/task-record.js';
import { CODEARTS_CODES, CodeArtsError, type CodeArtsPort, type Logger } from '../../ports.js';
import { findMissedRuns } from './missed-runs.js';

export interface ObserveDeps {
  codearts: CodeArtsPort;
  logger: Logger;
  timeZone: string;
}

/**
 * Never throws for CodeArts trouble: a call that failed for a reason that says nothing about the task is a
 * 'failed' observation; a throttled call throws its CodeArtsError (the caller pauses the fleet and comes back).
 */
export async function observe(
  deps: ObserveDeps,
  record: TaskRecord,
  nowMs: number,
  signal?: AbortSignal,
): Promise<Observation> {
  const observation = await look(deps, record, nowMs, signal);
  return record.projectId === undefined ? withProject(deps, record, observation, signal) : observation;
}

/**
 * The task's CodeArts project, looked up once (registration usually knew it already): the planner groups tasks by
 * project to read the change feed. Not knowing it costs nothing but cheaper planning, so a failed look-up is
 * tried again at the next poll.
 */
async function withProject(
  deps: ObserveDeps,
  record: TaskRecord,
  observation: Observation,
  signal: AbortSignal | undefined,
): Promise<Observation> {
  if (observation.kind !== 'run' && observation.kind !== 'no-run') return observation;
  if (observation.projectId !== undefined) return observation;
  try {
    const detail = await deps.codearts.getTaskDetail(record.taskId, {
      region: record.region,
      ...(signal ? { signal } : {}),
    });
    return detail.projectId === null ? observation : { ...observation, projectId: detail.projectId };
  } catch (error) {
    if (!(error instanceof CodeArtsError)) throw error;
    deps.logger.debug('The task detail could not be read; its project is looked up at the next poll', {
      taskId: record.taskId,
      kind: error.kind,
    });
    return observation;
  }
}

async function look(
  deps: ObserveDeps,
  record: TaskRecord,
  nowMs: number,
  signal?: AbortSignal,
): Promise<Observation> {
  const options = { region: record.region, ...(signal ? { signal } : {}) };
  /** A run fetched by its record ID; null when CodeArts no longer has the record. */
  const fetchRun = async (recordId: string): Promise<RunState | null> => {
    try {
      return await deps.codearts.getTaskState(record.taskId, { ...options, recordId });
    } catch (error) {
      if (error instanceof CodeArtsError && error.kind === 'record-gone') return null;
      throw error;
    }
  };
  try {
    let run: RunState | null;
    try {
      run = await deps.codearts.getTaskState(record.taskId, options);
    } catch (error) {
      if (!(error instanceof CodeArtsError && error.kind === 'record-gone')) throw error;
      run = null; // the task has no run (any more)
    }
    const stored = record.run && hasBaseline(record) ? record.run : null;
    if (run === null) {
      if (stored === null || isTerminal(stored.status)) return { kind: 'no-run' };
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
        : await findMissedRuns({ ...deps, fetchRun }, record, anchor, run, nowMs, signal);
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
    if (!(error instanceof CodeArtsError)) throw error;
    if (error.kind === 'task-gone') return { kind: 'gone', code: error.code ?? CODEARTS_CODES.taskGone };
    if (error.kind === 'record-gone') return { kind: 'no-run' };
    if (error.kind === 'throttled') throw error;
    deps.logger.warn('CodeArts poll failed', {
      taskId: record.taskId,
      error: error.message,
      kind: error.kind,
      code: error.code,
      requestId: error.requestId,
    });
    return { kind: 'failed', error: `${error.kind}: ${error.message}` };
  }
}
