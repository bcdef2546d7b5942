// local/codearts-simulator → the scripted timeline of one deployment run. Everything here is a pure
// function of (plan, now): the HTTP layer and the ground truth read the same numbers, so what the
// simulator reports can never drift from what it claims happened.

export type RunOutcome = 'succeeded' | 'failed' | 'timeout' | 'abort' | 'not_started';
export type SimRunStatus = 'pending' | 'running' | RunOutcome;

export interface StepSpec {
  name: string;
  enabled: boolean;
  durationMs: number;
  /** Shown as `faq_url` on the step a run failed at. */
  faqUrl: string;
}

export interface RunScript {
  /** How the run ends; default 'succeeded'. */
  outcome?: 'succeeded' | 'failed' | 'timeout' | 'abort';
  /** 0-based index into the task's steps (an enabled one) where a failed/timeout/abort run ends; default the last enabled step. */
  failAtStep?: number;
  /** Per-step durations overriding the task's, by index. */
  stepDurationsMs?: number[];
  /**
   * One step that runs far longer than usual (e.g. to leave time to press stop): its 0-based index and
   * duration. Wins over `stepDurationsMs` for that step.
   */
  slowStep?: { step: number; durationMs: number };
  /** How long the record stays `pending` before the first step; default 2000. */
  pendingMs?: number;
  executor?: string;
}

export interface PlannedStep extends StepSpec {
  index: number;
  /** When the step starts (disabled steps take no time and "start" when passed). */
  startAt: number;
}

export interface RunPlan {
  createdAt: number;
  runningAt: number;
  steps: PlannedStep[];
  /** The scripted ending and when it happens. */
  scriptedOutcome: 'succeeded' | 'failed' | 'timeout' | 'abort';
  scriptedEndAt: number;
  /** Index of the step a non-success script ends at; null for success. */
  failIndex: number | null;
  /** Set by a stop: the run ends here if that is before the scripted end. */
  stoppedAt: number | null;
}

export const DEFAULT_PENDING_MS = 2000;

const SCRIPTED_OUTCOMES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timeout', 'abort']);

export const planRun = (
  steps: readonly StepSpec[],
  script: RunScript,
  createdAt: number,
  speed = 1,
): RunPlan => {
  const outcome = script.outcome ?? 'succeeded';
  if (!SCRIPTED_OUTCOMES.has(outcome)) {
    throw new Error(`outcome must be one of ${[...SCRIPTED_OUTCOMES].join(', ')}; got ${String(outcome)}`);
  }
  const slow = script.slowStep;
  if (
    slow !== undefined &&
    (!Number.isInteger(slow.step) ||
      slow.step < 0 ||
      slow.step >= steps.length ||
      !(slow.durationMs > 0) ||
      !Number.isFinite(slow.durationMs))
  ) {
    throw new Error(
      `slowStep needs a step index (0-based) and a durationMs > 0; got ${JSON.stringify(slow)}`,
    );
  }
  const pendingMs = Math.max(0, Math.round((script.pendingMs ?? DEFAULT_PENDING_MS) / speed));
  const runningAt = createdAt + pendingMs;
  let cursor = runningAt;
  const planned: PlannedStep[] = steps.map((step, index) => {
    const scripted = slow?.step === index ? slow.durationMs : script.stepDurationsMs?.[index];
    const duration = Math.max(1, Math.round((scripted ?? step.durationMs) / speed));
    const out: PlannedStep = { ...step, index, durationMs: step.enabled ? duration : 0, startAt: cursor };
    cursor += out.durationMs;
    return out;
  });
  const enabled = planned.filter((s) => s.enabled);
  if (outcome === 'succeeded') {
    return {
      createdAt,
      runningAt,
      steps: planned,
      scriptedOutcome: outcome,
      scriptedEndAt: cursor,
      failIndex: null,
      stoppedAt: null,
    };
  }
  const failIndex = script.failAtStep ?? enabled.at(-1)?.index;
  const failStep = failIndex === undefined ? undefined : planned[failIndex];
  if (failStep === undefined || !failStep.enabled) {
    throw new Error(`failAtStep must name an enabled step (0-based); got ${String(script.failAtStep)}`);
  }
  // An abort is someone pressing stop: half-way through the step. A failure or timeout uses the step's full time.
  const scriptedEndAt =
    failStep.startAt + (outcome === 'abort' ? Math.floor(failStep.durationMs / 2) : failStep.durationMs);
  return {
    createdAt,
    runningAt,
    steps: planned,
    scriptedOutcome: outcome,
    scriptedEndAt,
    failIndex: failStep.index,
    stoppedAt: null,
  };
};

export const endAt = (plan: RunPlan): number =>
  plan.stoppedAt !== null && plan.stoppedAt < plan.scriptedEndAt ? plan.stoppedAt : plan.scriptedEndAt;

export const outcomeOf = (plan: RunPlan): RunOutcome => {
  if (plan.stoppedAt !== null && plan.stoppedAt < plan.scriptedEndAt) {
    // Stopped while still queued: CodeArts calls that "execution cancelled" (not_started).
    return plan.stoppedAt < plan.runningAt ? 'not_started' : 'abort';
  }
  return plan.scriptedOutcome;
};

export const statusAt = (plan: RunPlan, now: number): SimRunStatus => {
  if (now >= endAt(plan)) return outcomeOf(plan);
  return now >= plan.runningAt ? 'running' : 'pending';
};

export const isFinished = (plan: RunPlan, now: number): boolean => now >= endAt(plan);

/** Index of the last step the run gets to (-1 when it never leaves the queue). */
export const lastReachableIndex = (plan: RunPlan): number => {
  const end = endAt(plan);
  const outcome = outcomeOf(plan);
  if (outcome === 'not_started') return -1;
  if (outcome === 'succeeded') return plan.steps.length - 1;
  if (plan.stoppedAt === null || plan.stoppedAt >= plan.scriptedEndAt) return plan.failIndex ?? -1;
  // Stopped: the enabled step running at that moment (or the last one already passed).
  let last = -1;
  for (const step of plan.steps) {
    if (step.startAt > end || (step.startAt === end && step.enabled)) break;
    last = step.index;
  }
  return last;
};

export interface StepView {
  step: PlannedStep;
  reached: boolean;
  elapsedMs: number;
}

/** What each step looks like at `now`. */
export const stepsAt = (plan: RunPlan, now: number): StepView[] => {
  const t = Math.min(now, endAt(plan));
  const last = lastReachableIndex(plan);
  return plan.steps.map((step) => {
    const reached = step.index <= last && step.startAt <= t && t >= plan.runningAt;
    const elapsedMs =
      reached && step.enabled ? Math.min(t, step.startAt + step.durationMs) - step.startAt : 0;
    return { step, reached, elapsedMs };
  });
};

/** Log bytes written by a step so far: grows steadily while it runs. */
export const logOffset = (elapsedMs: number, reached: boolean): number =>
  reached ? 128 + Math.floor(elapsedMs / 100) * 64 : 0;

export type StepTruthOutcome = 'done' | 'failed' | 'aborted' | 'skipped' | 'not-run' | 'running' | 'waiting';

export interface StepTruth {
  index: number;
  name: string;
  enabled: boolean;
  /** When the step started (null if it never does). */
  startsAt: number | null;
  /** When it stopped running (null if it never starts). */
  endsAt: number | null;
  /** How the step ends, or 'running'/'waiting' while the run is not over yet. */
  outcome: StepTruthOutcome;
  /** How the step will end once the run is over (same as `outcome` when finished). */
  finalOutcome: Exclude<StepTruthOutcome, 'running' | 'waiting'>;
}

export const stepTruth = (plan: RunPlan, now: number): StepTruth[] => {
  const end = endAt(plan);
  const outcome = outcomeOf(plan);
  const last = lastReachableIndex(plan);
  return plan.steps.map((step) => {
    const base = { index: step.index, name: step.name, enabled: step.enabled };
    if (!step.enabled) {
      const passed = step.index <= last;
      return {
        ...base,
        startsAt: null,
        endsAt: null,
        outcome: passed && now >= step.startAt ? 'skipped' : now >= end ? 'skipped' : 'waiting',
        finalOutcome: 'skipped',
      };
    }
    if (step.index > last) {
      return {
        ...base,
        startsAt: null,
        endsAt: null,
        outcome: now >= end ? 'not-run' : 'waiting',
        finalOutcome: 'not-run',
      };
    }
    const isLast = step.index === last && outcome !== 'succeeded';
    const stepEnd = isLast ? end : step.startAt + step.durationMs;
    const finalOutcome = !isLast
      ? 'done'
      : outcome === 'failed' || outcome === 'timeout'
        ? 'failed'
        : 'aborted';
    const current = now >= stepEnd ? finalOutcome : now >= step.startAt ? 'running' : 'waiting';
    return { ...base, startsAt: step.startAt, endsAt: stepEnd, outcome: current, finalOutcome };
  });
};
