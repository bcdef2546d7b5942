// core → a task's run history (`GET /v2/{project_id}/task/{id}/history`) and which runs
// in it the poller missed. `/state` only shows the latest run: a run that was never the latest at a successful
// poll (several deployments during an outage, runs shorter than the poll interval) is only found here.

import { get, ID_PATTERN, isObject, toRunStatus } from './codearts-json.js';
import { epochMsOf, formatCodeArtsTime, parseCodeArtsTime } from './codearts-time.js';
import type { RunState, RunStatus } from './model.js';
import { MalformedStateError } from './normalise.js';

/** One entry of the history: enough to place a run in order and fetch it by its record ID. */
export interface HistoryRecord {
  recordId: string;
  state: RunStatus;
  /** ISO-8601 UTC; null when absent or unparseable. */
  startedAt: string | null;
  /** CodeArts' sequence number of the run; null when absent or not an integer. */
  releaseId: number | null;
}

export interface HistoryPage {
  records: HistoryRecord[];
  /** `total_num`: records matching the query over all pages. */
  total: number;
}

/** The API's largest page: fewest calls for a long outage. */
export const HISTORY_PAGE_SIZE = 100;
/** Pages read per poll at most (newest first, so the runs nearest the new one come first). */
export const MAX_HISTORY_PAGES = 5;
/** Missed runs reported per poll at most (the newest ones): bounds the calls and the Slack posts of one poll. */
export const MAX_MISSED_RUNS = 20;
/** The history API refuses a span of more than 30 days. */
const MAX_SPAN_DAYS = 30;
const DAY_MS = 86_400_000;

/** An integer sent as a number or as digits (the docs type most fields as strings); null otherwise. */
const integer = (value: unknown): number | null => {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/**
 * Parses a history answer. Strict where a wrong guess would make us report the wrong run (the record IDs, the
 * shape of the list), tolerant elsewhere: an unknown state is 'unknown', a missing time or release_id is null.
 */
export function parseHistory(body: unknown, options: { timeZone: string }): HistoryPage {
  if (!isObject(body)) throw new MalformedStateError('body', 'the history body is not a JSON object');
  const list = get(body, 'result');
  if (!Array.isArray(list)) throw new MalformedStateError('result', 'history result is not a list');
  const records = list.map((entry, i): HistoryRecord => {
    if (!isObject(entry)) throw new MalformedStateError(`result[${i}]`, 'a history entry is not an object');
    const recordId = get(entry, 'execution_id');
    if (typeof recordId !== 'string' || !ID_PATTERN.test(recordId)) {
      throw new MalformedStateError(`result[${i}].execution_id`, 'a history entry has no valid execution_id');
    }
    return {
      recordId,
      state: toRunStatus(get(entry, 'state')),
      startedAt: parseCodeArtsTime(get(entry, 'start_time'), options.timeZone),
      releaseId: integer(get(entry, 'release_id')),
    };
  });
  // Without a count, this page is all there is (it is only used to decide whether to read another page).
  const total = integer(get(body, 'total_num')) ?? records.length;
  return { records, total };
}

/**
 * The days to ask about, in CodeArts' zone: from the stored run's start (or as far back as allowed when it is
 * unknown) to now. Clamped to the API's 30-day span: runs older than that are given up on.
 */
export function historyDates(
  fromMs: number | null,
  nowMs: number,
  timeZone: string,
): { startDate: string; endDate: string; clamped: boolean } {
  const endDate = formatCodeArtsTime(nowMs, timeZone).slice(0, 10);
  const earliest = Date.parse(`${endDate}T00:00:00Z`) - MAX_SPAN_DAYS * DAY_MS;
  const from =
    fromMs === null || !Number.isFinite(fromMs)
      ? null
      : Date.parse(`${formatCodeArtsTime(fromMs, timeZone).slice(0, 10)}T00:00:00Z`);
  const clamped = from === null || from < earliest;
  const startDay = clamped ? earliest : Math.min(from, Date.parse(`${endDate}T00:00:00Z`));
  return { startDate: new Date(startDay).toISOString().slice(0, 10), endDate, clamped };
}

/**
 * Whether the pages read so far (newest first) reach back to the stored run, so no further page is needed:
 * every record has been read, the last page was short, or it holds the stored run or one started before it.
 */
export function historyReachesBack(
  read: HistoryRecord[],
  lastPage: HistoryRecord[],
  total: number,
  pageSize: number,
  stored: HistoryAnchor,
): boolean {
  if (read.length >= total || lastPage.length < pageSize) return true;
  const storedAt = epochMsOf(stored.startedAt);
  return lastPage.some((r) => {
    const at = epochMsOf(r.startedAt);
    return r.recordId === stored.recordId || (storedAt !== null && at !== null && at < storedAt);
  });
}

/** Where the missed runs begin: after this run (by record ID and start), or after a time when there was none. */
export type HistoryAnchor = Pick<RunState, 'recordId' | 'startedAt'>;

/**
 * Clock skew allowed for when the anchor is a time CodeArts said the task had no run (see {@link noRunAnchor}):
 * a run older than that cannot exist, so the margin only ever widens the window by runs that are new anyway.
 */
export const NO_RUN_SKEW_MS = 10 * 60_000;

/**
 * The anchor when no run is stored: CodeArts reported no run at all at `noRunAt` (the last success written without
 * a run), so every run in the history before the observed one began after that and was never reported.
 */
export const noRunAnchor = (noRunAt: string): HistoryAnchor => {
  const ms = Date.parse(noRunAt);
  return { recordId: '', startedAt: Number.isNaN(ms) ? null : new Date(ms - NO_RUN_SKEW_MS).toISOString() };
};

export interface MissedRuns {
  /** Record IDs of runs strictly between the stored run and the observed one, oldest first. */
  recordIds: string[];
  /** How many more (older) missed runs there were beyond the limit, not reported. */
  dropped: number;
}

/**
 * The runs in `history` that began after the stored run and before the observed one, which the poller therefore
 * never saw. Ordered by release_id where the history gives both ends' release_ids, else by start time; a run
 * whose place cannot be told is left out, since reporting a run twice is as wrong as not at all (the observed
 * run, or one newer than it, is reported by the next polls). Oldest first; at most `limit`, the newest ones.
 */
export function selectMissedRuns(
  history: HistoryRecord[],
  stored: HistoryAnchor,
  observed: HistoryAnchor,
  limit: number = MAX_MISSED_RUNS,
): MissedRuns {
  const byId = new Map(history.map((r) => [r.recordId, r]));
  const lowRelease = byId.get(stored.recordId)?.releaseId ?? null;
  const highRelease = byId.get(observed.recordId)?.releaseId ?? null;
  const lowAt = epochMsOf(stored.startedAt);
  const highAt = epochMsOf(observed.startedAt);
  const after = (r: HistoryRecord): boolean => {
    if (lowRelease !== null && r.releaseId !== null) return r.releaseId > lowRelease;
    const at = epochMsOf(r.startedAt);
    return lowAt !== null && at !== null && at > lowAt;
  };
  const before = (r: HistoryRecord): boolean => {
    if (highRelease !== null && r.releaseId !== null) return r.releaseId < highRelease;
    const at = epochMsOf(r.startedAt);
    return highAt !== null && at !== null && at < highAt;
  };
  const seen = new Set<string>([stored.recordId, observed.recordId]);
  const missed: HistoryRecord[] = [];
  for (const r of history) {
    if (seen.has(r.recordId)) continue; // also drops a record listed twice (pages shifting under us)
    seen.add(r.recordId);
    if (after(r) && before(r)) missed.push(r);
  }
  missed.sort((a, b) => {
    if (a.releaseId !== null && b.releaseId !== null && a.releaseId !== b.releaseId) {
      return a.releaseId - b.releaseId;
    }
    return (epochMsOf(a.startedAt) ?? 0) - (epochMsOf(b.startedAt) ?? 0);
  });
  const kept = Math.max(0, limit);
  const dropped = Math.max(0, missed.length - kept);
  return { recordIds: missed.slice(dropped).map((r) => r.recordId), dropped };
}
