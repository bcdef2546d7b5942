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
  /** Monthly cost from the measured per-task figures of the largest run, at each size. */
  cost: Record<string, CostBreakdown>;
  bundles: Record<string, { bytes: number; importMs: number }>;
  targets: Array<{ target: string; met: boolean; figure: string }>;
  totalSeconds: number;
}

/** What the work is held to (the poll pipeline's done criteria), each with the figure that decides it. */
export function evaluateTargets(scale: ScaleResult[], activePollSeconds: number): Results['targets'] {
  const targets: Results['targets'] = [];
  for (const r of scale) {
    const label = `N=${r.n}${r.deploying === 1 ? ' (one deployment)' : ''}`;
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
    const floor = r.billedFloorSecondsPerTick;
    targets.push({
      target: `${label}: billed seconds ≤ 1.25 × CodeArts calls × latency ÷ calls in flight per invocation`,
      met: r.lambdaBilledSecondsPerTick <= 1.25 * floor,
      figure: `${r.lambdaBilledSecondsPerTick} s against ${floor} s (${(r.lambdaBilledSecondsPerTick / Math.max(floor, 1e-9)).toFixed(2)}×)`,
    });
    if (r.n === 100 && r.deploying === 1) {
      targets.push({
        target: `${label}: ≤ 5 billed seconds per tick`,
        met: r.lambdaBilledSecondsPerTick <= 5,
        figure: `${r.lambdaBilledSecondsPerTick} s`,
      });
    }
  }
  return targets;
}

export function renderTable(results: Results): string {
  const header = [
    'N',
    'workers × calls',
    'deploying',
    'CodeArts calls/tick',
    'idle calls/task/tick',
    'DDB RRU/WRU per tick',
    'SQS req/tick',
    'Lambda req/tick',
    'billed s/tick (floor)',
    'not polled',
    'step lag p50/p95',
    'new-run lag p50/p95',
  ];
  const rows = results.scale.map((r) => [
    r.n.toLocaleString('en'),
    `${r.workers} × ${r.callsPerWorker}`,
    String(r.deploying),
    String(r.codeartsCallsPerTick),
    String(r.idleCallsPerTaskPerTick),
    `${r.ddbReadUnitsPerTick} / ${r.ddbWriteUnitsPerTick}`,
    String(r.sqsRequestsPerTick),
    String(r.lambdaRequestsPerTick),
    `${r.lambdaBilledSecondsPerTick} (${r.billedFloorSecondsPerTick})`,
    r.tasksNotPolled.join(','),
    `${r.stepLagP50Seconds ?? '—'} / ${r.stepLagP95Seconds ?? '—'} s`,
    `${r.newRunLagP50Seconds ?? '—'} / ${r.newRunLagP95Seconds ?? '—'} s`,
  ]);
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const costs = Object.entries(results.cost).map(
    ([n, c]) =>
      `  ${n} tasks: $${c.totalUsd}/month ($${c.totalAfterLambdaFreeTierUsd} after Lambda's free tier)`,
  );
  const targets = results.targets.map((t) => `  ${t.met ? '✓' : '✗'} ${t.target}: ${t.figure}`);
  return [line(header), rule, ...rows.map(line), '', 'Cost:', ...costs, '', 'Targets:', ...targets].join(
    '\n',
  );
}
