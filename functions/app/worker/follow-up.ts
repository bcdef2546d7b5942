// app → whether a polled task comes back before the next planner tick, and when: a running deployment every
// ACTIVE_POLL_SECONDS, a delivery Slack rate-limited after its Retry-After, a poll CodeArts throttled after the
// pause. Never at or past the message's `until`: from then the next tick plans the task afresh, so however often
// a message is delivered, each task has one chain of follow-ups per tick.
import { delayUntil } from '../../core/queue-delay.js';
import type { PollMessage, QueuedPoll } from '../../ports.js';
import type { TaskPollResult } from '../poll/poll-task.js';

export function followUp(
  message: PollMessage,
  result: TaskPollResult,
  nowMs: number,
  activePollSeconds: number,
): QueuedPoll | null {
  if (result.status === 'unwatched') return null;
  const candidates: Array<{ at: number; observe: boolean }> = [];
  if (result.active && activePollSeconds > 0)
    candidates.push({ at: nowMs + activePollSeconds * 1000, observe: true });
  if (result.retryAt !== null) {
    // After a CodeArts pause the poll is made again as asked; after a Slack pause only the delivery is due.
    candidates.push({ at: result.retryAt, observe: result.status === 'paused' && message.observe });
  }
  const next = candidates.filter((c) => c.at < message.until).sort((a, b) => a.at - b.at)[0];
  if (next === undefined) return null;
  const delaySeconds = delayUntil(next.at, nowMs);
  return { message: { ...message, observe: next.observe }, delaySeconds };
}
