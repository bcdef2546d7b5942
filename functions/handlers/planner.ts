// Composition root of the planner Lambda (scheduled every minute, reserved concurrency 1): plans one tick per
// invocation (functions/handlers/planner-pipeline.ts). The configuration is asked on every tick (live-config.ts),
// so a rotated Huawei credential (for the change feed) is used within SECRET_MAX_AGE_SECONDS. It reads the Huawei
// secret only: the planner never talks to Slack.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createPowertools } from '../adapters/observability/powertools.js';
import { systemClock } from '../adapters/system-clock.js';
import type { NotifierConfig } from '../config.js';
import { SERVICE_NAMES } from '../shared/metrics.js';
import { liveConfig, rebuiltOnChange } from './live-config.js';
import { createPlannerHandler, type PlannerRuntime } from './planner-pipeline.js';
import { buildCodeArts } from './wiring/codearts.js';
import { buildPollQueue } from './wiring/poll-queue.js';
import { buildTable } from './wiring/table.js';

const { logger, metrics, loggerPort, metricsPort } = createPowertools(SERVICE_NAMES.planner);

const config = liveConfig({ required: ['TABLE_NAME'] });
const tables = rebuiltOnChange((c: NotifierConfig) => c.table, buildTable);
const queue = rebuiltOnChange((c: NotifierConfig) => c.queue, buildPollQueue);
const codearts = rebuiltOnChange((c: NotifierConfig) => c.codearts, buildCodeArts);

const runtime = async (): Promise<PlannerRuntime> => {
  const current = await config.current();
  const { store, ticks, gates, feedStatus } = tables(current);
  return {
    deps: {
      index: store,
      ticks,
      gates,
      queue: queue(current),
      feed: current.poll.changeFeed ? codearts(current) : null,
      feedStatus,
      logger: loggerPort,
      metrics: metricsPort,
      now: () => systemClock.now(),
    },
    settings: {
      intervalSeconds: current.poll.intervalSeconds,
      changeFeed: current.poll.changeFeed,
      sweepMinutes: current.poll.sweepMinutes,
      codeartsConcurrency: current.codearts.concurrency,
    },
  };
};

export const handler = createPlannerHandler(runtime, [
  injectLambdaContext(logger, { resetKeys: true }),
  // No cold-start metric: it would be one more custom metric to pay for; the log line says it already.
  logMetrics(metrics),
]);
