// bench → the results file's shape, the targets (design §8, the benchmark issue), and the printed table.
import type { MemoryResult } from './children.js';
import type { CycleBreakdown } from './cycle-bench.js';
import type { UnseenRuns } from './lag-bench.js';

export interface RunResult {
  n: number;
  /** The cycle with changes (10 % of tasks' deployments moved on): mean of the two change cycles. */
  cycleSeconds: number;
  floorSeconds: number;
  ratio: number;
  /** The cycle where nothing changed (median when repeated). */
  cycleSecondsNoChange: number;
  ratioNoChange: number;
  /** Where the time went (see CycleBreakdown): the no-change cycle, then each change cycle. */
  breakdown: { noChange: CycleBreakdown; changes: CycleBreakdown[] };
  ddbReadsNoChange: number;
  ddbReadUnitsNoChange: number;
  ddbWritesNoChange: number;
  /** Task writes (lease excluded) per task whose poll found changes. */
  ddbWritesPerChangedTask: number;
  ddbWriteUnitsPerChangedTask: number;
  changedTasksPerChangeCycle: number;
  eventsPerChangedPoll: number;
  /** Slack calls per (changed poll × subscription), mean over both change cycles. */
  slackCallsPerChangedPoll: number;
  slackCallsMaxPerSubscription: number;
  slackCallsByMethod: Record<string, number>;
  detectionLagP50Seconds: number | null;
  detectionLagP95Seconds: number | null;
  detectionLagTransitions: number;
  detectionLagUndetected: number;
  scheduleOnlyLagP50Seconds: number | null;
  scheduleOnlyLagP95Seconds: number | null;
  scheduleOnlyUndetected: number;
  newRunLagP95Seconds: number | null;
  /** Runs never reported at all, and why (active-polling run, then schedule-only). */
  unseenRuns: { active: UnseenRuns; scheduleOnly: UnseenRuns };
  codeartsCallsPerIdleTaskHour: number;
  codeartsCallsPerActiveTaskHour: number;
  /** Billed duration of a tick with active re-polling (mean of the measured ticks). */
  meanTickSeconds: number;
  /** Tasks a 55 s tick never reached (the first pass ran out of budget). */
  tasksMissedPerTick: number;
  /** The poller bundle's process, when measured at this N (see bundles/memory), else null. */
  peakRssMB: number | null;
  inProcessHeapDeltaMB: number;
  inProcessPeakRssMB: number;
  problems: string[];
}

export interface Results {
  machine: string;
  date: string;
  /** The commit measured, and product files that differed from it (other work in progress). */
  code: { commit: string; uncommitted: string[]; atEnd: { commit: string; uncommitted: string[] } };
  mode: 'full' | 'quick';
  codeartsLatencyMs: number;
  slackLatencyMs: number;
  concurrency: number;
  activePollSeconds: number;
  runs: RunResult[];
  /** The poller bundle invoked once in its own process (children.ts). */
  memory: (MemoryResult & { n: number }) | null;
  bundles: {
    poller: { bytes: number; loadMs: number; loadSinceProcessStartMs: number };
    api: { bytes: number; loadMs: number; loadSinceProcessStartMs: number; note: string };
  };
  cost: {
    tasks100USDPerMonth: number;
    tasks1000USDPerMonth: number;
    detail: Record<string, unknown>;
  };
  targets: Array<{ target: string; met: boolean; detail: string }>;
  benchSeconds: number;
}

const fmt = (value: number | null, digits = 2): string => (value === null ? '—' : value.toFixed(digits));
const lag = (value: number | null, undetected: number): string =>
  value === null ? (undetected > 0 ? `∞ (${undetected} never seen)` : '—') : `${value.toFixed(1)} s`;

export function evaluateTargets(results: Results): Results['targets'] {
  const targets: Results['targets'] = [];
  const active = results.activePollSeconds;
  for (const run of results.runs) {
    const n = `N=${run.n}`;
    targets.push({
      target: `${n} cycle time / floor ≤ 1.15 (cycle with changes)`,
      met: run.ratio <= 1.15,
      detail: `${fmt(run.ratio, 3)} (${fmt(run.cycleSeconds)} s / ${fmt(run.floorSeconds)} s)`,
    });
    targets.push({
      target: `${n} cycle time / floor ≤ 1.15 (no change)`,
      met: run.ratioNoChange <= 1.15,
      detail: `${fmt(run.ratioNoChange, 3)} (${fmt(run.cycleSecondsNoChange)} s)`,
    });
    targets.push({
      target: `${n} no-change cycle writes = lease only (2), reads ≤ N/50 + 2`,
      met: run.ddbWritesNoChange <= 2 && run.ddbReadsNoChange <= run.n / 50 + 2,
      detail: `writes ${run.ddbWritesNoChange}, reads ${run.ddbReadsNoChange} (limit ${run.n / 50 + 2})`,
    });
    targets.push({
      target: `${n} writes ≤ 2 per changed task`,
      met: run.ddbWritesPerChangedTask <= 2,
      detail: fmt(run.ddbWritesPerChangedTask),
    });
    targets.push({
      target: `${n} Slack calls ≤ 2 per changed poll per subscription`,
      met: run.slackCallsMaxPerSubscription <= 2,
      detail: `mean ${fmt(run.slackCallsPerChangedPoll)}, max ${run.slackCallsMaxPerSubscription}, ${fmt(run.eventsPerChangedPoll, 1)} events coalesced per poll`,
    });
    targets.push({
      target: `${n} no run lost between polls (design §7; active-polling run)`,
      met: run.unseenRuns.active.neverReported === 0,
      detail:
        `${run.unseenRuns.active.neverReported} of ${run.unseenRuns.active.runsInWindow} runs never reported ` +
        `(${run.unseenRuns.active.supersededBetweenPolls} superseded between polls, ` +
        `${run.unseenRuns.active.taskNotPolled} on tasks never polled); schedule-only ` +
        `${run.unseenRuns.scheduleOnly.neverReported} of ${run.unseenRuns.scheduleOnly.runsInWindow}`,
    });
    targets.push({
      target: `${n} detection lag p95 ≤ ACTIVE_POLL_SECONDS + 1 s (${active + 1} s)`,
      met: run.detectionLagP95Seconds !== null && run.detectionLagP95Seconds <= active + 1,
      detail: `p95 ${lag(run.detectionLagP95Seconds, run.detectionLagUndetected)}, schedule-only p95 ${lag(run.scheduleOnlyLagP95Seconds, run.scheduleOnlyUndetected)}`,
    });
  }
  const memoryRun = results.memory;
  if (memoryRun) {
    const peak = memoryRun.maxRssMB;
    targets.push({
      target: `peak RSS of the poller at N=${memoryRun.n} < 200 MB`,
      met: peak < 200,
      detail: `${fmt(peak, 0)} MB (process high-water mark)`,
    });
  }
  targets.push({
    target: 'poller bundle < 300 KB',
    met: results.bundles.poller.bytes < 300 * 1024,
    detail: `${(results.bundles.poller.bytes / 1024).toFixed(1)} KB`,
  });
  return targets;
}

export function renderTable(results: Results): string {
  const lines: string[] = [];
  const head = [
    'N',
    'cycle s (chg)',
    'floor s',
    'ratio',
    'ratio no-chg',
    'DDB R/W no-chg',
    'W/changed task',
    'Slack/poll/sub',
    'lag p50/p95',
    'sched-only p50/p95',
    'missed/tick',
    'peak RSS MB',
  ];
  const rows = results.runs.map((r) => [
    String(r.n),
    fmt(r.cycleSeconds),
    fmt(r.floorSeconds),
    fmt(r.ratio, 3),
    fmt(r.ratioNoChange, 3),
    `${r.ddbReadsNoChange}/${r.ddbWritesNoChange}`,
    fmt(r.ddbWritesPerChangedTask),
    `${fmt(r.slackCallsPerChangedPoll)} (max ${r.slackCallsMaxPerSubscription})`,
    `${lag(r.detectionLagP50Seconds, r.detectionLagUndetected)} / ${lag(r.detectionLagP95Seconds, r.detectionLagUndetected)}`,
    `${lag(r.scheduleOnlyLagP50Seconds, r.scheduleOnlyUndetected)} / ${lag(r.scheduleOnlyLagP95Seconds, r.scheduleOnlyUndetected)}`,
    r.tasksMissedPerTick.toFixed(0),
    r.peakRssMB === null ? '—' : r.peakRssMB.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  lines.push(line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line));
  const b = results.bundles;
  lines.push(
    '',
    `Bundles: poller ${(b.poller.bytes / 1024).toFixed(1)} KB, import ${b.poller.loadMs.toFixed(0)} ms ` +
      `(${b.poller.loadSinceProcessStartMs.toFixed(0)} ms from process start); ` +
      `api ${(b.api.bytes / 1024).toFixed(1)} KB, import ${b.api.loadMs.toFixed(0)} ms — ${b.api.note}`,
  );
  lines.push(
    `Runs never reported at all (active / schedule-only): ${results.runs
      .map(
        (r) =>
          `N=${r.n} ${r.unseenRuns.active.neverReported}/${r.unseenRuns.active.runsInWindow} / ` +
          `${r.unseenRuns.scheduleOnly.neverReported}/${r.unseenRuns.scheduleOnly.runsInWindow}`,
      )
      .join(', ')}`,
  );
  const idle = results.runs[0]?.codeartsCallsPerIdleTaskHour;
  lines.push(
    `CodeArts calls per idle task per hour: ${fmt(idle ?? null, 1)}; ` +
      `monthly AWS cost (before free tiers): 100 tasks $${results.cost.tasks100USDPerMonth.toFixed(2)}, ` +
      `1,000 tasks $${results.cost.tasks1000USDPerMonth.toFixed(2)}`,
    ...results.runs
      .filter((r) => r.problems.length > 0)
      .map((r) => `Problems the cycle logged at N=${r.n} (first of them): ${r.problems[0]}`),
    '',
    'Targets:',
    ...results.targets.map((t) => `  ${t.met ? 'met ' : 'MISS'}  ${t.target}: ${t.detail}`),
  );
  return lines.join('\n');
}
