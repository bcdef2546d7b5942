// adapter → DynamoDB (lib-dynamodb) implementation of the task repository, the watch store, the channel store and the
// watch index.
// One item per watched task; every write is a single-item conditional write on its version.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { pressesWaitingSince } from '../../core/actions.js';
import type { FeedView } from '../../core/feed.js';
import { insightDueAt } from '../../core/insight/decide-insight.js';
import type { Actor, ChannelRecord, TaskRecord, WatchOutcome, WatchRequest } from '../../core/model.js';
import { applyUnwatch, applyWatch, isRunActive, pendingSince } from '../../core/task-record.js';
import type {
  ChannelStore,
  TaskRepository,
  WatchIndex,
  WatchIndexEntry,
  WatchIndexPage,
  WatchStore,
} from '../../ports.js';
import { isConditionFailure } from './conditions.js';
import { TABLE_SCHEMA } from './table-schema.js';

const TASK_PREFIX = 'TASK#';
const TASK_SK = 'TASK';
const TASK_KIND = 'task';
const taskKey = (taskId: string) => ({
  [TABLE_SCHEMA.partitionKey]: `${TASK_PREFIX}${taskId}`,
  [TABLE_SCHEMA.sortKey]: TASK_SK,
});
/** A channel's own item (projects allowed, watches held, audit trail): `CHANNEL#<id>` / `CHANNEL`, no `kind`. */
const channelKey = (channel: string) => ({
  [TABLE_SCHEMA.partitionKey]: `CHANNEL#${channel}`,
  [TABLE_SCHEMA.sortKey]: 'CHANNEL',
});

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
const MAX_BATCH_GET_ROUNDS = 5;

/** Conflicting writers retry a watch/unwatch a few times before giving up with an error. */
const MAX_CONFLICT_RETRIES = 5;

export interface DynamoTaskStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items per query page when listing tasks (DynamoDB also caps a page at 1 MB). */
  pageSize?: number;
}

export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

export class DynamoTaskStore implements TaskRepository, WatchStore, ChannelStore, WatchIndex {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly pageSize: number | undefined;

  constructor(options: DynamoTaskStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pageSize = options.pageSize;
  }

  async getTask(taskId: string, options: { consistent?: boolean } = {}): Promise<TaskRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: taskKey(taskId),
        ConsistentRead: options.consistent !== false,
      }),
    );
    return Item ? fromItem(Item) : null;
  }

  /** Every watched task: the index gives the keys a page at a time, BatchGetItem the whole items. */
  async *listTasks(): AsyncIterable<TaskRecord> {
    for await (const page of this.pages()) {
      const ids = page.entries.map((entry) => entry.taskId);
      for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
        yield* await this.getTasks(ids.slice(i, i + BATCH_GET_LIMIT));
      }
    }
  }

  async *pages(options: { after?: string } = {}): AsyncIterable<WatchIndexPage> {
    const { name, partitionKey } = TABLE_SCHEMA.watchIndex;
    const pages = paginateQuery(
      { client: this.client, ...(this.pageSize ? { pageSize: this.pageSize } : {}) },
      {
        TableName: this.tableName,
        IndexName: name,
        KeyConditionExpression: '#kind = :kind',
        ExpressionAttributeNames: { '#kind': partitionKey },
        ExpressionAttributeValues: { ':kind': TASK_KIND },
        ...(options.after
          ? {
              // The index's sort key is the table's partition key, so the task key is all of it but `kind`.
              ExclusiveStartKey: { [partitionKey]: TASK_KIND, ...taskKey(options.after) },
            }
          : {}),
      },
    );
    for await (const page of pages) {
      const entries = (page.Items ?? []).map(toIndexEntry);
      const last = page.LastEvaluatedKey?.[TABLE_SCHEMA.partitionKey];
      // The cursor is the last entry's task ID; the index key is derived from it again on resume.
      yield { entries, cursor: typeof last === 'string' ? last.slice(TASK_PREFIX.length) : null };
    }
  }

  /** Whole items by task ID, in no particular order; IDs with no item are left out. */
  private async getTasks(taskIds: string[]): Promise<TaskRecord[]> {
    const found: TaskRecord[] = [];
    let keys: Record<string, unknown>[] = taskIds.map(taskKey);
    // UnprocessedKeys (throttling, the 16 MB cap) are asked for again; the SDK's retry strategy spaces the calls.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_GET_ROUNDS) throw new Error('DynamoDB kept some task items unprocessed');
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) found.push(fromItem(item));
      keys = (UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return found;
  }

  putTask(record: TaskRecord, expectedVersion: number | null): Promise<boolean> {
    return this.conditionally(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ...(expectedVersion === null
            ? {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
              }
            : versionIs(expectedVersion)),
        }),
      ),
    );
  }

  deleteTask(taskId: string, expectedVersion: number): Promise<boolean> {
    return this.conditionally(() =>
      this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: taskKey(taskId), ...versionIs(expectedVersion) }),
      ),
    );
  }

  /** Sends a conditional write: true when it was applied, false when its condition did not hold. */
  private async conditionally(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async watch(request: WatchRequest, now: string): Promise<{ record: TaskRecord; outcome: WatchOutcome }> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await this.getTask(request.taskId);
      const result = applyWatch(current, request, now);
      if (result.outcome === 'unchanged') return result;
      if (await this.putTask(result.record, current ? current.version : null)) return result;
    }
    throw new StoreConflictError(`task ${request.taskId} kept changing while it was being watched`);
  }

  async unwatch(
    taskId: string,
    channel: string | undefined,
    now: string,
    actor?: Actor,
  ): Promise<TaskRecord | null | 'not-found'> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await this.getTask(taskId);
      if (!current) return 'not-found';
      if (channel !== undefined && !current.subscriptions[channel]) return 'not-found';
      const next = applyUnwatch(current, channel, now, actor);
      const written = next
        ? await this.putTask(next, current.version)
        : await this.deleteTask(taskId, current.version);
      if (written) return next;
    }
    throw new StoreConflictError(`task ${taskId} kept changing while it was being unwatched`);
  }

  async getChannel(channel: string): Promise<ChannelRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelKey(channel), ConsistentRead: true }),
    );
    if (!Item) return null;
    const { [TABLE_SCHEMA.partitionKey]: _pk, [TABLE_SCHEMA.sortKey]: _sk, ...rest } = Item;
    return rest as unknown as ChannelRecord;
  }

  putChannel(record: ChannelRecord, expectedVersion: number | null): Promise<boolean> {
    return this.conditionally(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...channelKey(record.channel), ...record },
          ...(expectedVersion === null
            ? {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
              }
            : versionIs(expectedVersion)),
        }),
      ),
    );
  }
}

/** The condition that guards every write of a task item: the version read is still the stored one. */
const versionIs = (expected: number) => ({
  ConditionExpression: '#version = :expected',
  ExpressionAttributeNames: { '#version': 'version' },
  ExpressionAttributeValues: { ':expected': expected },
});

/**
 * The stored item: the record, its keys, and the index attributes derived from it (TABLE_SCHEMA.watchIndex), so
 * they can never disagree with the record they summarise.
 */
function toItem(record: TaskRecord): Record<string, unknown> {
  // A press waiting for a worker is pending work too: the planner then polls the task on its next tick.
  const since =
    [pendingSince(record), pressesWaitingSince(record)].filter((at) => at !== null).sort()[0] ?? null;
  const due = insightDueAt(record);
  return {
    ...taskKey(record.taskId),
    [TABLE_SCHEMA.watchIndex.partitionKey]: TASK_KIND,
    ...record,
    active: isRunActive(record),
    gone: record.health.gone,
    ...(since === null ? {} : { pendingSince: since }),
    ...(due === null ? {} : { insightDueAt: due }),
  };
}

function fromItem(item: Record<string, unknown>): TaskRecord {
  const {
    [TABLE_SCHEMA.partitionKey]: _pk,
    [TABLE_SCHEMA.sortKey]: _sk,
    [TABLE_SCHEMA.watchIndex.partitionKey]: _kind,
    active: _active,
    gone: _gone,
    pendingSince: _pendingSince,
    insightDueAt: _insightDueAt,
    ...rest
  } = item;
  return rest as unknown as TaskRecord;
}

function toIndexEntry(item: Record<string, unknown>): WatchIndexEntry {
  const pk = String(item[TABLE_SCHEMA.partitionKey] ?? '');
  return {
    taskId: pk.slice(TASK_PREFIX.length),
    region: typeof item.region === 'string' ? item.region : '',
    projectId: typeof item.projectId === 'string' && item.projectId !== '' ? item.projectId : null,
    active: item.active === true,
    pending: typeof item.pendingSince === 'string',
    pendingSince: typeof item.pendingSince === 'string' ? item.pendingSince : null,
    gone: item.gone === true,
    feed: feedViewOf(item.feed),
    insightDueAt: typeof item.insightDueAt === 'string' ? item.insightDueAt : null,
  };
}

/** The task's acknowledged feed view, as stored; null when absent or unreadable (the feed then counts as moved). */
function feedViewOf(value: unknown): FeedView | null {
  if (value === null || typeof value !== 'object') return null;
  const { releaseId, state } = value as Record<string, unknown>;
  if (typeof state !== 'string' || !(releaseId === null || typeof releaseId === 'number')) return null;
  return { releaseId, state: state as FeedView['state'] };
}
