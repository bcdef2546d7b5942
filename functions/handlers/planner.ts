// Composition root of the planner Lambda (scheduled every minute, reserved concurrency 1): builds the adapters
// once per container, then plans one tick per invocation (functions/handlers/planner-pipeline.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createPowertools } from '../adapters/observability/powertools.js';
import { systemClock } from '../adapters/system-clock.js';
import { SERVICE_NAMES } from '../shared/metrics.js';
import { createPlannerHandler, type PlannerRuntime } from './planner-pipeline.js';
import { buildPollQueue } from './queue-runtime.js';
import { buildTable, loadLambdaConfig } from './runtime.js';

const { logger, metrics, loggerPort, metricsPort } = createPowertools(SERVICE_NAMES.planner);

let ready: Promise<PlannerRuntime> | undefined;
const runtime = (): Promise<PlannerRuntime> => {
  ready ??= loadLambdaConfig().then((config) => {
    const { store, ticks, gates } = buildTable(config);
    return {
      deps: {
        index: store,
        ticks,
        gates,
        queue: buildPollQueue(config),
        logger: loggerPort,
        metrics: metricsPort,
        now: () => systemClock.now(),
      },
      settings: { intervalSeconds: config.poll.intervalSeconds },
    };
  });
  // A failed start (bad configuration, unreadable secret) is retried on the next tick, not cached.
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
};

export const handler = createPlannerHandler(runtime, [
  injectLambdaContext(logger, { resetKeys: true }),
  logMetrics(metrics, { captureColdStartMetric: true }),
]);
