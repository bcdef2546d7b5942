// Test support: an in-memory WatchStore with the same semantics as the DynamoDB store (it applies the same
// core transitions), plus a full dump so tests can prove that a request changed nothing.

import type {
  Actor,
  ChannelRecord,
  TaskRecord,
  WatchOutcome,
  WatchRequest,
} from '../../../functions/core/model.js';
import { applyUnwatch, applyWatch } from '../../../functions/core/task-record.js';
import type { ChannelStore, WatchStore } from '../../../functions/ports.js';

/** Stored values are copies, as they would be after a round trip through DynamoDB. */
const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryWatchStore implements WatchStore, ChannelStore {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly channels = new Map<string, ChannelRecord>();
  /** Every write, in order: lets tests assert that nothing was written at all. */
  readonly writes: string[] = [];

  async getTask(taskId: string): Promise<TaskRecord | null> {
    const record = this.tasks.get(taskId);
    return record === undefined ? null : copy(record);
  }

  async *listTasks(): AsyncIterable<TaskRecord> {
    // Sorted like the store's index (by partition key), so listings are deterministic.
    const ids = [...this.tasks.keys()].sort();
    for (const id of ids) {
      const record = this.tasks.get(id);
      if (record !== undefined) yield copy(record);
    }
  }

  async watch(request: WatchRequest, now: string): Promise<{ record: TaskRecord; outcome: WatchOutcome }> {
    const result = applyWatch(this.tasks.get(request.taskId) ?? null, copy(request), now);
    if (result.outcome !== 'unchanged') {
      this.tasks.set(request.taskId, copy(result.record));
      this.writes.push(`watch ${request.taskId} ${request.channel}`);
    }
    return copy(result);
  }

  async unwatch(
    taskId: string,
    channel: string | undefined,
    now: string,
    actor?: Actor,
  ): Promise<TaskRecord | null | 'not-found'> {
    const current = this.tasks.get(taskId);
    if (current === undefined) return 'not-found';
    if (channel !== undefined && current.subscriptions[channel] === undefined) return 'not-found';
    const next = applyUnwatch(current, channel, now, actor);
    if (next === null) this.tasks.delete(taskId);
    else this.tasks.set(taskId, copy(next));
    this.writes.push(`unwatch ${taskId} ${channel ?? '*'}`);
    return next === null ? null : copy(next);
  }

  async getChannel(channel: string): Promise<ChannelRecord | null> {
    const record = this.channels.get(channel);
    return record === undefined ? null : copy(record);
  }

  async putChannel(record: ChannelRecord, expectedVersion: number | null): Promise<boolean> {
    const current = this.channels.get(record.channel);
    if ((current?.version ?? null) !== expectedVersion) return false;
    this.channels.set(record.channel, copy(record));
    this.writes.push(`channel ${record.channel}`);
    return true;
  }

  /** Every channel item, in a stable order, for before/after comparisons. */
  dumpChannels(): ChannelRecord[] {
    return [...this.channels.keys()].sort().map((id) => copy(this.channels.get(id) as ChannelRecord));
  }

  /** Seeds a record as the poller would have left it (health, outbox, broken channels …). */
  put(record: TaskRecord): void {
    this.tasks.set(record.taskId, copy(record));
  }

  /** Everything stored, in a stable order, for before/after comparisons. */
  dump(): TaskRecord[] {
    return [...this.tasks.keys()].sort().map((id) => copy(this.tasks.get(id) as TaskRecord));
  }
}
