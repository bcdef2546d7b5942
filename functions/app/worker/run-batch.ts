// app → one worker invocation: a batch of poll messages from the queue. Each task is polled once however many of
// its messages arrived (SQS delivers at least once), within the invocation's share of the CodeArts call budget,
// under the fleet's gates; running deployments and rate-limited deliveries are put back on the queue with a
// delay, so nothing waits idle on the clock. The queue is never trusted for correctness: every change is made by
// the task's own conditional write (see app/poll/poll-task.ts).
import pLimit from 'p-limit';
import type { FleetGates, GateName, Metrics, PollMessage, PollQueue, QueuedPoll } from '../../ports.js';
import { WORKER_LOG_FIELDS, WORKER_METRICS } from '../../shared/metrics.js';
import { SlackConditions } from '../deliver/slack-conditions.js';
import {
  type InvocationContext,
  type PollTaskDeps,
  pollTask,
  type TaskPollResult,
} from '../poll/poll-task.js';
import { followUp } from './follow-up.js';

export interface WorkerDeps extends PollTaskDeps {
  queue: PollQueue;
  gates: FleetGates;
  metrics: Metrics;
}

export interface WorkerSettings {
  /** CodeArts calls this invocation keeps in flight (its share of CODEARTS_CONCURRENCY). */
  callsPerWorker: number;
  /** Re-poll period of a running deployment (ACTIVE_POLL_SECONDS); 0: no re-polls between ticks. */
  activePollSeconds: number;
}

export interface ReceivedPoll {
  /** The queue's message ID (reported back when the message must be received again). */
  id: string;
  message: PollMessage;
}

export interface BatchOutcome {
  /** Messages to receive again after the visibility timeout (their task's poll failed, or its follow-up). */
  failedIds: string[];
  results: TaskPollResult[];
  requeued: number;
}

export interface Invocation {
  id: string;
  /** When the invocation is cut off (epoch ms). */
  deadlineMs: number;
  signal?: AbortSignal;
}

/** A claim outlives the invocation by this much, so it never lapses while the holder could still be posting. */
const CLAIM_GRACE_MS = 5_000;

export async function runWorkerBatch(
  deps: WorkerDeps,
  settings: WorkerSettings,
  polls: readonly ReceivedPoll[],
  invocation: Invocation,
): Promise<BatchOutcome> {
  const gates = await readGates(deps);
  let codeartsPausedUntil = gates.get('codearts') ?? 0;
  const slack = new SlackConditions({ gates: deps.gates, logger: deps.logger }, gates);
  const slot = pLimit(Math.max(1, settings.callsPerWorker));
  const sharing: Promise<void>[] = [];
  const context: InvocationContext = {
    id: invocation.id,
    claimUntilMs: invocation.deadlineMs + CLAIM_GRACE_MS,
    slack,
    codeartsPausedUntil: () => codeartsPausedUntil,
    pauseCodeArts: (until) => {
      if (until <= codeartsPausedUntil) return;
      codeartsPausedUntil = until;
      // Told to the fleet at once, so other workers' next batches wait too; awaited before the batch ends.
      sharing.push(closeGate(deps, 'codearts', until));
    },
    withCodeArtsSlot: (calls) => slot(calls),
    ...(invocation.signal ? { signal: invocation.signal } : {}),
  };

  const byTask = groupByTask(polls);
  const settled = await Promise.all(
    [...byTask.values()].map(async (group) => {
      try {
        const { observe, feed } = group.message;
        const result = await pollTask(deps, context, group.message.taskId, {
          observe,
          ...(feed === undefined ? {} : { feed }),
        });
        return { group, result };
      } catch (error) {
        // The store refused (throttling, a timeout): the task's state is untouched; SQS offers it again.
        deps.logger.error('Polling a task failed', { taskId: group.message.taskId, error: String(error) });
        return { group, result: null };
      }
    }),
  );

  const failedIds = settled.flatMap(({ group, result }) => (result === null ? group.ids : []));
  const next = settled.flatMap(({ group, result }) => {
    const poll =
      result === null ? null : followUp(group.message, result, deps.now(), settings.activePollSeconds);
    return poll === null ? [] : [{ group, poll }];
  });
  const unsent = await sendFollowUps(
    deps,
    next.map((n) => n.poll),
  );
  if (unsent) failedIds.push(...next.flatMap((n) => n.group.ids));

  await Promise.all(sharing);
  const results = settled.flatMap(({ result }) => (result === null ? [] : [result]));
  const taskErrors = settled.filter(({ result }) => result === null).length;
  report(deps, results, taskErrors, unsent ? 0 : next.length, slack);
  return { failedIds, results, requeued: unsent ? 0 : next.length };
}

interface TaskGroup {
  ids: string[];
  /** The messages of one task merged: ask CodeArts if any asked, and follow the longest chain. */
  message: PollMessage;
}

function groupByTask(polls: readonly ReceivedPoll[]): Map<string, TaskGroup> {
  const groups = new Map<string, TaskGroup>();
  for (const { id, message } of polls) {
    const known = groups.get(message.taskId);
    // The later tick's message speaks for both (its tick, its view of the feed); observing wins over delivering.
    const newer = known === undefined || message.until > known.message.until ? message : known.message;
    groups.set(
      message.taskId,
      known
        ? {
            ids: [...known.ids, id],
            message: { ...newer, observe: known.message.observe || message.observe },
          }
        : { ids: [id], message },
    );
  }
  return groups;
}

/** The gates as the fleet left them; unreadable gates count as open (polling must not stop over them). */
async function readGates(deps: WorkerDeps): Promise<ReadonlyMap<GateName, number>> {
  try {
    return await deps.gates.read();
  } catch (error) {
    deps.logger.warn('The fleet gates could not be read; going ahead as if they were open', {
      error: String(error),
    });
    return new Map();
  }
}

/** Resolves true when the follow-ups could not be sent (their messages are then received again instead). */
async function sendFollowUps(deps: WorkerDeps, polls: QueuedPoll[]): Promise<boolean> {
  if (polls.length === 0) return false;
  try {
    await deps.queue.send(polls);
    return false;
  } catch (error) {
    deps.logger.error('Putting polls back on the queue failed; SQS offers them again', {
      error: String(error),
    });
    return true;
  }
}

/** A failure to close a gate only costs other workers a 429 of their own. */
async function closeGate(deps: WorkerDeps, gate: GateName, untilMs: number): Promise<void> {
  try {
    await deps.gates.pause(gate, untilMs);
  } catch (error) {
    deps.logger.warn('A fleet gate could not be closed', { gate, error: String(error) });
  }
}

/** The alarm's metric, and the rest of the invocation's counts in one summary log line. */
function report(
  deps: WorkerDeps,
  results: TaskPollResult[],
  taskErrors: number,
  requeued: number,
  slack: SlackConditions,
): void {
  const deliveries = results.flatMap((r) => r.deliveries);
  const lags = results.flatMap((r) => r.detectionLagsMs);
  deps.metrics.add(WORKER_METRICS.slackTokenBroken, slack.tokenBroken ? 1 : 0);
  const f = WORKER_LOG_FIELDS;
  deps.logger.info('Batch polled', {
    [f.tasksPolled]: results.filter((r) => r.polled).length,
    [f.eventsDetected]: results.reduce((sum, r) => sum + r.events, 0),
    [f.slackDeliveries]: deliveries.filter((d) => !d.error && !d.broken).length,
    [f.slackFailures]: deliveries.filter((d) => d.error || d.broken).length,
    [f.codeartsFailures]: results.filter((r) => r.failure !== null).length,
    [f.codeartsThrottled]: results.filter((r) => r.throttled).length,
    [f.taskErrors]: taskErrors,
    [f.pollsRequeued]: requeued,
    ...(lags.length > 0 ? { [f.detectionLagSeconds]: Math.max(...lags) / 1000 } : {}),
  });
}
