// app → the one way a task item is changed: apply a pure transition to the freshest record and write it
// conditionally on the version it was applied to, re-reading and re-applying when another writer won. Every
// writer (a worker's poll, its delivery, a registration) goes through here, so no change is ever lost to a race
// and none is applied twice.
import type { TaskRecord } from '../core/model.js';
import type { TaskRepository } from '../ports.js';

/** What a transition asks for: a new record (version + 1, or 1 for a new item), the item's removal, or nothing. */
export type TaskChange = TaskRecord | 'delete' | null;

/** A transition's answer: what to write, and what the caller learns from the record it was applied to. */
export interface Applied<R> {
  next: TaskChange;
  result: R;
  /**
   * Writes that must be made before this change is (items the record's change refers to, such as the summary of a
   * run it ends): idempotent, since a conflict makes the transition, and them, run again.
   */
  before?: () => Promise<void>;
}

export interface TaskUpdate<R> {
  /** The record as it now stands: the one written, or the one read when nothing was written; null: no item. */
  record: TaskRecord | null;
  /** The record the transition was last applied to (after a conflict, a fresher one than the caller had). */
  base: TaskRecord | null;
  /** The write (or deletion) was applied. */
  written: boolean;
  /** Other writers kept winning: nothing was written, and the caller decides whether to give up or fail. */
  exhausted: boolean;
  /** The transition's result as last applied (to `base`). */
  result: R;
}

/** Conflicting writers make us re-read and re-apply this many times at most. */
export const MAX_WRITE_ATTEMPTS = 5;

/**
 * Applies `change` to the item of `taskId` and writes the result conditionally. `initial` is the record the caller
 * already holds (undefined: read it first). Store failures propagate; conflicts are retried.
 */
export async function updateTask<R>(
  repository: Pick<TaskRepository, 'getTask' | 'putTask' | 'deleteTask'>,
  taskId: string,
  change: (current: TaskRecord | null) => Applied<R>,
  initial?: TaskRecord | null,
): Promise<TaskUpdate<R>> {
  let current = initial === undefined ? await repository.getTask(taskId) : initial;
  let applied = change(current);
  for (let attempt = 1; ; attempt++) {
    const { next, result } = applied;
    const outcome = (written: boolean, record: TaskRecord | null) => ({
      record,
      base: current,
      written,
      exhausted: false,
      result,
    });
    if (next === null || (next === 'delete' && current === null)) return outcome(false, current);
    if (applied.before) await applied.before();
    const written =
      next === 'delete'
        ? await repository.deleteTask(taskId, (current as TaskRecord).version)
        : await repository.putTask(next, current === null ? null : current.version);
    if (written) return outcome(true, next === 'delete' ? null : next);
    if (attempt >= MAX_WRITE_ATTEMPTS) return { ...outcome(false, current), exhausted: true };
    current = await repository.getTask(taskId);
    applied = change(current);
  }
}
