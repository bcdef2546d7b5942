// A fleet of watched deployment tasks driven through the real planner and workers: deterministic run schedules (seeded),
// one cycle per poll interval of simulated time, faults armed by the scenario, then a check of the whole Slack
// record against the simulator's truth.
import type { RunScript } from '../../../local/codearts-simulator/index.js';
import { type CheckInput, type CheckResult, caughtUp, check, type SubscriptionSpec } from './checker.js';
import { type CrashPlan, type CycleOutcome, type Rig, type RigOptions, startRig } from './rig.js';

export interface ChannelSpec {
  channel: string;
  mode: 'thread' | 'messages';
  broken?: boolean;
}

export interface FleetOptions {
  /** Seeds the run schedules. */
  seed: number;
  tasks?: number;
  runsPerTask?: number;
  /** Simulated time between cycles (the schedule's tick). Default 10 s. */
  pollMs?: number;
  /** Channels each task is watched in: a function of the task's index. Default: a thread channel and a messages channel. */
  channels?: (task: number) => ChannelSpec[];
  rig?: RigOptions;
  /**
   * Each run stays the task's latest for at least this long (default two poll intervals). `/state` shows only the
   * latest run, so a run that is never the latest when a poll succeeds is found only through CodeArts' history
   * API (counted as `unseen`). Scenarios about other faults that keep polls from succeeding for a while make runs
   * last longer than that, so their fault is tested through `/state`; 0 lets runs come and go unseen.
   */
  minVisibleMs?: number;
  /** Time between the first runs of consecutive tasks (default 3 s). */
  startEveryMs?: number;
}

export interface Figures extends CheckResult {
  scenario: string;
  /** Cycles from the moment the fault was cleared until every transition that had happened was in Slack. */
  recoveryCycles: number;
  cycles: number;
  faults: number;
}

export interface PlannedRun {
  script: RunScript;
  /** Stopped as soon as it is queued (CodeArts: not_started). */
  cancel: boolean;
  gapMs: number;
}

export interface FleetTask {
  taskId: string;
  name: string;
  plan: PlannedRun[];
  nextDueAt: number;
}

const STEP_NAMES = [
  'Select Deployment Source',
  'Stop Service',
  'Install Package',
  'Start Service',
  'Health Check',
];

/** mulberry32: a small seeded PRNG, so every run of the suite deploys exactly the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const defaultChannels =
  (prefix: string) =>
  (task: number): ChannelSpec[] => [
    { channel: `C${prefix}T${task % 2}`, mode: 'thread' },
    { channel: `C${prefix}M0`, mode: 'messages' },
  ];

export class Fleet {
  readonly rig: Rig;
  readonly tasks: FleetTask[] = [];
  readonly subscriptions: SubscriptionSpec[] = [];
  readonly vanishedRecords = new Map<string, number>();
  readonly deletedTasks = new Map<string, number>();
  readonly outcomes: CycleOutcome[] = [];
  /**
   * Faults the fakes do not log, counted by the scenario: token expiries, deletions in CodeArts or Slack, extra
   * invocations of a tick.
   */
  extraFaults = 0;
  private readonly pollMs: number;
  private readonly minVisibleMs: number;
  private nextCycleAt: number;

  private constructor(rig: Rig, pollMs: number, minVisibleMs: number) {
    this.rig = rig;
    this.pollMs = pollMs;
    this.minVisibleMs = minVisibleMs;
    this.nextCycleAt = rig.clock.now();
  }

  static async start(options: FleetOptions): Promise<Fleet> {
    const rig = await startRig(options.rig);
    const pollMs = options.pollMs ?? 10_000;
    const fleet = new Fleet(rig, pollMs, options.minVisibleMs ?? 2 * pollMs);
    const random = prng(options.seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const channels = options.channels ?? defaultChannels(`R${options.seed}`);
    const outcomes = ['succeeded', 'failed', 'succeeded', 'timeout', 'abort', 'fast', 'succeeded', 'cancel'];

    for (let t = 0; t < (options.tasks ?? 4); t++) {
      const stepCount = 3 + (t % 3);
      const steps = STEP_NAMES.slice(0, stepCount).map((name, i) => ({
        name,
        durationMs: 4_000 + Math.floor(random() * 10) * 1_000,
        // One task has a disabled step, which is never reported.
        enabled: !(t === 1 && i === 1),
      }));
      const name = `svc-${options.seed}-${t}`;
      // IDs in creation order: the poller lists tasks by ID, so every run of the suite polls them in one order.
      const id = `${options.seed.toString(16).padStart(8, '0')}${t.toString(16).padStart(24, '0')}`;
      const { taskId } = rig.sim.createTask({ id, name, steps });
      const enabled = steps.flatMap((s, i) => (s.enabled ? [i] : []));
      const plan: PlannedRun[] = [];
      for (let r = 0; r < (options.runsPerTask ?? 5); r++) {
        const kind = outcomes[(r * 3 + t + options.seed) % outcomes.length]!;
        const failAtStep = pick(enabled);
        const script: RunScript =
          kind === 'failed' || kind === 'timeout' || kind === 'abort'
            ? { outcome: kind, failAtStep }
            : kind === 'fast'
              ? { stepDurationsMs: steps.map(() => 700 + Math.floor(random() * 1500)) }
              : {};
        plan.push({
          script: { pendingMs: 500 + Math.floor(random() * 3000), ...script },
          cancel: kind === 'cancel',
          gapMs: Math.floor(random() * 25_000),
        });
      }
      fleet.tasks.push({
        taskId,
        name,
        plan,
        nextDueAt: rig.clock.now() + 5_000 + t * (options.startEveryMs ?? 3_000),
      });
      for (const c of channels(t)) {
        fleet.subscriptions.push({
          taskId,
          channel: c.channel,
          mode: c.mode,
          ...(c.broken ? { broken: true } : {}),
        });
        await rig.watch({
          taskId,
          taskName: name,
          channel: c.channel,
          options: { notify: 'all', mode: c.mode, mentions: [] },
        });
      }
    }
    return fleet;
  }

  get cycles(): number {
    return this.outcomes.length;
  }

  /** Every planned run has been started and has finished. */
  get allRunsOver(): boolean {
    return this.tasks.every(
      (t) =>
        this.deletedTasks.has(t.taskId) ||
        (t.plan.length === 0 && this.rig.sim.runs(t.taskId).every((r) => r.finished)),
    );
  }

  /** The run of `taskId` in progress now (throws when there is none: the scenario is wrong). */
  currentRun(taskId: string): string {
    const run = this.rig.sim.runs(taskId).find((r) => !r.finished && !r.deleted);
    if (!run) throw new Error(`task ${taskId} has no run in progress`);
    return run.recordId;
  }

  /** Deletes the task in CodeArts now; no more runs are planned for it. */
  deleteTask(taskId: string): void {
    this.rig.sim.deleteTask(taskId);
    this.deletedTasks.set(taskId, this.rig.clock.now());
    this.extraFaults++;
  }

  /** Deletes the record of the run in progress now, so CodeArts no longer knows it. */
  vanishRecord(taskId: string): string {
    const recordId = this.currentRun(taskId);
    this.rig.sim.deleteRecord(taskId, recordId);
    this.vanishedRecords.set(recordId, this.rig.clock.now());
    this.extraFaults++;
    return recordId;
  }

  /** Moves simulated time to `at`, starting the planned runs that fall due on the way. */
  advanceTo(at: number): void {
    const { clock, sim } = this.rig;
    for (;;) {
      const due = this.tasks
        .filter((t) => t.plan.length > 0 && !this.deletedTasks.has(t.taskId) && t.nextDueAt <= at)
        .sort((a, b) => a.nextDueAt - b.nextDueAt)[0];
      if (!due) break;
      if (due.nextDueAt > clock.now()) clock.set(due.nextDueAt);
      const planned = due.plan.shift()!;
      const { recordId } = sim.startRun(due.taskId, planned.script);
      if (planned.cancel) sim.stopRun(due.taskId, recordId);
      const run = sim.runs(due.taskId).find((r) => r.recordId === recordId)!;
      due.nextDueAt = Math.max(run.endsAt + planned.gapMs, run.createdAt + this.minVisibleMs);
    }
    if (at > clock.now()) clock.set(at);
  }

  /**
   * One scheduled tick: time moves to the next poll, then the cycle runs; `invoke` replaces the one cycle with
   * what the scenario makes of the tick (e.g. two invocations at once), all of whose outcomes are kept.
   */
  async tick(
    options: {
      crash?: CrashPlan;
      lose?: (batch: number) => boolean;
      invoke?: () => Promise<CycleOutcome[]>;
    } = {},
  ): Promise<CycleOutcome> {
    this.advanceTo(Math.max(this.nextCycleAt, this.rig.clock.now()));
    const { crash, lose } = options;
    const outcomes = options.invoke
      ? await options.invoke()
      : [await this.rig.cycle({ ...(crash ? { crash } : {}), ...(lose ? { lose } : {}) })];
    this.outcomes.push(...outcomes);
    const outcome = outcomes[0]!;
    // A cycle that slept (throttling) moved the clock; the schedule keeps its period from there.
    this.nextCycleAt = Math.max(this.nextCycleAt + this.pollMs, this.rig.clock.now());
    return outcome;
  }

  /** One cycle at the current time (no scheduled wait): runs that fall due by now are started first. */
  async tickNow(): Promise<CycleOutcome> {
    this.advanceTo(this.rig.clock.now());
    const outcome = await this.rig.cycle();
    this.outcomes.push(outcome);
    this.nextCycleAt = Math.max(this.nextCycleAt, this.rig.clock.now());
    return outcome;
  }

  /** Ticks while runs are still planned or going (at least `minCycles`), calling `before` ahead of each tick. */
  async play(
    options: {
      minCycles?: number;
      maxCycles?: number;
      before?: (cycle: number) => void | Promise<void>;
      crash?: CrashPlan;
      lose?: (batch: number) => boolean;
      invoke?: (cycle: number) => Promise<CycleOutcome[]>;
    } = {},
  ): Promise<void> {
    const max = options.maxCycles ?? 200;
    for (let i = 0; i < max && (i < (options.minCycles ?? 0) || !this.allRunsOver); i++) {
      await options.before?.(i);
      const { crash, lose, invoke } = options;
      await this.tick({
        ...(crash ? { crash } : {}),
        ...(lose ? { lose } : {}),
        ...(invoke ? { invoke: () => invoke(i) } : {}),
      });
    }
  }

  /** After the fault is cleared: cycles until everything that happened so far is in Slack (the recovery time). */
  async recover(maxCycles = 30): Promise<number> {
    const clearedAt = this.rig.clock.now();
    for (let n = 0; n < maxCycles; n++) {
      await this.tick();
      if (caughtUp(this.checkInput(), clearedAt).done) return n + 1;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Plays on (fault-free) until every run is over and reported. */
  async settle(maxCycles = 40): Promise<void> {
    for (let n = 0; n < maxCycles; n++) {
      if (this.allRunsOver && caughtUp(this.checkInput(), this.rig.clock.now()).done) return;
      await this.tick();
    }
  }

  checkInput(): CheckInput {
    return {
      slack: this.rig.slack,
      truth: this.rig.sim,
      subscriptions: this.subscriptions,
      vanishedRecords: this.vanishedRecords,
      deletedTasks: this.deletedTasks,
      deletedMessages: this.rig.deletedSlackMessages,
      polls: (taskId: string) =>
        this.rig.sim.requests
          .filter(
            (r) =>
              r.taskId === taskId &&
              r.status === 200 &&
              r.fault === undefined &&
              r.path.endsWith('/state') &&
              r.query.record_id === undefined,
          )
          .map((r) => r.at),
    };
  }

  /** The faults that actually fired: Slack and CodeArts answers shaped by a fault, DynamoDB faults, crashes. */
  faultsFired(): number {
    const slack = this.rig.slack.calls.filter((c) => c.fault !== undefined).length;
    const codearts = this.rig.sim.requests.filter((r) => r.fault !== undefined).length;
    const dynamo = Object.values(this.rig.dynamoFaultsFired).reduce((a, b) => a + b, 0);
    const crashes = this.outcomes.filter((o) => o.crashed).length;
    return slack + codearts + dynamo + crashes + this.extraFaults;
  }

  figures(scenario: string, recoveryCycles: number): Figures {
    return {
      scenario,
      ...check(this.checkInput()),
      recoveryCycles,
      cycles: this.cycles,
      faults: this.faultsFired(),
    };
  }

  stop(): Promise<void> {
    return this.rig.stop();
  }
}

/** Runs one scenario on its fleet: the body returns its recovery in cycles; the fleet is then settled, measured and stopped. */
export async function runScenario(
  fleet: Fleet,
  name: string,
  body: (fleet: Fleet) => Promise<number>,
  /** Runs once everything is settled, before the fleet stops (e.g. to read the store). */
  after?: (fleet: Fleet) => Promise<void>,
): Promise<Figures> {
  try {
    const recovery = await body(fleet);
    await fleet.settle();
    await after?.(fleet);
    return fleet.figures(name, recovery);
  } finally {
    await fleet.stop();
  }
}
