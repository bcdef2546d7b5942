// bench → the results file's shape, the targets it is checked against, and the printed table.
import type { CostBreakdown } from './cost.js';
import type { ScaleResult } from './scale-run.js';

export interface Results {
  machine: string;
  date: string;
  /** The commit measured, and product files that differed from it (other work in progress). */
  code: { commit: string; uncommitted: string[]; atEnd: { commit: string; uncommitted: string[] } };
  mode: 'full' | 'quick';
  codeartsLatencyMs: number;
  slackLatencyMs: number;
  activePollSeconds: number;
  loadAverage: { start: number[]; end: number[] };
  scale: ScaleResult[];
  /**
   * Monthly cost at each size from the measured per-task figures of the largest run of each kind: 2 % of the tasks
   * deploying all the time with the feed on and off, and no deployment at all (watching alone).
   */
  cost: {
    feedOn: Record<string, CostBreakdown>;
    feedOff: Record<string, CostBreakdown>;
    idleFeedOn: Record<string, CostBreakdown>;
  };
  bundles: Record<string, { bytes: number; importMs: number }>;
  targets: Array<{ target: string; met: boolean; figure: string }>;
  totalSeconds: number;
}

/** The monthly cost each size must stay within, with the change feed on (the default). */
const COST_TARGETS_USD: Record<string, number> = { '1,000': 5, '10,000': 20, '100,000': 150 };
/** With the feed on, an idle task costs at most this many CodeArts calls a tick at N ≥ 10,000, the sweep included. */
const IDLE_CALLS_TARGET = 0.05;
/** New runs are seen within this long (p95) with the feed on. */
const NEW_RUN_LAG_TARGET_SECONDS = 60;

/** What the work is held to (the poll pipeline's and the change feed's done criteria), each with its figure. */
export function evaluateTargets(
  scale: ScaleResult[],
  activePollSeconds: number,
  cost: Results['cost'],
): Results['targets'] {
  const targets: Results['targets'] = [];
  for (const r of scale) {
    const deployments = r.deploying === 1 ? ' (one deployment)' : r.deploying === 0 ? ' (no deployment)' : '';
    const feed = r.changeFeed ? `feed on, sweep ${r.sweepMinutes} min` : 'feed off';
    const label = `N=${r.n}${deployments}, ${feed}`;
    targets.push({
      target: `${label}: every due task polled in its tick`,
      met: r.tasksNotPolled.every((n) => n === 0),
      figure: `tasksNotPolled ${JSON.stringify(r.tasksNotPolled)}`,
    });
    if (r.stepLagP95Seconds !== null || r.undetected > 0) {
      targets.push({
        target: `${label}: step lag p95 ≤ ACTIVE_POLL_SECONDS + 2 s (${activePollSeconds + 2} s)`,
        met: r.stepLagP95Seconds !== null && r.stepLagP95Seconds <= activePollSeconds + 2,
        figure: `p95 ${r.stepLagP95Seconds ?? '—'} s, ${r.undetected} undetected of ${r.transitionsMeasured}`,
      });
    }
    if (r.changeFeed && r.newRunLagP95Seconds !== null) {
      targets.push({
        target: `${label}: new-run lag p95 ≤ ${NEW_RUN_LAG_TARGET_SECONDS} s`,
        met: r.newRunLagP95Seconds <= NEW_RUN_LAG_TARGET_SECONDS,
        figure: `p95 ${r.newRunLagP95Seconds} s`,
      });
    }
    if (r.changeFeed && r.n >= 10_000) {
      targets.push({
        target: `${label}: ≤ ${IDLE_CALLS_TARGET} CodeArts calls per idle task per tick, the sweep included`,
        met: r.idleCallsPerTaskPerTick <= IDLE_CALLS_TARGET,
        figure: `${r.idleCallsPerTaskPerTick} (the sweep alone: 1 / ${r.sweepMinutes} ticks = ${round3(1 / (r.sweepMinutes ?? 1))})`,
      });
    }
    const floor = r.billedBatchFloorSecondsPerTick;
    targets.push({
      target: `${label}: billed seconds ≤ 1.25 × the batches' floor (each batch's polls in rounds of its calls in flight × latency)`,
      met: r.lambdaBilledSecondsPerTick <= 1.25 * floor,
      figure: `${r.lambdaBilledSecondsPerTick} s against ${floor} s (${(r.lambdaBilledSecondsPerTick / Math.max(floor, 1e-9)).toFixed(2)}×; calls × latency ÷ calls in flight: ${r.billedFloorSecondsPerTick} s)`,
    });
    if (r.n === 100 && r.deploying === 1) {
      targets.push({
        target: `${label}: ≤ 5 billed seconds per tick`,
        met: r.lambdaBilledSecondsPerTick <= 5,
        figure: `${r.lambdaBilledSecondsPerTick} s`,
      });
    }
  }
  for (const [mode, what] of [
    ['feedOn', '2 % deploying all the time'],
    ['idleFeedOn', 'no deployment'],
  ] as const) {
    for (const [n, limit] of Object.entries(COST_TARGETS_USD)) {
      const breakdown = cost[mode][n];
      if (breakdown === undefined) continue;
      targets.push({
        target: `${n} tasks, feed on, ${what}: ≤ $${limit} a month`,
        met: breakdown.totalUsd <= limit,
        figure: `$${breakdown.totalUsd} ($${breakdown.totalAfterLambdaFreeTierUsd} after Lambda's free tier; fixed $${breakdown.fixedUsd}, DynamoDB writes $${breakdown.writesUsd})`,
      });
    }
  }
  return targets;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function renderTable(results: Results): string {
  const header = [
    'N',
    'feed',
    'projects',
    'workers × calls',
    'deploying',
    'CodeArts calls/tick (feed)',
    'idle calls/task/tick',
    'DDB RRU/WRU per tick',
    'SQS req/tick',
    'Lambda req/tick',
    'billed s/tick (batch floor / floor)',
    'not polled',
    'step lag p50/p95',
    'new-run lag p50/p95',
  ];
  const rows = results.scale.map((r) => [
    r.n.toLocaleString('en'),
    r.changeFeed ? `on (sweep ${r.sweepMinutes} min)` : 'off',
    String(r.projects),
    `${r.workers} × ${r.callsPerWorker}`,
    String(r.deploying),
    `${r.codeartsCallsPerTick} (${r.feedCallsPerTick})`,
    String(r.idleCallsPerTaskPerTick),
    `${r.ddbReadUnitsPerTick} / ${r.ddbWriteUnitsPerTick}`,
    String(r.sqsRequestsPerTick),
    String(r.lambdaRequestsPerTick),
    `${r.lambdaBilledSecondsPerTick} (${r.billedBatchFloorSecondsPerTick} / ${r.billedFloorSecondsPerTick})`,
    r.tasksNotPolled.join(','),
    `${r.stepLagP50Seconds ?? '—'} / ${r.stepLagP95Seconds ?? '—'} s`,
    `${r.newRunLagP50Seconds ?? '—'} / ${r.newRunLagP95Seconds ?? '—'} s`,
  ]);
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const modes = {
    feedOn: 'feed on, 2 % deploying',
    feedOff: 'feed off, 2 % deploying',
    idleFeedOn: 'feed on, no deployment',
  } as const;
  const costs = (Object.keys(modes) as Array<keyof typeof modes>).flatMap((mode) =>
    Object.entries(results.cost[mode]).map(
      ([n, c]) =>
        `  ${modes[mode]}, ${n} tasks: $${c.totalUsd}/month ($${c.totalAfterLambdaFreeTierUsd} after Lambda's free tier)`,
    ),
  );
  const targets = results.targets.map((t) => `  ${t.met ? '✓' : '✗'} ${t.target}: ${t.figure}`);
  return [line(header), rule, ...rows.map(line), '', 'Cost:', ...costs, '', 'Targets:', ...targets].join(
    '\n',
  );
}
