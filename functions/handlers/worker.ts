// Composition root of the worker Lambda (fed by the poll queue through an event source mapping): polls one batch
// per invocation (functions/handlers/worker-pipeline.ts). The configuration is asked on every invocation
// (live-config.ts), so a rotated bot token or Huawei credential is used within SECRET_MAX_AGE_SECONDS; each
// adapter is rebuilt only when what it is built from changed. It reads the bot token and Huawei secrets only.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createPowertools } from '../adapters/observability/powertools.js';
import { systemClock } from '../adapters/system-clock.js';
import type { NotifierConfig } from '../config.js';
import { callBudget } from '../shared/call-budget.js';
import { SERVICE_NAMES } from '../shared/metrics.js';
import { liveConfig, rebuiltOnChange } from './live-config.js';
import { buildCodeArts } from './wiring/codearts.js';
import { buildPollQueue } from './wiring/poll-queue.js';
import { buildSlack, buildSlackResponder } from './wiring/slack.js';
import { buildTable } from './wiring/table.js';
import { createWorkerHandler, type WorkerRuntime } from './worker-pipeline.js';

const { logger, metrics, loggerPort, metricsPort } = createPowertools(SERVICE_NAMES.worker);

const config = liveConfig({ required: ['TABLE_NAME'] });
const tables = rebuiltOnChange((c: NotifierConfig) => c.table, buildTable);
const queue = rebuiltOnChange((c: NotifierConfig) => c.queue, buildPollQueue);
const codearts = rebuiltOnChange((c: NotifierConfig) => c.codearts, buildCodeArts);
const slack = rebuiltOnChange((c: NotifierConfig) => [c.slack.botToken, c.slack.apiUrl], buildSlack);
const responder = rebuiltOnChange((c: NotifierConfig) => c.slack.hooksUrl, buildSlackResponder);

/** The batch's dependencies as of now; a bad configuration or an unreadable secret fails this batch only. */
const runtime = async (): Promise<WorkerRuntime> => {
  const current = await config.current();
  const { store, gates, insight } = tables(current);
  const codeartsClient = codearts(current);
  const slackAdapter = slack(current);
  return {
    deps: {
      repository: store,
      gates,
      queue: queue(current),
      codearts: codeartsClient,
      slack: slackAdapter,
      // Buttons pressed in Slack: acted on when the task is polled (app/poll/act.ts).
      acting: { actions: codeartsClient, groups: slackAdapter, responder: responder(current) },
      logger: loggerPort,
      metrics: metricsPort,
      timeZone: current.codearts.timeZone,
      consoleUrlTemplate: current.codearts.consoleUrlTemplate,
      now: () => systemClock.now(),
      runs: insight,
      people: insight,
    },
    settings: {
      // This invocation's share of the budget; the event source mapping runs callBudget().workers at once.
      callsPerWorker: callBudget(current.codearts.concurrency).callsPerWorker,
      activePollSeconds: current.poll.activePollSeconds,
    },
  };
};

export const handler = createWorkerHandler(runtime, loggerPort, [
  injectLambdaContext(logger, { resetKeys: true }),
  // No cold-start metric: it would be one more custom metric to pay for; the log line says it already.
  logMetrics(metrics),
]);
