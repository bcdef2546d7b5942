// ports/store → the table as registration and delivery see it: task items, channel items, finished runs and people.
import type { RunSummary } from '../core/insight/digest.js';
import type { Actor, ChannelRecord, TaskRecord, WatchOutcome, WatchRequest } from '../core/model.js';

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

// Insight: finished runs for digests, and who is who.

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
