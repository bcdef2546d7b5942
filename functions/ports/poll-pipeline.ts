// ports/poll-pipeline → what the planner and the workers share: the watch index, the poll queue, the planner's ticks,
// the change feed's status and the fleet-wide gates.
import type { FeedStatus, FeedView } from '../core/feed.js';

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
