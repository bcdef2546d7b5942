// Composition root of the worker Lambda (fed by the poll queue through an event source mapping): builds the
// adapters once per container, then polls one batch per invocation (functions/handlers/worker-pipeline.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createPowertools } from '../adapters/observability/powertools.js';
import { systemClock } from '../adapters/system-clock.js';
import { callBudget } from '../shared/call-budget.js';
import { SERVICE_NAMES } from '../shared/metrics.js';
import { buildPollQueue } from './queue-runtime.js';
import { buildCodeArts, buildTable, loadLambdaConfig } from './runtime.js';
import { buildSlack } from './slack-runtime.js';
import { createWorkerHandler, type WorkerRuntime } from './worker-pipeline.js';

const { logger, metrics, loggerPort, metricsPort } = createPowertools(SERVICE_NAMES.worker);

let ready: Promise<WorkerRuntime> | undefined;
const runtime = (): Promise<WorkerRuntime> => {
  ready ??= loadLambdaConfig().then((config) => {
    const { store, gates } = buildTable(config);
    return {
      deps: {
        repository: store,
        gates,
        queue: buildPollQueue(config),
        codearts: buildCodeArts(config),
        slack: buildSlack(config),
        logger: loggerPort,
        metrics: metricsPort,
        timeZone: config.codearts.timeZone,
        consoleUrlTemplate: config.codearts.consoleUrlTemplate,
        now: () => systemClock.now(),
      },
      settings: {
        // This invocation's share of the budget; the event source mapping runs callBudget().workers at once.
        callsPerWorker: callBudget(config.codearts.concurrency).callsPerWorker,
        activePollSeconds: config.poll.activePollSeconds,
      },
    };
  });
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
};

export const handler = createWorkerHandler(runtime, loggerPort, [
  injectLambdaContext(logger, { resetKeys: true }),
  logMetrics(metrics, { captureColdStartMetric: true }),
]);
