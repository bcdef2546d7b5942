// ports → the narrow interfaces that app/ and core/ depend on. Adapters implement them; tests use fakes.
import type { ApplicationPage, ApplicationState } from './core/applications.js';
import type { ExecutionParam, StartParam } from './core/deploy-actions.js';
import type { FeedStatus, FeedView } from './core/feed.js';
import type { HistoryPage } from './core/history.js';
import type { RunSummary } from './core/insight/digest.js';
import type {
  Actor,
  ChannelRecord,
  RunState,
  SlackMessageRef,
  TaskRecord,
  WatchOutcome,
  WatchRequest,
} from './core/model.js';
import type { TaskDetail } from './core/task-detail.js';

// ─── Clock ───────────────────────────────────────────────────────────────────────────────────────

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (or rejects with the signal's reason when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ─── CodeArts ────────────────────────────────────────────────────────────────────────────────────

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

// ─── Slack ───────────────────────────────────────────────────────────────────────────────────────

/** A rendered Slack message: `text` is always present (notification and screen-reader fallback). */
export interface SlackMessage {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Slack message metadata we attach to every post so a delivery whose outcome is unknown can be found. */
export interface SlackMetadata {
  eventType: string;
  payload: Record<string, string | number | boolean>;
}

/** A message found by its metadata, with the metadata payload it was posted with. */
export interface SlackFoundMessage extends SlackMessageRef {
  payload: Record<string, string | number | boolean>;
}

export interface SlackPostTarget {
  channel: string;
  /** Reply in this thread (the parent's ts). */
  threadTs?: string;
  /** With threadTs: also show the reply in the channel. */
  broadcast?: boolean;
  metadata?: SlackMetadata;
}

export interface SlackMetadataQuery {
  channel: string;
  /** Look among this thread's replies; without it, among channel messages. */
  threadTs?: string;
  /** Only messages newer than this ts (channel history). */
  oldest?: string;
  eventType: string;
  /** Matches `payload.key`. */
  key: string;
}

export interface SlackPort {
  post(target: SlackPostTarget, message: SlackMessage): Promise<SlackMessageRef>;
  update(ref: SlackMessageRef, message: SlackMessage): Promise<void>;
  /** Finds a message this app posted whose metadata `payload.key` equals `query.key` (the newest, if several). */
  findByMetadata(query: SlackMetadataQuery): Promise<SlackFoundMessage | null>;
  /** `chat.getPermalink`: a link to the message that opens it in Slack. */
  getPermalink(ref: SlackMessageRef): Promise<string>;
}

/** Who is in a Slack user group (`usergroups.users.list`), for watches whose operators name a group. */
export interface SlackUserGroups {
  /** The user IDs in `groupId`; rejects with a {@link SlackDeliveryError} when Slack cannot say. */
  members(groupId: string): Promise<readonly string[]>;
}

/** A private (ephemeral) answer to whoever pressed a button, through the press's `response_url`. */
export interface SlackResponder {
  /**
   * Posts `answer` to `responseUrl` if it is on Slack's hooks host (anything else is never called). Resolves true
   * when Slack took it, false otherwise (a foreign URL, an expired one, no answer); never rejects.
   */
  respond(responseUrl: string, answer: { text: string }, signal?: AbortSignal): Promise<boolean>;
}

/**
 * How a Slack failure affects delivery:
 * - `transient`: 5xx, network, timeout; leave pending, retry next cycle;
 * - `rate-limited`: 429; leave pending, wait `retryAfterSeconds`;
 * - `subscription`: permanent for this channel (`channel_not_found`, `not_in_channel`, `is_archived`, …);
 * - `token`: permanent for every channel (`invalid_auth`, `token_revoked`, …);
 * - `payload`: the message itself was refused (`msg_too_long`, `invalid_blocks`, …);
 * - `message-gone`: the message to update is gone or not ours (`message_not_found`, `cant_update_message`).
 */
export type SlackErrorKind =
  | 'transient'
  | 'rate-limited'
  | 'subscription'
  | 'token'
  | 'payload'
  | 'message-gone';

export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  readonly kind: SlackErrorKind;
  /** Slack's error string (`channel_not_found`, …) or an HTTP/network description. */
  readonly code: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: SlackErrorKind,
    code: string,
    message: string,
    details: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

// ─── Store ───────────────────────────────────────────────────────────────────────────────────────

/** Versioned persistence of task items: every write is conditional on the version that was read. */
export interface TaskRepository {
  /**
   * The task's item. Strongly consistent unless `consistent: false`: an eventually consistent read costs half and
   * is safe wherever the reader only writes conditionally on the version it read (a stale read then conflicts,
   * and the writer re-reads consistently).
   */
  getTask(taskId: string, options?: { consistent?: boolean }): Promise<TaskRecord | null>;
  /** Every watched task, read with paged queries (eventually consistent). */
  listTasks(): AsyncIterable<TaskRecord>;
  /**
   * Writes `record` (whose version must be `expectedVersion + 1`, or 1 for a new item) only if the stored
   * version still equals `expectedVersion` (null: the item must not exist). Resolves false on a conflict.
   */
  putTask(record: TaskRecord, expectedVersion: number | null): Promise<boolean>;
  /** Deletes the item if its version still equals `expectedVersion`. Resolves false on a conflict. */
  deleteTask(taskId: string, expectedVersion: number): Promise<boolean>;
}

/** Registration side of the store (api Lambda, slash command). */
export interface WatchStore {
  getTask(taskId: string): Promise<TaskRecord | null>;
  /** Every watched task, read with paged queries. */
  listTasks(): AsyncIterable<TaskRecord>;
  /** Idempotent: watching again with the same options changes nothing; re-watching clears a broken mark. */
  watch(request: WatchRequest, now: string): Promise<{ record: TaskRecord; outcome: WatchOutcome }>;
  /**
   * Stops watching in one channel, or all when `channel` is omitted; the task item goes when its last
   * subscription does. Resolves with the remaining record, null when nothing remains, or 'not-found'.
   * `actor` is recorded in the task's audit trail.
   */
  unwatch(
    taskId: string,
    channel: string | undefined,
    now: string,
    actor?: Actor,
  ): Promise<TaskRecord | null | 'not-found'>;
}

/** Per-channel items (projects allowed, watches held, audit trail), written by registration only. */
export interface ChannelStore {
  getChannel(channel: string): Promise<ChannelRecord | null>;
  /**
   * Writes `record` only if the stored version still equals `expectedVersion` (null: the item must not exist).
   * Resolves false on a conflict.
   */
  putChannel(record: ChannelRecord, expectedVersion: number | null): Promise<boolean>;
}

// ─── Insight: finished runs for digests, and who is who ─────────────────────────────────────────────

/** The summaries of a task's finished runs, for digests and reports: a ring of slots per task, expiring on AWS. */
export interface RunArchive {
  /** Stores `summary` in `slot` (an idempotent put; whatever the slot held before is replaced). */
  putRunSummary(taskId: string, slot: number, summary: RunSummary): Promise<void>;
  /** Every summary stored for the task and not yet expired, in no particular order. */
  listRunSummaries(taskId: string): Promise<RunSummary[]>;
}

/** A CodeArts user linked to a Slack user, and who linked them. */
export interface Person {
  codeartsUser: string;
  slackUser: string;
  updatedAt: string;
  /** The API key's name (or the part of the service) that set it. */
  updatedBy: string;
}

/** Who a CodeArts executor is in Slack, for mentions. */
export interface PeopleDirectory {
  /** The Slack user of each CodeArts user that has one (others are left out). */
  slackUsersOf(codeartsUsers: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/** `PUT/GET/DELETE /people/{codearts_user}`, `GET /people`. */
export interface PeopleStore extends PeopleDirectory {
  getPerson(codeartsUser: string): Promise<Person | null>;
  putPerson(person: Person): Promise<void>;
  /** Resolves false when there was nobody to delete. */
  deletePerson(codeartsUser: string): Promise<boolean>;
  /** Everyone, ordered by CodeArts user. */
  listPeople(): Promise<Person[]>;
}

// ─── Poll pipeline: the watch index, the queue, the planner's ticks and the fleet-wide gates ──────────

/** What the planner knows of a watched task without reading its item: a small index entry. */
export interface WatchIndexEntry {
  taskId: string;
  region: string;
  /** The task's CodeArts project, once a poll has learned it. */
  projectId: string | null;
  /** A run is in progress (as last polled). */
  active: boolean;
  /** Some working subscription has not had every recorded change yet. */
  pending: boolean;
  /** When the oldest undelivered change was recorded (ISO), if any. */
  pendingSince: string | null;
  /** CodeArts said the task no longer exists. */
  gone: boolean;
  /** What the change feed said about the task when it was last polled for it (null: never). */
  feed: FeedView | null;
  /** When a quiet-hours summary or a digest of some watch falls due (ISO); null or absent: none. */
  insightDueAt?: string | null;
}

export interface WatchIndexPage {
  entries: WatchIndexEntry[];
  /** Pass as `after` to continue after this page; null on the last page. */
  cursor: string | null;
}

/** The planner's side of the store: a paged query over small index items, never whole task items. */
export interface WatchIndex {
  /** Every watched task, in a stable order, a page at a time; `after` resumes after a page's cursor. */
  pages(options?: { after?: string }): AsyncIterable<WatchIndexPage>;
}

/** One poll request on the queue (the SQS message body, as JSON). */
export interface PollMessage {
  taskId: string;
  /** Ask CodeArts for the task's state; false: only deliver what is pending. */
  observe: boolean;
  /**
   * While the task's run is going it is put back on the queue every ACTIVE_POLL_SECONDS until this time (epoch
   * ms), when the next planner tick takes over: one chain of re-polls per task and tick, however often a message
   * is delivered.
   */
  until: number;
  /** The planner tick that started this chain (its scheduled time, ISO-8601). */
  tick: string;
  /** What the change feed said about the task this tick: stored once the poll succeeds, so it is asked once. */
  feed?: FeedView;
}

export interface QueuedPoll {
  message: PollMessage;
  /** 0–900: how long SQS keeps the message invisible. */
  delaySeconds: number;
}

export interface PollQueue {
  /** Sends every poll (SendMessageBatch, 10 a call); rejects if some could not be sent. */
  send(polls: readonly QueuedPoll[]): Promise<void>;
}

export interface TickClaim {
  /** Where to resume (a task ID; null: from the start). */
  resumeAfter: string | null;
  /** When the last tick planned to the end was scheduled (epoch ms); null before the first. */
  previousCompletedAt: number | null;
}

/** The change feed's health over the fleet (core/feed.ts), in one small item only the planner writes. */
export interface FeedStatusStore {
  read(): Promise<FeedStatus>;
  save(status: FeedStatus): Promise<void>;
}

/** The planner's progress through one tick, so a duplicate or retried invocation does not plan it twice. */
export interface PlannerTicks {
  /**
   * Claims `tick` for `owner` until `leaseUntilMs`. Resolves with where to resume (null: from the start) when the
   * tick is new, or was claimed by an invocation that died before finishing it; resolves 'taken' when the tick is
   * done or another invocation is planning it now.
   */
  claim(tick: string, owner: string, nowMs: number, leaseUntilMs: number): Promise<TickClaim | 'taken'>;
  /** Records that every page up to `cursor` has been queued (only while `owner` holds the tick). */
  progress(tick: string, owner: string, cursor: string): Promise<void>;
  /** Marks the tick planned. */
  complete(tick: string, owner: string): Promise<void>;
}

/**
 * Fleet-wide pauses every worker honours, so throttling slows the whole fleet rather than one worker: `codearts`
 * (429 `APIG.0308`) and `slack:<channel>` (Slack's Retry-After for a channel).
 */
export type GateName = 'codearts' | `slack:${string}`;

export interface FleetGates {
  /** Epoch ms until which each gate was closed (a time in the past: open again). */
  read(): Promise<ReadonlyMap<GateName, number>>;
  /** Closes `gate` until `untilMs` (never shortens a longer pause another worker set). */
  pause(gate: GateName, untilMs: number): Promise<void>;
}

// ─── Observability ───────────────────────────────────────────────────────────────────────────────

/** Structured logging (Powertools on Lambda); `extra` must never carry secrets. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';

/** Metrics (Powertools EMF on Lambda). Names are part of the alarm contract (see lib/). */
export interface Metrics {
  add(name: string, value: number, unit?: MetricUnit): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const noMetrics: Metrics = { add() {} };
