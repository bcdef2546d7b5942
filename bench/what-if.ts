// `npx tsx bench/what-if.ts [experiment…]`: measures the expected effect of the changes the benchmark's report
// recommends, by emulating them from outside the product code (the benchmark may not change functions/):
//
//   active-first   N = 1,000 detection lag with the task listing reordered so tasks whose stored run is still
//                  running come first (what a sort in runPollCycle would do).
//   wide-pass      N = 5,000 detection lag with CODEARTS_CONCURRENCY 16 and active-first order: does one
//                  55 s tick then reach every task, and re-poll the running ones?
//   instant-slack  N = 1,000 cycles with Slack answering at once: the most that moving delivery out of the
//                  CodeArts worker slots can gain (the slots then only hold the state write).
//   heap-cap       N = 5,000: the poller bundle's invocation with V8's old space capped at 64 MB: does the
//                  cycle's live set fit, and what RSS does it need when the heap is not allowed to grow lazily?
//
// Each prints its figures, to compare with what `npm run bench` measures for the product as it is. No
// arguments: all four (about 10 minutes).
import './lib/quiet-warnings.js';
import { buildLambdaBundle, buildScript } from './lib/build.js';
import { measurePollerMemory } from './lib/children.js';
import { CHANGE_STEP_MS, floorSeconds, setUpCycleWorld } from './lib/cycle-bench.js';
import { measureLag } from './lib/lag-bench.js';

const CODEARTS_MS = 100;
const SLACK_MS = 30;
const chosen = process.argv.slice(2);
const wants = (name: string) => chosen.length === 0 || chosen.includes(name);

const started = performance.now();
const progress = (message: string): void => {
  process.stderr.write(`[${Math.round((performance.now() - started) / 1000)}s] ${message}\n`);
};
const serversFile = await buildScript('lib/servers.ts', 'servers.mjs');
const out: Record<string, unknown> = {};

if (wants('active-first')) {
  const result = await measureLag(
    serversFile,
    1000,
    {
      activePollSeconds: 10,
      ticks: 4,
      codeartsMs: CODEARTS_MS,
      slackMs: SLACK_MS,
      seed: 1000,
      world: { taskOrder: 'active-first' },
    },
    progress,
  );
  out['active-first (N=1000)'] = {
    running: result.running,
    unseen: result.unseen,
    meanTickSeconds: result.meanTickSeconds,
  };
}

if (wants('wide-pass')) {
  const result = await measureLag(
    serversFile,
    5000,
    {
      activePollSeconds: 10,
      ticks: 1,
      codeartsMs: CODEARTS_MS,
      slackMs: SLACK_MS,
      seed: 5000,
      world: { taskOrder: 'active-first', concurrency: 16 },
    },
    progress,
  );
  out['concurrency 16 + active-first (N=5000)'] = {
    running: result.running,
    unseen: result.unseen,
    tasksMissedPerTick: result.tasksMissedPerTick,
    codeartsCallsPerActiveTaskHour: result.codeartsCallsPerActiveTaskHour,
  };
}

if (wants('instant-slack')) {
  const n = 1000;
  const setup = await setUpCycleWorld(serversFile, n, { codeartsMs: CODEARTS_MS, slackMs: 0 }, progress);
  try {
    await setup.measure('warm-up cycle');
    const noChange = await setup.measure('cycle with no changes');
    const ratios: number[] = [];
    for (let i = 0; i < 2; i++) {
      setup.world.clock.advance(CHANGE_STEP_MS);
      ratios.push(
        (await setup.measure('cycle with changes, Slack instant')).seconds / floorSeconds(n, CODEARTS_MS),
      );
    }
    out['Slack instant (N=1000)'] = {
      ratioNoChange: noChange.seconds / floorSeconds(n, CODEARTS_MS),
      ratioWithChanges: ratios,
    };
  } finally {
    await setup.world.stop();
  }
}

if (wants('heap-cap')) {
  const memoryFile = await buildScript('child/memory.ts', 'memory.mjs');
  const poller = await buildLambdaBundle('poller');
  const setup = await setUpCycleWorld(
    serversFile,
    5000,
    { codeartsMs: CODEARTS_MS, slackMs: SLACK_MS },
    progress,
  );
  try {
    setup.world.clock.advance(CHANGE_STEP_MS);
    progress('N=5000: the poller bundle with --max-old-space-size=64');
    const { ready } = setup.world.servers;
    out['poller bundle, old space capped at 64 MB (N=5000)'] = await measurePollerMemory(
      memoryFile,
      poller.file,
      30 * 60_000,
      {
        TABLE_NAME: setup.world.tableName,
        DYNAMODB_ENDPOINT: ready.dynamoEndpoint,
        CODEARTS_ENDPOINT: ready.codeartsUrl,
        HUAWEI_IAM_ENDPOINT: ready.codeartsUrl,
        HUAWEI_AUTH_TOKEN: ready.codeartsToken,
        SLACK_BOT_TOKEN: ready.slackToken,
        SLACK_API_URL: ready.slackUrl,
        ACTIVE_POLL_SECONDS: '0',
        NODE_OPTIONS: '--enable-source-maps --max-old-space-size=64',
      },
    );
  } finally {
    await setup.world.stop();
  }
}

process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exit(0);
