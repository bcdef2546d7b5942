// ports/codearts → CodeArts Deploy as the app sees it: reading tasks and runs, the change feed, acting on runs, and
// what went wrong (CodeArtsError).
import type { ApplicationPage, ApplicationState } from '../core/applications.js';
import type { ExecutionParam, StartParam } from '../core/deploy-actions.js';
import type { HistoryPage } from '../core/history.js';
import type { RunState } from '../core/model.js';
import type { TaskDetail } from '../core/task-detail.js';

export interface GetTaskStateOptions {
  /** A specific execution record; omitted = the latest run. */
  recordId?: string;
  /** Region of the task; omitted = the client's default region. */
  region?: string;
  signal?: AbortSignal;
}

export interface ListTaskHistoryOptions {
  /** The CodeArts project of the task (`project_id` of its task detail; not the IAM project). */
  projectId: string;
  /** First day, `yyyy-MM-dd` in CodeArts' time zone; `endDate` − `startDate` may be at most 30 days. */
  startDate: string;
  /** Last day, `yyyy-MM-dd`, on or after `startDate`. */
  endDate: string;
  /** 1-based page. */
  page: number;
  /** Records per page, 1–100. */
  size: number;
  /** Region of the task; omitted = the client's default region. */
  region?: string;
  signal?: AbortSignal;
}

/**
 * CodeArts Deploy, in domain terms: the adapter reads each answer with core's parsers, so what reaches app/ is a
 * run, a task detail or a history page, and anything else is a {@link CodeArtsError} (a body that is not the
 * answer asked for is `bad-response`).
 */
export interface CodeArtsPort {
  /**
   * `GET /v2/tasks/{taskId}/state?step_state=true[&record_id=…]`: the latest run, or the run of `recordId`.
   * An answer about another task (or, asked by record, another record) is `bad-response`.
   */
  getTaskState(taskId: string, options?: GetTaskStateOptions): Promise<RunState>;
  /** `GET /v2/tasks/{taskId}`: the task's name and project. */
  getTaskDetail(taskId: string, options?: Omit<GetTaskStateOptions, 'recordId'>): Promise<TaskDetail>;
  /**
   * `GET /v2/{projectId}/task/{taskId}/history?page=&size=&start_date=&end_date=`: the task's runs that began on
   * those days, newest first, with the total for paging. Used to find runs that were never the latest at a poll.
   */
  listTaskHistory(taskId: string, options: ListTaskHistoryOptions): Promise<HistoryPage>;
}

/** Where and how long: the region of the task or project (omitted = the client's default) and the caller's signal. */
export interface CodeArtsCallOptions {
  region?: string;
  signal?: AbortSignal;
}

export interface ListApplicationsOptions extends CodeArtsCallOptions {
  /** 1-based page. */
  page: number;
  /** Applications per page, 1–100. */
  size: number;
  /** `startTime`: by the latest run's start (never-run applications oldest); `name`. Omitted: CodeArts' default. */
  sortName?: 'name' | 'startTime';
  /** Omitted: CodeArts' default (descending in the simulator). */
  sortBy?: 'ASC' | 'DESC';
  /** Only applications whose latest run is in one of these states; omitted or empty = all. */
  states?: readonly ApplicationState[];
}

/** The change feed: what every application of a CodeArts project last did, a page at a time. */
export interface CodeArtsFeedPort {
  /**
   * `POST /v1/applications/list` (ListAllApp) for one CodeArts project (not the IAM project). Resolves with the
   * parsed page; rejects with a {@link CodeArtsError} (`bad-response` for a body that is not a usable listing,
   * `bad-request` for options CodeArts would refuse, sent nowhere).
   */
  listApplications(projectId: string, options: ListApplicationsOptions): Promise<ApplicationPage>;
}

export interface StartTaskOptions extends CodeArtsCallOptions {
  /** Runtime parameters; omitted = the task's own. Not with `recordId`. */
  params?: readonly StartParam[];
  /** Roll back: deploy again what this earlier record of the task deployed. */
  recordId?: string;
}

/** Acting on a task's runs (stop, re-run, roll back from Slack). */
export interface CodeArtsActionsPort {
  /**
   * `POST /v2/tasks/{taskId}/start` (StartDeployTask): a new run, with `params`, or a rollback to `recordId`.
   * Resolves with the new run's record ID. A `timeout` leaves it unknown whether the run started.
   */
  startTask(taskId: string, options?: StartTaskOptions): Promise<{ recordId: string }>;
  /**
   * `PUT /v2/tasks/{taskId}/records/{recordId}/stop` (StopDeployTask). Resolves once CodeArts accepts; a run that
   * had already ended is left as it ended (read `/state` to learn which happened).
   */
  stopRun(taskId: string, recordId: string, options?: CodeArtsCallOptions): Promise<void>;
  /** `GET /v2/history/tasks/{taskId}/params?record_id=` (ShowExecutionParams): what that run was started with. */
  getExecutionParams(
    taskId: string,
    recordId: string,
    options?: CodeArtsCallOptions,
  ): Promise<ExecutionParam[]>;
}

/**
 * What went wrong talking to CodeArts, in the terms the poller acts on:
 * - `auth`: credentials rejected even after one token refresh (permanent until fixed);
 * - `throttled`: 429 `APIG.0308`; slow the whole cycle down (`retryAfterMs` suggests how much);
 * - `task-gone`: `Deploy.00011020`, the task no longer exists;
 * - `record-gone`: `Deploy.00011303`, no such execution record;
 * - `bad-request`: another 4xx (a client bug or bad input);
 * - `server`: 5xx or a network failure; `timeout`: no answer in time;
 * - `bad-response`: a body that is not the JSON we expect.
 */
export type CodeArtsErrorKind =
  | 'auth'
  | 'throttled'
  | 'task-gone'
  | 'record-gone'
  | 'bad-request'
  | 'server'
  | 'timeout'
  | 'bad-response';

/** CodeArts' own codes for the two failures that have a kind of their own. */
export const CODEARTS_CODES = {
  /** `task-gone`: the task no longer exists. */
  taskGone: 'Deploy.00011020',
  /** `record-gone`: no such execution record (on `/state`, also: the task never ran). */
  recordGone: 'Deploy.00011303',
} as const;

export class CodeArtsError extends Error {
  override readonly name = 'CodeArtsError';
  readonly kind: CodeArtsErrorKind;
  /** HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** CodeArts / gateway error code (`error_code` first, then `error.code`). */
  readonly code: string | undefined;
  /** The `X-Request-Id` of the answer, for support. */
  readonly requestId: string | undefined;
  /** For `throttled`: how long to wait before calling again. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: CodeArtsErrorKind,
    message: string,
    details: {
      status?: number;
      code?: string;
      requestId?: string;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Worth trying again on a later poll without any change on our side. */
  get transient(): boolean {
    return (
      this.kind === 'throttled' ||
      this.kind === 'server' ||
      this.kind === 'timeout' ||
      this.kind === 'bad-response'
    );
  }
}
