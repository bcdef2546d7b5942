// app → the runs that came and went between two looks at a task: `/state` only shows the latest run, so a run
// that was never the latest at a successful poll (several deployments during an outage, runs shorter than the
// poll interval) is found in the task's history, then fetched by its record ID.
import {
  HISTORY_PAGE_SIZE,
  type HistoryAnchor,
  type HistoryRecord,
  historyDates,
  historyReachesBack,
  MAX_HISTORY_PAGES,
  MAX_MISSED_RUNS,
  selectMissedRuns,
} from '../../core/history.js';
import type { RunState, TaskRecord } from '../../core/model.js';
import { CodeArtsError, type CodeArtsPort, type Logger } from '../../ports.js';

export interface MissedRunsDeps {
  codearts: CodeArtsPort;
  logger: Logger;
  timeZone: string;
  /** A run by its record ID; null when CodeArts no longer has it. */
  fetchRun: (recordId: string) => Promise<RunState | null>;
}

/**
 * The runs that began after `stored` (the stored run, or a time the task had no run) and before `observed` (a new
 * run), oldest first. Cost: one history call per new run (more pages only after more than 100 runs), one
 * task-detail call per task ever (for its project ID), and one `/state` call per missed run. A transient failure of
 * any of them throws, failing the whole poll so it is retried with nothing skipped; a permanent one (the project or
 * the API refused) is logged and the missed runs are given up on, so the task is not blocked for ever.
 */
export async function findMissedRuns(
  deps: MissedRunsDeps,
  record: TaskRecord,
  stored: HistoryAnchor,
  observed: RunState,
  nowMs: number,
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
      if (detail.projectId === null) {
        giveUp('the task detail names no project_id');
        return { runs: [] };
      }
      projectId = detail.projectId;
      found = detail.projectId;
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
      const { records, total } = await deps.codearts.listTaskHistory(record.taskId, {
        ...options,
        projectId,
        startDate: dates.startDate,
        endDate: dates.endDate,
        page,
        size: HISTORY_PAGE_SIZE,
      });
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
      run = await deps.fetchRun(recordId);
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
