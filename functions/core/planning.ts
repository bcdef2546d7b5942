// core → which watched tasks a planner tick sends to the workers, as queue messages. Pure: the planner reads the
// watch index and the gates, this decides, the planner sends.
import type { PollMessage, QueuedPoll, WatchIndexEntry } from '../ports.js';

export interface TickPlan {
  /** The tick's ID (its scheduled time, ISO-8601): every message of the tick carries it. */
  tick: string;
  /** Follow-ups of this tick's polls stop here (epoch ms): the next tick plans afresh. */
  untilMs: number;
  /** Every message waits this long first (a CodeArts pause the fleet is under); 0–900. */
  delaySeconds: number;
}

/** A quiet-hours summary or a digest of the task falls due by `atMs` (its poll records and tells it). */
export const insightDue = (entry: WatchIndexEntry, atMs: number): boolean =>
  typeof entry.insightDueAt === 'string' && Date.parse(entry.insightDueAt) <= atMs;

/**
 * One poll per watched task that is due: every task is polled directly every tick (so a quiet-hours summary or a
 * digest goes out at the first tick after it falls due), except a task CodeArts said is gone, which only has its
 * notice delivered while it is pending.
 */
export function duePolls(entries: readonly WatchIndexEntry[], plan: TickPlan): QueuedPoll[] {
  const polls: QueuedPoll[] = [];
  for (const entry of entries) {
    if (entry.gone && !entry.pending && !insightDue(entry, plan.untilMs)) continue;
    const message: PollMessage = {
      taskId: entry.taskId,
      observe: !entry.gone,
      until: plan.untilMs,
      tick: plan.tick,
    };
    polls.push({ message, delaySeconds: plan.delaySeconds });
  }
  return polls;
}

/** The tick a scheduled time (or, without one, a clock reading) belongs to: the start of its period. */
export function tickOf(
  scheduledTime: string | undefined,
  nowMs: number,
  intervalSeconds: number,
): { id: string; atMs: number } {
  const scheduled = scheduledTime === undefined ? Number.NaN : Date.parse(scheduledTime);
  const periodMs = intervalSeconds * 1000;
  const atMs = Number.isFinite(scheduled) ? scheduled : Math.floor(nowMs / periodMs) * periodMs;
  return { id: new Date(atMs).toISOString(), atMs };
}
