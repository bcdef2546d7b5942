// app → one poller invocation (design §2): lease, read the watches, poll them with bounded concurrency,
// keep re-polling running deployments while time remains, report metrics, give the lease back.
import { randomUUID } from 'node:crypto';
import type { TaskRecord } from '../core/model.js';
import { isTerminal } from '../core/model.js';
import type { Clock, LeaseStore, Metrics } from '../ports.js';
import { CodeArtsError } from '../ports.js';
import {
  deliverPending,
  InjectedCrash,
  type RecordedPoll,
  recordPoll,
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
/** Tasks being told to Slack at once: the Slack client's own limit (3 in flight), so more would only queue there. */
const DELIVERY_CONCURRENCY = 3;

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
  // Slack is told from a pool of its own, so a CodeArts slot is free again as soon as a task's state is written.
  // Never wider than the CodeArts pool: no more deliveries run at once than when each slot delivered its own
  // task, so the Slack gate (a 429 or a broken token seen by one delivery) holds at least as well as before.
  const deliveries = new DeliveryPool(Math.max(1, Math.min(DELIVERY_CONCURRENCY, settings.concurrency)));
  let crashed = false;

  try {
    const tasks: TaskRecord[] = [];
    for await (const task of deps.repository.listTasks()) tasks.push(task);
    report.tasks = tasks.length;

    const pollAll = async (batch: TaskRecord[], onSkipped: () => void = () => {}): Promise<TaskRecord[]> => {
      const active: TaskRecord[] = [];
      await runBounded(batch, settings.concurrency, async (queued, requeue) => {
        // A crash while telling Slack stops the cycle: no new polls, as if the process had died.
        deliveries.throwIfFailed();
        let task = queued;
        const pending = deliveries.pendingFor(task.taskId);
        if (pending) {
          // Never poll a task again before its last changes are told: the next poll builds on that record.
          await pending;
          deliveries.throwIfFailed();
          task = latest.get(task.taskId) ?? task;
        }
        if (timeLeft() <= 0) return onSkipped();
        const wait = throttle.until - deps.clock.now();
        if (wait > 0) {
          if (wait >= timeLeft()) return onSkipped();
          await deps.clock.sleep(wait, options.signal);
        }
        const polled = await pollOne(deps, task, options.signal, report);
        if (!polled) return;
        const result = polled.result;
        latest.set(task.taskId, result.record);
        if (polled.deliver) {
          deliveries.add(task.taskId, async () => {
            const delivered = await deliverOne(deps, polled, gate, report);
            if (delivered) latest.set(task.taskId, delivered.record);
          });
        }
        if (result.failure instanceof CodeArtsError && result.failure.kind === 'throttled') {
          // CodeArts asks everyone to slow down: pause every worker, then try this task once more.
          report.throttled++;
          throttle.until = Math.max(throttle.until, deps.clock.now() + (result.failure.retryAfterMs ?? 3000));
          requeue();
          return;
        }
        if (result.active) active.push(result.record);
      });
      // A pass ends when its changes are told: re-polls build on the delivered records, and the cycle only
      // sleeps (or gives the lease back) with none of its own work in flight.
      await deliveries.drain();
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
    // A crash in a CodeArts slot stops the deliveries not yet started too, as the process dying would.
    if (crashed) deliveries.halt(error);
    throw error;
  } finally {
    // Deliveries still in flight (the cycle failed otherwise) finish before the lease is given back, unless
    // one of them crashed: then, as for any crash, everything is left as it is.
    if (!crashed) await deliveries.idle();
    if (!crashed && !deliveries.crashed) {
      report.durationMs = deps.clock.now() - started;
      emitMetrics(deps, report, [...latest.values()], gate);
      await deps.lease.releaseLease(leaseName, owner, deps.clock.now());
    }
  }
  return report;
}

/** The CodeArts half of one task's poll, in a CodeArts slot: fetch, detect, write the state. */
async function pollOne(
  deps: PollCycleDeps,
  task: TaskRecord,
  signal: AbortSignal | undefined,
  report: PollCycleReport,
): Promise<RecordedPoll | null> {
  try {
    const polled = await recordPoll(deps, task, () => deps.clock.now(), signal);
    const result = polled.result;
    report.polls++;
    report.events += result.events.length;
    report.writes += result.writes;
    report.detectionLagsMs.push(...result.detectionLagsMs);
    if (result.failure && !(result.failure instanceof CodeArtsError && result.failure.kind === 'throttled')) {
      report.codeartsFailures++;
    }
    return polled;
  } catch (error) {
    if (error instanceof InjectedCrash) throw error;
    // A store failure (throttling, timeout) for one task: its state is untouched, the next cycle retries it.
    report.taskErrors++;
    deps.logger.error('Polling a task failed', { taskId: task.taskId, error: String(error) });
    return null;
  }
}

/** The Slack half, in a delivery slot: post what is pending, mark it delivered. */
async function deliverOne(
  deps: PollCycleDeps,
  polled: RecordedPoll,
  gate: SlackGate,
  report: PollCycleReport,
): Promise<TaskPollResult | null> {
  const writesBefore = polled.result.writes;
  const deliveredBefore = polled.result.deliveries.length;
  try {
    const result = await deliverPending(deps, polled, gate, () => deps.clock.now());
    report.writes += result.writes - writesBefore;
    for (const delivery of result.deliveries.slice(deliveredBefore)) {
      report.slackCalls += delivery.calls;
      if (delivery.error || delivery.broken) report.deliveryFailures++;
      else report.deliveries++;
    }
    return result;
  } catch (error) {
    if (error instanceof InjectedCrash) throw error;
    // The mark-delivered write failed: the changes stay pending and the next poll of the task tells them.
    report.taskErrors++;
    deps.logger.error('Delivering a task failed', {
      taskId: polled.result.record.taskId,
      error: String(error),
    });
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

/**
 * At most `concurrency` deliveries in flight, one per task at a time (a task is only added again after it was
 * polled again, which waits for its previous delivery). A failure that escapes a delivery (an InjectedCrash:
 * deliverOne handles everything else) stops the pool: queued work never starts, and drain() / throwIfFailed()
 * rethrow it to the cycle, as a crash stops everything.
 */
class DeliveryPool {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly pending = new Map<string, Promise<void>>();
  private failed: { error: unknown } | null = null;

  constructor(private readonly concurrency: number) {}

  /** A delivery crashed: the lease must stay as it is. */
  get crashed(): boolean {
    return this.failed?.error instanceof InjectedCrash;
  }

  add(taskId: string, work: () => Promise<void>): void {
    const done: Promise<void> = (async () => {
      if (!(await this.slot())) return;
      try {
        // Checked again: the pool may have failed while this one waited to be scheduled.
        if (!this.failed) await work();
      } catch (error) {
        this.failed ??= { error };
      } finally {
        this.release();
      }
    })().finally(() => {
      if (this.pending.get(taskId) === done) this.pending.delete(taskId);
    });
    this.pending.set(taskId, done);
  }

  /** Stops the pool from outside (the cycle crashed): queued deliveries never start. */
  halt(error: unknown): void {
    this.failed ??= { error };
    for (const wake of this.queue.splice(0)) wake();
  }

  pendingFor(taskId: string): Promise<void> | undefined {
    return this.pending.get(taskId);
  }

  throwIfFailed(): void {
    if (this.failed) throw this.failed.error;
  }

  /** Waits for every delivery added so far; never throws. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values());
  }

  /** Waits for every delivery, then rethrows a failure one of them hit. */
  async drain(): Promise<void> {
    await this.idle();
    this.throwIfFailed();
  }

  /** Resolves true with a slot taken, false when the pool failed meanwhile (the work must not start). */
  private slot(): Promise<boolean> {
    if (this.failed) return Promise.resolve(false);
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      this.queue.push(() => {
        if (this.failed) return resolve(false);
        this.running++;
        resolve(true);
      });
    });
  }

  private release(): void {
    this.running--;
    // After a failure every waiter is woken, to give up; otherwise the next one takes the freed slot.
    if (this.failed) for (const wake of this.queue.splice(0)) wake();
    else this.queue.shift()?.();
  }
}
