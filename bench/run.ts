// `npm run bench [-- --quick]`: measures the poll pipeline (the real planner and worker handlers) at scale: CodeArts,
// DynamoDB, SQS and Lambda use per tick, how soon changes are seen, and the monthly cost those figures give. See
// bench/README.md for what each figure means and how it is measured. Writes bench/results.json, prints a table.
import './lib/quiet-warnings.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildLambdaBundle, buildScript } from './lib/build.js';
import { measureLoadTime } from './lib/children.js';
import { monthlyCost, scaledTick } from './lib/cost.js';
import { evaluateTargets, type Results, renderTable } from './lib/report.js';
import { measureScale, type ScaleOptions, type ScaleResult } from './lib/scale-run.js';

const quick = process.argv.includes('--quick');
const CODEARTS_LATENCY_MS = 100;
const SLACK_LATENCY_MS = 30;
/** ACTIVE_POLL_SECONDS as deployed (lib/README.md default). */
const ACTIVE_POLL_SECONDS = 10;
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

/**
 * The runs: N = 100 with one deployment (the smallest install); then N = 1,000, 10,000 and 50,000 with 2 %
 * deploying, in projects of 200 watched tasks, with the change feed on, and at 1,000 and 10,000 with it off too
 * (off at 50,000 would need ~84 calls in flight, more than two cores can simulate). At 100 ms a call, the polls of
 * N ≥ 10,000 need more than 8 calls in flight: those run with CODEARTS_CONCURRENCY 32 (4 workers × 8), the others
 * with the default 8 (2 workers × 4). At 50,000 the simulator and dynalite share the two cores with everything
 * else: only a few ticks are measured.
 */
type Run = Pick<ScaleOptions, 'n' | 'codeartsConcurrency' | 'activeShare' | 'ticks' | 'changeFeed'> & {
  deploying?: number;
  /** SWEEP_MINUTES other than the default. */
  sweepMinutes?: number;
};
const RUNS: Run[] = quick
  ? [
      { n: 100, codeartsConcurrency: 8, activeShare: 0.01, deploying: 1, ticks: 3, changeFeed: true },
      { n: 1000, codeartsConcurrency: 8, activeShare: 0.02, ticks: 3, changeFeed: true },
    ]
  : [
      { n: 100, codeartsConcurrency: 8, activeShare: 0.01, deploying: 1, ticks: 5, changeFeed: true },
      { n: 1000, codeartsConcurrency: 8, activeShare: 0.02, ticks: 10, changeFeed: true },
      { n: 1000, codeartsConcurrency: 8, activeShare: 0.02, ticks: 6, changeFeed: false },
      { n: 10_000, codeartsConcurrency: 32, activeShare: 0.02, ticks: 5, changeFeed: true },
      { n: 10_000, codeartsConcurrency: 32, activeShare: 0.02, ticks: 4, changeFeed: false },
      { n: 50_000, codeartsConcurrency: 32, activeShare: 0.02, ticks: 3, changeFeed: true },
      // No deployment at all, over one whole sweep: what watching alone costs; and with a sweep every 30 minutes.
      { n: 10_000, codeartsConcurrency: 32, activeShare: 0, ticks: 10, changeFeed: true },
      { n: 10_000, codeartsConcurrency: 32, activeShare: 0, ticks: 10, changeFeed: true, sweepMinutes: 30 },
    ];
/** SWEEP_MINUTES and the project size as deployed (lib/README.md defaults) and as the issue measures them. */
const SWEEP_MINUTES = 10;
const TASKS_PER_PROJECT = 200;

const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};
const codeState = () => ({
  commit: git('rev-parse', '--short', 'HEAD'),
  uncommitted: git('status', '--porcelain', '--', 'functions', 'local').split('\n').filter(Boolean),
});
const codeAtStart = codeState();
const benchStart = performance.now();
const progress = (message: string): void => {
  const s = Math.round((performance.now() - benchStart) / 1000);
  process.stderr.write(
    `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${message}\n`,
  );
};

const loadAverageAtStart = loadavg();
progress(`${quick ? 'Quick' : 'Full'} benchmark: building the servers' thread and the Lambda bundles`);
const serversFile = await buildScript('lib/servers.ts', 'servers.mjs');
const loadFile = await buildScript('child/load.ts', 'load.mjs');
const bundles: Results['bundles'] = {};
for (const name of ['planner', 'worker', 'api'] as const) {
  const bundle = await buildLambdaBundle(name);
  const load = await measureLoadTime(loadFile, bundle.file, 3);
  bundles[name] = { bytes: bundle.bytes, importMs: Math.round(load.importMs) };
}

const scale: ScaleResult[] = [];
for (const run of RUNS) {
  scale.push(
    await measureScale(serversFile, {
      ...run,
      sweepMinutes: run.sweepMinutes ?? SWEEP_MINUTES,
      activePollSeconds: ACTIVE_POLL_SECONDS,
      latency: { codeartsMs: CODEARTS_LATENCY_MS, slackMs: SLACK_LATENCY_MS },
      tasksPerProject: TASKS_PER_PROJECT,
      progress,
    }),
  );
}

// Cost from the per-task figures of the largest run of each mode (fixed costs apart), at each size asked about.
const costFrom = (runs: ScaleResult[]) => {
  if (runs.length === 0) return {};
  const largest = runs.reduce((a, b) => (b.n > a.n ? b : a));
  const perTick = {
    n: largest.n,
    lambdaBilledSeconds: largest.lambdaBilledSecondsPerTick,
    lambdaRequests: largest.lambdaRequestsPerTick,
    sqsRequests: largest.sqsRequestsPerTick,
    readUnits: largest.ddbReadUnitsPerTick,
    writeUnits: largest.ddbWriteUnitsPerTick,
  };
  return Object.fromEntries(
    [1000, 10_000, 100_000].map((n) => [n.toLocaleString('en'), monthlyCost(scaledTick(perTick, n))]),
  );
};
const deploying = (r: ScaleResult) => r.deploying > 1;
const cost = {
  feedOn: costFrom(scale.filter((r) => r.changeFeed && deploying(r))),
  feedOff: costFrom(scale.filter((r) => !r.changeFeed && deploying(r))),
  idleFeedOn: costFrom(
    scale.filter((r) => r.changeFeed && r.deploying === 0 && r.sweepMinutes === SWEEP_MINUTES),
  ),
};

const results: Results = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`,
  date: new Date().toISOString(),
  code: { ...codeAtStart, atEnd: codeState() },
  mode: quick ? 'quick' : 'full',
  codeartsLatencyMs: CODEARTS_LATENCY_MS,
  slackLatencyMs: SLACK_LATENCY_MS,
  activePollSeconds: ACTIVE_POLL_SECONDS,
  loadAverage: { start: loadAverageAtStart, end: loadavg() },
  scale,
  cost,
  bundles,
  targets: evaluateTargets(scale, ACTIVE_POLL_SECONDS, cost),
  totalSeconds: Math.round((performance.now() - benchStart) / 1000),
};
if (!quick) writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${renderTable(results)}\n`);
progress(quick ? 'done (quick mode: bench/results.json left as it was)' : `done: ${RESULTS_FILE}`);
