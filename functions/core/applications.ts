// core → a ListAllApp answer (`POST /v1/applications/list`): one page of a CodeArts
// project's applications, each with its tasks and what its latest run looks like. The planner reads it as
// a change feed: a task whose `releaseId` or `executionState` moved has something new to poll.
//
// Written by hand, like parseHistory, rather than with a schema library: each field has its own rule
// (IDs strict, the rest tolerant of CodeArts' string-or-number typing and unknown states), and every
// failure must be the one documented MalformedStateError naming the field.

import { get, ID_PATTERN, isObject } from './codearts-json.js';
import { parseCodeArtsTime, requireTimeZoneOffset } from './codearts-time.js';
import type { RunStatus } from './model.js';
import { MalformedStateError } from './normalise.js';

/**
 * The execution states ListAllApp lists and filters by: the service's own enum, the run statuses and
 * `not_executed`.
 */
export const APPLICATION_STATES = [
  'abort',
  'failed',
  'not_started',
  'pending',
  'running',
  'succeeded',
  'timeout',
  'not_executed',
] as const;

/** A state the `states` filter accepts. */
export type ApplicationState = (typeof APPLICATION_STATES)[number];

/** An application's execution state as listed: a run status, `not_executed` (never run), or 'unknown'. */
export type AppExecutionState = RunStatus | 'not_executed';

export interface ApplicationSummary {
  /** The application ID (not a task ID). */
  appId: string;
  name: string;
  /** Its deployment tasks (`arrange_infos[].id`): the IDs `/state` takes. Empty when none are listed. */
  taskIds: string[];
  /** The latest run's state; `not_executed` when it never ran; 'unknown' for a value we do not know. */
  executionState: AppExecutionState;
  /** The latest run's `release_id`, which grows with each execution; null when absent or not an integer. */
  releaseId: number | null;
  /** When the latest run started (ISO-8601 UTC); null when it never ran or the time is unreadable. */
  executionTime: string | null;
  /** When the latest run ended (ISO-8601 UTC); null while it runs, when it never ran, or unreadable. */
  endTime: string | null;
}

export interface ApplicationPage {
  /** `total_num`: applications matching the query over all pages. */
  total: number;
  apps: ApplicationSummary[];
}

const KNOWN_STATES: ReadonlySet<string> = new Set(APPLICATION_STATES);

export const isApplicationState = (value: unknown): value is ApplicationState =>
  typeof value === 'string' && KNOWN_STATES.has(value);

const toAppState = (raw: unknown): AppExecutionState => {
  const state = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  return isApplicationState(state) ? state : 'unknown';
};

/** A non-negative integer sent as a number or as digits; null otherwise. */
const integer = (value: unknown): number | null => {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value.trim())
        ? Number(value.trim())
        : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

const text = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : '';

const taskIdsOf = (raw: unknown, at: string): string[] => {
  // null is how some serialisers write an absent list.
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new MalformedStateError(at, `${at} is not a list`);
  const ids = Array.from(raw, (info: unknown, i) => {
    const id = isObject(info) ? get(info, 'id') : undefined;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      throw new MalformedStateError(`${at}[${i}].id`, `${at}[${i}] has no valid task ID`);
    }
    return id;
  });
  return [...new Set(ids)];
};

/**
 * Parses a ListAllApp answer. Strict where a wrong guess would send the planner after the wrong task or
 * make it stop paging early: the list, `total_num`, application and task IDs. Tolerant elsewhere: an
 * unknown state is 'unknown', an unreadable release_id or time is null. Throws {@link MalformedStateError}
 * and nothing else for a bad body; a RangeError only when `options.timeZone` itself is invalid.
 */
export function parseApplicationPage(body: unknown, options: { timeZone: string }): ApplicationPage {
  requireTimeZoneOffset(options.timeZone);
  if (!isObject(body)) throw new MalformedStateError('body', 'the application list is not a JSON object');
  const list = get(body, 'result');
  if (!Array.isArray(list))
    throw new MalformedStateError('result', 'the application list has no result list');
  const total = integer(get(body, 'total_num'));
  if (total === null) {
    throw new MalformedStateError('total_num', 'the application list has no total_num to page by');
  }
  const apps = Array.from(list, (entry: unknown, i): ApplicationSummary => {
    if (!isObject(entry)) throw new MalformedStateError(`result[${i}]`, 'an application is not an object');
    const appId = get(entry, 'id');
    if (typeof appId !== 'string' || !ID_PATTERN.test(appId)) {
      throw new MalformedStateError(`result[${i}].id`, 'an application has no valid ID');
    }
    return {
      appId,
      name: text(get(entry, 'name')),
      taskIds: taskIdsOf(get(entry, 'arrange_infos'), `result[${i}].arrange_infos`),
      executionState: toAppState(get(entry, 'execution_state')),
      releaseId: integer(get(entry, 'release_id')),
      executionTime: parseCodeArtsTime(get(entry, 'execution_time'), options.timeZone),
      endTime: parseCodeArtsTime(get(entry, 'end_time'), options.timeZone),
    };
  });
  return { total, apps };
}
