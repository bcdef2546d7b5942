// app → one poller invocation (design §2): lease, read the watches, poll them with bounded concurrency,
// keep re-polling running deployments while time remains, report metrics, give the lease back.
import { randomUUID } from 'node:crypto';
import { isTerminal } from '../core/model.js';
import type { Clock, LeaseStore, Metrics, TaskRecord } from '../ports.js';
import { CodeArtsError } from '../ports.js';
import {
  InjectedCrash,
  pollTask,
  type SlackGate,
  type TaskPollDeps,
  type TaskPollResult,
} from './poll-task.js';

export interface PollCycleDeps extends TaskPollDeps {
  lease: LeaseStore;
  clock: Clock;
  metrics: Metrics;
}

export interface PollCycleSettings {
  /** Parallel CodeArts calls (CODEARTS_CONCURRENCY). */
  concurrency: number;
  /** Re-poll period for tasks with a running deployment; 0 turns active re-polling off. */
  activePollSeconds: number;
  leaseName?: string;
}

export interface PollCycleOptions {
  /** Clock time by which the cycle must have finished (from the Lambda context's remaining time). */
  deadlineMs: number;
  /** Fires when the invocation is about to be cut off. */
  signal?: AbortSignal;
}

export interface PollCycleReport {
  leaseTaken: boolean;
  tasks: number;
  /** Watched tasks the first pass did not reach before the deadline (more tasks than one cycle can poll). */
  tasksNotPolled: number;
  polls: number;
  events: number;
  writes: number;
  deliveries: number;
  deliveryFailures: number;
  slackCalls: number;
  codeartsFailures: number;
  throttled: number;
  taskErrors: number;
  detectionLagsMs: number[];
  durationMs: number;
}

export const POLLER_LEASE = 'poller';
/** Stop starting work this long before the deadline, so in-flight calls and writes can finish. */
export const SAFETY_MARGIN_MS = 4_000;
/** The lease outlives the deadline a little, so a late write of ours never overlaps the next cycle. */
const LEASE_GRACE_MS = 10_000;

/** A report of a cycle that has done nothing yet. */
export const emptyCycleReport = (): PollCycleReport => ({
  leaseTaken: false,
  tasks: 0,
  tasksNotPolled: 0,
  polls: 0,
  events: 0,
  writes: 0,
  deliveries: 0,
  deliveryFailures: 0,
  slackCalls: 0,
  codeartsFailures: 0,
  throttled: 0,
  taskErrors: 0,
  detectionLagsMs: [],
  durationMs: 0,
});

export async function runPollCycle(
  deps: PollCycleDeps,
  settings: PollCycleSettings,
  options: PollCycleOptions,
): Promise<PollCycleReport> {
  const started = deps.clock.now();
  const report = emptyCycleReport();
  const leaseName = settings.leaseName ?? POLLER_LEASE;
  const owner = randomUUID();
  if (!(await deps.lease.acquireLease(leaseName, owner, started, options.deadlineMs + LEASE_GRACE_MS))) {
    deps.logger.info('Another poll cycle holds the lease; skipping this tick');
    deps.metrics.add('CyclesSkipped', 1);
    return report;
  }
  report.leaseTaken = true;
  const stopAt = options.deadlineMs - SAFETY_MARGIN_MS;
  const timeLeft = () => stopAt - deps.clock.now();
  const gate: SlackGate = { tokenBroken: null, channelPausedUntil: new Map() };
  const throttle = { until: 0 };
  const latest = new Map<string, TaskRecord>();
  let crashed = false;

  try {
    const tasks: TaskRecord[] = [];
    for await (const task of deps.repository.listTasks()) tasks.push(task);
    report.tasks = tasks.length;

    const pollAll = async (batch: TaskRecord[], onSkipped: () => void = () => {}): Promise<TaskRecord[]> => {
      const active: TaskRecord[] = [];
      await runBounded(batch, settings.concurrency, async (task, requeue) => {
        if (timeLeft() <= 0) return onSkipped();
        const wait = throttle.until - deps.clock.now();
        if (wait > 0) {
          if (wait >= timeLeft()) return onSkipped();
          await deps.clock.sleep(wait, options.signal);
        }
        const result = await pollOne(deps, task, gate, options.signal, report);
        if (!result) return;
        latest.set(task.taskId, result.record);
        if (result.failure instanceof CodeArtsError && result.failure.kind === 'throttled') {
          // CodeArts asks everyone to slow down: pause every worker, then try this task once more.
          report.throttled++;
          throttle.until = Math.max(throttle.until, deps.clock.now() + (result.failure.retryAfterMs ?? 3000));
          requeue();
          return;
        }
        if (result.active) active.push(result.record);
      });
      return active;
    };

    let active = await pollAll(runningFirst(tasks), () => report.tasksNotPolled++);
    const period = settings.activePollSeconds * 1000;
    let nextPass = started + period;
    while (period > 0 && active.length > 0 && !options.signal?.aborted) {
      const wait = nextPass - deps.clock.now();
      if (wait >= timeLeft()) break;
      if (wait > 0) await deps.clock.sleep(wait, options.signal);
      nextPass += period;
      active = await pollAll(active.map((task) => latest.get(task.taskId) ?? task));
    }
  } catch (error) {
    crashed = error instanceof InjectedCrash; // a simulated crash leaves everything as it is, lease included
    throw error;
  } finally {
    if (!crashed) {
      report.durationMs = deps.clock.now() - started;
      emitMetrics(deps, report, [...latest.values()], gate);
      await deps.lease.releaseLease(leaseName, owner, deps.clock.now());
    }
  }
  return report;
}

async function pollOne(
  deps: PollCycleDeps,
  task: TaskRecord,
  gate: SlackGate,
  signal: AbortSignal | undefined,
  report: PollCycleReport,
): Promise<TaskPollResult | null> {
  try {
    const result = await pollTask(deps, task, () => deps.clock.now(), gate, signal);
    report.polls++;
    report.events += result.events.length;
    report.writes += result.writes;
    report.detectionLagsMs.push(...result.detectionLagsMs);
    if (result.failure && !(result.failure instanceof CodeArtsError && result.failure.kind === 'throttled')) {
      report.codeartsFailures++;
    }
    for (const delivery of result.deliveries) {
      report.slackCalls += delivery.calls;
      if (delivery.error || delivery.broken) report.deliveryFailures++;
      else report.deliveries++;
    }
    return result;
  } catch (error) {
    if (error instanceof InjectedCrash) throw error;
    // A store failure (throttling, timeout) for one task: its state is untouched, the next cycle retries it.
    report.taskErrors++;
    deps.logger.error('Polling a task failed', { taskId: task.taskId, error: String(error) });
    return null;
  }
}

function emitMetrics(
  deps: PollCycleDeps,
  report: PollCycleReport,
  records: TaskRecord[],
  gate: SlackGate,
): void {
  const now = deps.clock.now();
  const oldestPending = Math.max(
    0,
    ...records.flatMap((record) =>
      record.outbox.slice(0, 1).map((batch) => (now - Date.parse(batch.at)) / 1000),
    ),
  );
  const { metrics } = deps;
  metrics.add('CyclesCompleted', 1);
  metrics.add('CycleDurationMs', report.durationMs, 'Milliseconds');
  metrics.add('TasksPolled', report.polls);
  metrics.add('TasksNotPolled', report.tasksNotPolled);
  metrics.add('EventsDetected', report.events);
  metrics.add('SlackDeliveries', report.deliveries);
  metrics.add('SlackFailures', report.deliveryFailures);
  metrics.add('CodeArtsFailures', report.codeartsFailures);
  metrics.add('CodeArtsThrottled', report.throttled);
  metrics.add('TaskErrors', report.taskErrors);
  metrics.add('OldestPendingEventAgeSeconds', oldestPending, 'Seconds');
  metrics.add('SlackTokenBroken', gate.tokenBroken ? 1 : 0);
  if (report.detectionLagsMs.length > 0) {
    metrics.add('DetectionLagSeconds', Math.max(...report.detectionLagsMs) / 1000, 'Seconds');
  }
}

/**
 * Tasks with a deployment in progress first: their next change is the one readers are waiting for, and at
 * large N the first pass alone takes most of the budget. The sort is stable, so the order stays deterministic.
 */
function runningFirst(tasks: TaskRecord[]): TaskRecord[] {
  const running = (task: TaskRecord) => (task.run !== null && !isTerminal(task.run.status) ? 0 : 1);
  return [...tasks].sort((a, b) => running(a) - running(b));
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; `requeue` puts the current item back
 * once (for throttled calls). A hand-rolled pool because the queue must grow while it drains.
 */
async function runBounded<T>(
  items: T[],
  concurrency: number,
  work: (item: T, requeue: () => void) => Promise<void>,
): Promise<void> {
  const queue = items.map((item) => ({ item, retried: false }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const entry = next;
      await work(entry.item, () => {
        if (!entry.retried) queue.push({ item: entry.item, retried: true });
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
