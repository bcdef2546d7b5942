// Property tests over whole run histories: generated runs progress truthfully, CodeArts renders them
// as /state bodies in each documented style, and a poller sees an arbitrary subsequence of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectChanges, needsBackfill } from '../../../functions/core/changes.js';
import { formatCodeArtsTime } from '../../../functions/core/codearts-time.js';
import {
  isTerminal,
  type RunState,
  type StepProgress,
  type TaskEvent,
} from '../../../functions/core/model.js';
import { normaliseStateResponse } from '../../../functions/core/normalise.js';
import { TASK_ID, TIME_ZONE } from './fixtures.js';

type Outcome = 'succeeded' | 'failed' | 'timeout' | 'abort' | 'not_started' | 'running';
const FAILURES: readonly Outcome[] = ['failed', 'timeout', 'abort', 'not_started'];

interface StepPlan {
  enabled: boolean;
  /** Counter increments, one per observation while the step is current; a first (0, 0) is "reached, no progress yet". */
  ticks: Array<[elapsed: number, offset: number]>;
}

interface RunPlan {
  steps: StepPlan[];
  /** 'running': the run never ends (still going at the end, or abandoned when a later run starts). */
  outcome: Outcome;
  /** For failures and unfinished runs: how many enabled steps it gets to (the last one is where it stops). */
  reach: number;
  /** Starts with a queued ('pending') observation. */
  queued: boolean;
}

interface Truth {
  status: string;
  counters: Array<{ elapsed: number; offset: number }>;
  /** Highest step index CodeArts has reached (listed in the "steps appear as reached" style); -1 for none. */
  reached: number;
  ended: boolean;
  at: number;
}

interface Observation {
  run: number;
  body: unknown;
  truth: Truth;
}

interface History {
  plans: RunPlan[];
  recordIds: string[];
  /** Per run, its observations in order. */
  states: Truth[][];
  bodies: Observation[];
}

// Mostly enabled steps, some disabled.
const arbStep: fc.Arbitrary<StepPlan> = fc.record({
  enabled: fc.oneof(
    { weight: 4, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  ticks: fc.array(fc.tuple(fc.nat({ max: 5 }), fc.nat({ max: 3000 })), { minLength: 1, maxLength: 3 }),
});

const arbRunPlan: fc.Arbitrary<RunPlan> = fc.record({
  steps: fc.array(arbStep, { minLength: 1, maxLength: 5 }),
  outcome: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Outcome>('succeeded') },
    { weight: 4, arbitrary: fc.constantFrom<Outcome>(...FAILURES) },
    { weight: 1, arbitrary: fc.constant<Outcome>('running') },
  ),
  reach: fc.nat({ max: 6 }),
  queued: fc.boolean(),
});

const RUN_SPACING_MS = 3_600_000;
const BASE_MS = Date.UTC(2025, 6, 9, 3, 0, 0);

/** The truthful sequence of states of one run. */
function simulate(plan: RunPlan, runIndex: number): Truth[] {
  const start = BASE_MS + runIndex * RUN_SPACING_MS;
  const counters = plan.steps.map(() => ({ elapsed: 0, offset: 0 }));
  const states: Truth[] = [];
  let reached = -1;
  const push = (status: string, ended = false) =>
    states.push({
      status,
      counters: counters.map((c) => ({ ...c })),
      reached,
      ended,
      at: start + states.length * 7_000,
    });
  if (plan.queued) push('pending');
  const enabled = plan.steps.flatMap((s, i) => (s.enabled ? [i] : []));
  const steps = plan.outcome === 'succeeded' ? enabled.length : Math.min(plan.reach, enabled.length);
  for (const i of enabled.slice(0, steps)) {
    reached = i;
    for (const [elapsed, offset] of plan.steps[i]?.ticks ?? []) {
      const c = counters[i];
      if (c) {
        c.elapsed += elapsed;
        c.offset += offset;
      }
      push('running');
    }
  }
  if (plan.outcome === 'running') {
    if (states.length === 0) push('running');
    return states;
  }
  if (plan.outcome === 'succeeded') reached = plan.steps.length - 1;
  push(plan.outcome, true);
  return states;
}

/** A state as a /state body: every step listed, or only those reached; numbers or strings. */
function render(
  recordId: string,
  truth: Truth,
  plan: RunPlan,
  start: number,
  listing: 'all' | 'reached',
  stringly: boolean,
): unknown {
  const value = (v: number | boolean) => (stringly ? String(v) : v);
  const listed = listing === 'all' ? plan.steps.length : truth.reached + 1;
  return {
    status: 'success',
    result: {
      record_id: recordId,
      task_id: TASK_ID,
      nick_name: 'devops-bot',
      status: truth.status,
      step: truth.ended ? 'finish' : 'running',
      start_time: formatCodeArtsTime(start, TIME_ZONE),
      end_time: truth.ended ? formatCodeArtsTime(truth.at, TIME_ZONE) : '',
      executor: 'devcloud_test',
      task_name: 'gateway-prod',
      step_state: plan.steps.slice(0, listed).map((s, i) => ({
        region: 'cn-north-4',
        id: value(i + 1),
        offset: value(0),
        enable: value(s.enabled),
        name: `Step ${i + 1}`,
        current_offset: value(truth.counters[i]?.offset ?? 0),
        elapsed_time: value(truth.counters[i]?.elapsed ?? 0),
        faq_url: '',
      })),
    },
  };
}

const arbHistory: fc.Arbitrary<History> = fc
  .record({
    plans: fc.array(arbRunPlan, { minLength: 1, maxLength: 4 }),
    listing: fc.constantFrom<'all' | 'reached'>('all', 'reached'),
    stringly: fc.func(fc.boolean()),
  })
  .map(({ plans, listing, stringly }) => {
    const recordIds = plans.map((_, r) => `${(r + 1).toString(16).padStart(8, '0')}${'c0ffee42'.repeat(3)}`);
    const states = plans.map((plan, r) => simulate(plan, r));
    const bodies = states.flatMap((runStates, r) =>
      runStates.map((truth, j) => ({
        run: r,
        truth,
        body: render(
          recordIds[r] ?? '',
          truth,
          plans[r] as RunPlan,
          BASE_MS + r * RUN_SPACING_MS,
          listing,
          stringly(r, j),
        ),
      })),
    );
    return { plans, recordIds, states, bodies };
  });

type Backfill = 'supply' | 'gone' | 'omit';

/** Which bodies the poller sees (0, 1 or 2 times each), and how backfills go. */
const arbPoller: fc.Arbitrary<Poller> = fc.record({
  density: fc.integer({ min: 2, max: 9 }),
  sample: fc.func(fc.nat({ max: 9 })),
  backfill: fc.func(fc.constantFrom<Backfill>('supply', 'gone', 'omit')),
});

interface Trace {
  events: Array<TaskEvent & { poll: number }>;
  polls: Observation[];
  baseline: { run: number; state: RunState };
  /** Per run: the poller learned its terminal state (observed, or through a refetch). */
  sawEnd: Set<number>;
}

interface Poller {
  /** Of 10 equally likely samples, how many mean "seen" (2–9). */
  density: number;
  sample: (bodyIndex: number) => number;
  backfill: (pollIndex: number) => Backfill;
}

/** Feeds the poller's view of the history through normalise → detectChanges, threading the stored run. */
function poll(history: History, { density, sample, backfill }: Poller): Trace | null {
  const polls = history.bodies.flatMap((b, i) => {
    const v = sample(i);
    if (v >= density) return [];
    return v === 0 ? [b, b] : [b];
  });
  const first = polls[0];
  if (!first) return null;
  const normalise = (body: unknown) => normaliseStateResponse(body, { timeZone: TIME_ZONE });
  const runOf = (recordId: string) => history.recordIds.indexOf(recordId);
  const trace: Trace = {
    events: [],
    polls,
    baseline: { run: first.run, state: normalise(first.body) },
    sawEnd: new Set(),
  };
  let stored: RunState | null = null;
  polls.forEach((p, n) => {
    const observed = normalise(p.body);
    let previousRunFinal: RunState | null | undefined;
    if (needsBackfill(stored, observed) && stored) {
      const choice = backfill(n);
      const prevRun = runOf(stored.recordId);
      const last = history.bodies.filter((b) => b.run === prevRun).at(-1);
      if (choice === 'supply' && last) {
        previousRunFinal = normalise(last.body);
        if (isTerminal(previousRunFinal.status)) trace.sawEnd.add(prevRun);
      } else if (choice === 'gone') previousRunFinal = null;
    }
    const before: RunState | null = stored;
    const result = detectChanges({ stored, observed, previousRunFinal });
    if (isTerminal(observed.status)) trace.sawEnd.add(p.run);
    // A repeated answer changes nothing.
    if (before && n > 0 && polls[n - 1] === p) {
      expect(result.events).toEqual([]);
      expect(result.run).toEqual(before);
    }
    expect(result.endedRun !== null).toBe(needsBackfill(before, observed));
    trace.events.push(...result.events.map((e) => ({ ...e, poll: n })));
    stored = result.run;
  });
  return trace;
}

const stepEvents = <E extends TaskEvent>(events: E[], step: number, type: TaskEvent['type']): E[] =>
  events.filter((e) => 'step' in e && e.step === step && e.type === type);

const begun = (p: StepProgress | undefined) => p === 'running' || p === 'done' || p === 'failed';

function checkTrace(history: History, trace: Trace): void {
  const runOf = (recordId: string) => history.recordIds.indexOf(recordId);
  const seen = new Set(trace.polls.map((p) => p.run));
  const lastSeen = Math.max(...seen);
  const { baseline } = trace;
  const baselineSteps = baseline.state.steps ?? [];

  // Events of an earlier run come before those of a later one.
  const order = trace.events.map((e) => runOf(e.recordId));
  expect(order.every((r) => r >= 0)).toBe(true);
  expect(order).toEqual([...order].sort((a, b) => a - b));

  history.plans.forEach((plan, r) => {
    const events = trace.events.filter((e) => e.recordId === history.recordIds[r]);
    const isBaseline = r === baseline.run;
    if (!seen.has(r) || r < baseline.run) {
      expect(events).toEqual([]);
      return;
    }
    const started = events.filter((e) => e.type === 'run.started');
    const finished = events.filter((e) => e.type === 'run.finished');

    // run.started: once, first — except for the baseline run, whose past is not replayed.
    if (isBaseline) expect(started).toEqual([]);
    else {
      expect(started).toHaveLength(1);
      expect(events[0]?.type).toBe('run.started');
    }

    // Every run that ends while watched gets exactly one run.finished, last.
    const ended = trace.sawEnd.has(r) || r < lastSeen;
    const endedBeforeWatching = isBaseline && isTerminal(baseline.state.status);
    expect(finished).toHaveLength(ended && !endedBeforeWatching ? 1 : 0);
    if (finished.length > 0) expect(events.at(-1)?.type).toBe('run.finished');

    const stepStarts: number[] = [];
    const stepEnds: number[] = [];
    plan.steps.forEach((step, i) => {
      const s = stepEvents(events, i, 'step.started');
      const f = stepEvents(events, i, 'step.finished');
      const x = stepEvents(events, i, 'step.failed');
      if (!step.enabled) {
        expect([...s, ...f, ...x]).toEqual([]);
        return;
      }
      expect(s.length).toBeLessThanOrEqual(1);
      expect(f.length).toBeLessThanOrEqual(1);
      expect(x.length).toBeLessThanOrEqual(1);
      expect(f.length + x.length).toBeLessThanOrEqual(1);
      const end = f[0] ?? x[0];
      const start = s[0];
      if (end && start) expect(events.indexOf(start)).toBeLessThan(events.indexOf(end));
      const atBaseline = isBaseline ? baselineSteps[i]?.progress : undefined;
      if (end && !start) expect(begun(atBaseline)).toBe(true);
      // nothing from before the baseline is reported again
      if (begun(atBaseline)) expect(s).toEqual([]);
      if (atBaseline === 'done' || atBaseline === 'failed') expect([...f, ...x]).toEqual([]);
      if (start) stepStarts.push(events.indexOf(start));
      if (end) stepEnds.push(events.indexOf(end));
      // A step starts only once every earlier enabled step has finished.
      if (start) {
        plan.steps.slice(0, i).forEach((earlier, k) => {
          if (!earlier.enabled) return;
          const done = stepEvents(events, k, 'step.finished')[0];
          const doneAtBaseline = isBaseline && baselineSteps[k]?.progress === 'done';
          expect(doneAtBaseline || (done !== undefined && events.indexOf(done) < events.indexOf(start))).toBe(
            true,
          );
        });
      }
      // A succeeded run seen to its end has every enabled step finished.
      if (plan.outcome === 'succeeded' && trace.sawEnd.has(r)) {
        expect(f.length === 1 || atBaseline === 'done').toBe(true);
      }
    });
    // Steps are reported in order.
    expect(stepStarts).toEqual([...stepStarts].sort((a, b) => a - b));
    expect(stepEnds).toEqual([...stepEnds].sort((a, b) => a - b));

    const failures = events.filter((e) => e.type === 'step.failed');
    expect(failures.length).toBeLessThanOrEqual(1);
    if (plan.outcome === 'succeeded') expect(failures).toEqual([]);
    // A step fails only as its run finishes unsuccessfully, in the same poll.
    for (const failure of failures) {
      const last = finished[0];
      expect(last && last.status !== 'succeeded' && last.poll === failure.poll).toBe(true);
    }
    // Where the failing step showed progress when the run ended, the failure is pinned on it.
    const final = history.states[r]?.at(-1);
    if (FAILURES.includes(plan.outcome) && trace.sawEnd.has(r) && final && !endedBeforeWatching) {
      const enabledReached = plan.steps.flatMap((s, i) => (s.enabled && i <= final.reached ? [i] : []));
      const culprit = enabledReached.at(-1);
      const c = culprit === undefined ? undefined : final.counters[culprit];
      if (culprit !== undefined && c && (c.elapsed > 0 || c.offset > 0)) {
        expect(failures.map((e) => 'step' in e && e.step)).toEqual([culprit]);
      }
    }
  });
}

describe('detectChanges over generated run histories', () => {
  it('reports every run and step exactly as it happened, whatever the poller sees', () => {
    fc.assert(
      fc.property(arbHistory, arbPoller, (history, poller) => {
        const trace = poll(history, poller);
        if (trace) checkTrace(history, trace);
      }),
      { numRuns: 400 },
    );
  });

  it('reports a fully watched history completely: every run started, every step, every ending', () => {
    fc.assert(
      fc.property(arbHistory, (history) => {
        const everything = { density: 9, sample: () => 1, backfill: (): Backfill => 'supply' };
        const trace = poll(history, everything);
        if (!trace) return;
        checkTrace(history, trace);
        // Watching from before anything happened: the only baseline is the first run's first state.
        history.plans.forEach((plan, r) => {
          if (r === 0) return;
          const events = trace.events.filter((e) => e.recordId === history.recordIds[r]);
          const enabled = plan.steps.filter((s) => s.enabled).length;
          if (plan.outcome === 'succeeded') {
            expect(events.filter((e) => e.type === 'step.finished')).toHaveLength(enabled);
          }
          expect(events.filter((e) => e.type === 'run.finished')).toHaveLength(
            plan.outcome !== 'running' || r < history.plans.length - 1 ? 1 : 0,
          );
        });
      }),
      { numRuns: 300 },
    );
  });

  it('ignores an older run seen after a newer one', () => {
    fc.assert(
      fc.property(arbHistory, (history) => {
        const firsts = history.recordIds.map((_, r) => history.bodies.find((b) => b.run === r));
        const older = firsts[0];
        const newer = firsts.at(-1);
        if (!older || !newer || older === newer) return;
        const normalise = (body: unknown) => normaliseStateResponse(body, { timeZone: TIME_ZONE });
        const stored = normalise(newer.body);
        expect(detectChanges({ stored, observed: normalise(older.body) })).toEqual({
          run: stored,
          events: [],
          endedRun: null,
        });
      }),
      { numRuns: 200 },
    );
  });
});
