// `npm run bench [-- --quick]`: measures the real poll cycle against its floor (design §8). See bench/README.md
// for what each figure means and how it is measured. Writes bench/results.json and prints a table.
import './lib/quiet-warnings.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildLambdaBundle, buildScript } from './lib/build.js';
import { type MemoryResult, measureLoadTime, measurePollerMemory } from './lib/children.js';
import { monthlyCost } from './lib/cost.js';
import { CHANGE_STEP_MS, type CycleMeasure, floorSeconds, setUpCycleWorld } from './lib/cycle-bench.js';
import { measureLag } from './lib/lag-bench.js';
import { evaluateTargets, type Results, type RunResult, renderTable } from './lib/report.js';
import { CONCURRENCY } from './lib/world.js';

const quick = process.argv.includes('--quick');
const CODEARTS_LATENCY_MS = 100;
const SLACK_LATENCY_MS = 30;
/** ACTIVE_POLL_SECONDS as deployed (lib/README.md default). */
const ACTIVE_POLL_SECONDS = 10;
const SIZES = quick ? [100] : [100, 1000, 5000];
/** Measured ticks of the lag experiment per N: each costs up to 55 s of real time at N = 5,000. */
const LAG_TICKS: Record<number, number> = quick ? { 100: 3 } : { 100: 10, 1000: 4, 5000: 1 };
/** Short cycles are noisy on a shared machine: repeat the no-change cycle and keep the median. */
const NO_CHANGE_REPEATS: Record<number, number> = { 100: 3, 1000: 2, 5000: 1 };
/** Memory is measured where the target is set (N = 5,000); the quick mode checks the mechanism at N = 100. */
const MEMORY_N = quick ? 100 : 5000;
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

// The code measured is the working tree: name its commit and any uncommitted product files, at the start and
// at the end (others may commit while a full run takes its 20 minutes).
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

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

progress(
  `${quick ? 'Quick' : 'Full'} benchmark: N = ${SIZES.join(', ')}; building the worker, child scripts and Lambda bundles`,
);
const loadAverageAtStart = loadavg();
const serversFile = await buildScript('lib/servers.ts', 'servers.mjs');
const loadFile = await buildScript('child/load.ts', 'load.mjs');
const memoryFile = await buildScript('child/memory.ts', 'memory.mjs');
const poller = await buildLambdaBundle('poller');
const api = await buildLambdaBundle('api');

const runs: RunResult[] = [];
let memory: (MemoryResult & { n: number }) | null = null;
const cycleData = new Map<number, { noChange: CycleMeasure; changes: CycleMeasure[] }>();

for (const n of SIZES) {
  const setup = await setUpCycleWorld(
    serversFile,
    n,
    { codeartsMs: CODEARTS_LATENCY_MS, slackMs: SLACK_LATENCY_MS },
    progress,
  );
  const { world } = setup;
  let noChange: CycleMeasure;
  const changes: CycleMeasure[] = [];
  try {
    // Registration already warmed the clients and JIT; a separate warm-up cycle only pays off when cycles are
    // short enough for start-up costs to show (it would cost another minute at N = 5,000).
    if (n < 5000) await setup.measure('warm-up cycle (first after registration, not counted)');
    const repeats: CycleMeasure[] = [];
    for (let i = 0; i < (NO_CHANGE_REPEATS[n] ?? 1); i++) {
      repeats.push(await setup.measure(`cycle with no changes (${i + 1}/${NO_CHANGE_REPEATS[n] ?? 1})`));
    }
    noChange = [...repeats].sort((a, b) => a.seconds - b.seconds)[Math.floor(repeats.length / 2)]!;
    for (const which of ['first change: living messages posted', 'second change: living messages edited']) {
      world.clock.advance(CHANGE_STEP_MS);
      changes.push(await setup.measure(`cycle with changes (${which})`));
    }
    if (n === MEMORY_N) {
      world.clock.advance(CHANGE_STEP_MS);
      progress(`N=${n}: one invocation of the poller bundle in a child process, sampling its memory`);
      const { ready } = world.servers;
      const result = await measurePollerMemory(memoryFile, poller.file, 30 * 60_000, {
        TABLE_NAME: world.tableName,
        DYNAMODB_ENDPOINT: ready.dynamoEndpoint,
        CODEARTS_ENDPOINT: ready.codeartsUrl,
        HUAWEI_IAM_ENDPOINT: ready.codeartsUrl,
        HUAWEI_AUTH_TOKEN: ready.codeartsToken,
        SLACK_BOT_TOKEN: ready.slackToken,
        SLACK_API_URL: ready.slackUrl,
        // One pass over every task, like the cycles above; re-polling would only repeat the same work.
        ACTIVE_POLL_SECONDS: '0',
      });
      memory = { n, ...result };
    }
  } finally {
    await world.stop();
  }
  cycleData.set(n, { noChange, changes });

  const lagOptions = {
    ticks: LAG_TICKS[n] ?? 2,
    codeartsMs: CODEARTS_LATENCY_MS,
    slackMs: SLACK_LATENCY_MS,
    seed: n,
  };
  const activeLag = await measureLag(
    serversFile,
    n,
    { ...lagOptions, activePollSeconds: ACTIVE_POLL_SECONDS },
    progress,
  );
  const scheduleLag = await measureLag(serversFile, n, { ...lagOptions, activePollSeconds: 0 }, progress);

  const floor = floorSeconds(n, CODEARTS_LATENCY_MS);
  const changeSeconds = mean(changes.map((c) => c.seconds));
  const changedTasks = changes.reduce((sum, c) => sum + c.changedTasks, 0);
  const changedSubscriptions = changes.reduce((sum, c) => sum + c.changedSubscriptions, 0);
  const taskWrites = changes.reduce((sum, c) => sum + (c.ddb.byCommand.PutItemCommand ?? 0), 0);
  const leaseWriteUnits = noChange.ddb.writeUnits;
  const taskWriteUnits = changes.reduce((sum, c) => sum + c.ddb.writeUnits - leaseWriteUnits, 0);
  const slackByMethod: Record<string, number> = {};
  for (const c of changes) {
    for (const [method, count] of Object.entries(c.slackByMethod)) {
      slackByMethod[method] = (slackByMethod[method] ?? 0) + count;
    }
  }
  runs.push({
    n,
    cycleSeconds: changeSeconds,
    floorSeconds: floor,
    ratio: changeSeconds / floor,
    cycleSecondsNoChange: noChange.seconds,
    ratioNoChange: noChange.seconds / floor,
    breakdown: { noChange: noChange.breakdown, changes: changes.map((c) => c.breakdown) },
    ddbReadsNoChange: noChange.ddb.reads,
    ddbReadUnitsNoChange: noChange.ddb.readUnits,
    ddbWritesNoChange: noChange.ddb.writes,
    ddbWritesPerChangedTask: taskWrites / Math.max(1, changedTasks),
    ddbWriteUnitsPerChangedTask: taskWriteUnits / Math.max(1, changedTasks),
    changedTasksPerChangeCycle: changedTasks / changes.length,
    eventsPerChangedPoll: changes.reduce((sum, c) => sum + c.events, 0) / Math.max(1, changedTasks),
    slackCallsPerChangedPoll:
      changes.reduce((sum, c) => sum + c.slackCalls, 0) / Math.max(1, changedSubscriptions),
    slackCallsMaxPerSubscription: Math.max(...changes.map((c) => c.maxSlackCallsPerSubscription)),
    slackCallsByMethod: slackByMethod,
    detectionLagP50Seconds: activeLag.running.p50Seconds,
    detectionLagP95Seconds: activeLag.running.p95Seconds,
    detectionLagTransitions: activeLag.running.transitions,
    detectionLagUndetected: activeLag.running.undetected,
    scheduleOnlyLagP50Seconds: scheduleLag.running.p50Seconds,
    scheduleOnlyLagP95Seconds: scheduleLag.running.p95Seconds,
    scheduleOnlyUndetected: scheduleLag.running.undetected,
    newRunLagP95Seconds: activeLag.newRuns.p95Seconds,
    unseenRuns: { active: activeLag.unseen, scheduleOnly: scheduleLag.unseen },
    codeartsCallsPerIdleTaskHour: activeLag.codeartsCallsPerIdleTaskHour,
    codeartsCallsPerActiveTaskHour: activeLag.codeartsCallsPerActiveTaskHour,
    meanTickSeconds: activeLag.meanTickSeconds,
    tasksMissedPerTick: activeLag.tasksMissedPerTick,
    peakRssMB: memory && memory.n === n ? memory.maxRssMB : null,
    inProcessHeapDeltaMB: noChange.inProcess.heapDeltaMB,
    inProcessPeakRssMB: noChange.inProcess.processPeakRssMB,
    problems: [...world.problems, ...activeLag.problems, ...scheduleLag.problems].slice(0, 20),
  });
  progress(
    `N=${n}: ratio ${(changeSeconds / floor).toFixed(3)} (no change ${(noChange.seconds / floor).toFixed(3)}), ` +
      `lag p95 ${activeLag.running.p95Seconds ?? '∞'} s (schedule only ${scheduleLag.running.p95Seconds ?? '∞'} s)`,
  );
}

progress('Cold-start module load: importing each bundle in 5 fresh Node processes');
const pollerLoad = await measureLoadTime(loadFile, poller.file, 5);
const apiLoad = await measureLoadTime(loadFile, api.file, 5);

// Cost: d(N) is the billed tick measured at that N with active re-polling; quick mode has only N = 100, so
// N = 1,000 reuses its per-tick figures (the tick is as long: re-polling fills it) and says so.
const costFor = (n: number) => {
  const run = runs.find((r) => r.n === n) ?? runs[0]!;
  const data = cycleData.get(run.n)!;
  const inputs = {
    n,
    tickSeconds: run.meanTickSeconds,
    readUnitsPerTick: (data.noChange.ddb.readUnits * n) / run.n,
    writeUnitsPerTick: data.noChange.ddb.writeUnits,
    writeUnitsPerChangedPoll: run.ddbWriteUnitsPerChangedTask,
    logBytesPerTick: memory ? memory.logBytes : 2000,
  };
  // No deployment running: the tick is one pass over the tasks (the measured no-change ratio × the floor).
  const quiet = { ...inputs, tickSeconds: run.ratioNoChange * floorSeconds(n, CODEARTS_LATENCY_MS) };
  return { measuredAtN: run.n, inputs, busy: monthlyCost(inputs), quiet: monthlyCost(quiet) };
};
const cost100 = costFor(100);
const cost1000 = costFor(1000);

const cpu = cpus();
const results: Results = {
  machine: `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${process.platform}/${process.arch}; load average ${loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')} at start, ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at end (shared machine)`,
  date: new Date().toISOString(),
  code: { ...codeAtStart, atEnd: codeState() },
  mode: quick ? 'quick' : 'full',
  codeartsLatencyMs: CODEARTS_LATENCY_MS,
  slackLatencyMs: SLACK_LATENCY_MS,
  concurrency: CONCURRENCY,
  activePollSeconds: ACTIVE_POLL_SECONDS,
  runs,
  memory,
  bundles: {
    poller: {
      bytes: poller.bytes,
      loadMs: pollerLoad.importMs,
      loadSinceProcessStartMs: pollerLoad.sinceProcessStartMs,
    },
    api: {
      bytes: api.bytes,
      loadMs: apiLoad.importMs,
      loadSinceProcessStartMs: apiLoad.sinceProcessStartMs,
      note:
        api.bytes < 2048
          ? 'functions/handlers/api.ts is still a stub: this measures the stub, not the API'
          : 'functions/handlers/api.ts as found',
    },
  },
  cost: {
    tasks100USDPerMonth: cost100.busy.totalUsd,
    tasks1000USDPerMonth: cost1000.busy.totalUsd,
    detail: { tasks100: cost100, tasks1000: cost1000 },
  },
  targets: [],
  benchSeconds: (performance.now() - benchStart) / 1000,
};
results.targets = evaluateTargets(results);

writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\n${results.machine}\n\n${renderTable(results)}\n\n`);
progress(`done in ${results.benchSeconds.toFixed(0)} s; results in bench/results.json`);
// Keep-alive sockets of the SDK and fetch would hold the process open for a few seconds more.
process.exit(0);
