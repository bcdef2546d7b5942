// adapter → DynamoDB (lib-dynamodb) implementation of the task repository, the watch store and the lease.
// One item per watched task; every write is a single-item conditional write on its version.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TaskRecord, WatchOutcome, WatchRequest } from '../../core/model.js';
import { applyUnwatch, applyWatch } from '../../core/task-record.js';
import type { LeaseStore, TaskRepository, WatchStore } from '../../ports.js';
import { TABLE_SCHEMA } from './table-schema.js';

const TASK_SK = 'TASK';
const LEASE_SK = 'LEASE';
const TASK_KIND = 'task';
const taskKey = (taskId: string) => ({
  [TABLE_SCHEMA.partitionKey]: `TASK#${taskId}`,
  [TABLE_SCHEMA.sortKey]: TASK_SK,
});
const leaseKey = (name: string) => ({
  [TABLE_SCHEMA.partitionKey]: `LEASE#${name}`,
  [TABLE_SCHEMA.sortKey]: LEASE_SK,
});

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

const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

export class DynamoTaskStore implements TaskRepository, WatchStore, LeaseStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly pageSize: number | undefined;

  constructor(options: DynamoTaskStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pageSize = options.pageSize;
  }

  async getTask(taskId: string): Promise<TaskRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: taskKey(taskId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : null;
  }

  async *listTasks(): AsyncIterable<TaskRecord> {
    const { name, partitionKey } = TABLE_SCHEMA.tasksIndex;
    const pages = paginateQuery(
      { client: this.client, ...(this.pageSize ? { pageSize: this.pageSize } : {}) },
      {
        TableName: this.tableName,
        IndexName: name,
        KeyConditionExpression: '#kind = :kind',
        ExpressionAttributeNames: { '#kind': partitionKey },
        ExpressionAttributeValues: { ':kind': TASK_KIND },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield fromItem(item);
    }
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
  ): Promise<TaskRecord | null | 'not-found'> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await this.getTask(taskId);
      if (!current) return 'not-found';
      if (channel !== undefined && !current.subscriptions[channel]) return 'not-found';
      const next = applyUnwatch(current, channel, now);
      const written = next
        ? await this.putTask(next, current.version)
        : await this.deleteTask(taskId, current.version);
      if (written) return next;
    }
    throw new StoreConflictError(`task ${taskId} kept changing while it was being unwatched`);
  }

  acquireLease(name: string, owner: string, nowMs: number, untilMs: number): Promise<boolean> {
    return this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(name),
          UpdateExpression: 'SET #owner = :owner, #until = :until, #expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#owner) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            '#until': 'leaseUntil',
            '#expiresAt': TABLE_SCHEMA.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':until': untilMs,
            ':now': nowMs,
            // The lease item lives on (it carries the last completion time); TTL only sweeps abandoned ones.
            ':expiresAt': Math.ceil(untilMs / 1000) + 7 * 24 * 3600,
          },
        }),
      ),
    );
  }

  async releaseLease(name: string, owner: string, completedAtMs: number): Promise<void> {
    // Not applied when someone else took an expired lease meanwhile: theirs now, nothing to give back.
    await this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(name),
          UpdateExpression: 'SET #until = :zero, #completed = :completed',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            '#until': 'leaseUntil',
            '#completed': 'lastCompletedAt',
          },
          ExpressionAttributeValues: { ':owner': owner, ':zero': 0, ':completed': completedAtMs },
        }),
      ),
    );
  }

  /** Frees the lease whoever holds it: only for a holder known to be dead (a local process killed mid-cycle). */
  async breakLease(name: string): Promise<void> {
    // Not applied when the lease was never taken: nothing to free.
    await this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(name),
          UpdateExpression: 'SET #until = :zero',
          ConditionExpression: 'attribute_exists(#until)',
          ExpressionAttributeNames: { '#until': 'leaseUntil' },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      ),
    );
  }

  async lastCompletedAt(name: string): Promise<number | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: leaseKey(name) }),
    );
    const value = Item?.lastCompletedAt;
    return typeof value === 'number' ? value : null;
  }
}

/** The condition that guards every write of a task item: the version read is still the stored one. */
const versionIs = (expected: number) => ({
  ConditionExpression: '#version = :expected',
  ExpressionAttributeNames: { '#version': 'version' },
  ExpressionAttributeValues: { ':expected': expected },
});

function toItem(record: TaskRecord): Record<string, unknown> {
  return { ...taskKey(record.taskId), [TABLE_SCHEMA.tasksIndex.partitionKey]: TASK_KIND, ...record };
}

function fromItem(item: Record<string, unknown>): TaskRecord {
  const {
    [TABLE_SCHEMA.partitionKey]: _pk,
    [TABLE_SCHEMA.sortKey]: _sk,
    [TABLE_SCHEMA.tasksIndex.partitionKey]: _kind,
    ...rest
  } = item;
  return rest as unknown as TaskRecord;
}
