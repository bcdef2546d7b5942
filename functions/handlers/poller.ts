// Composition root of the poller Lambda: builds the adapters once per container, then runs one poll cycle
// per scheduled tick within the invocation's time budget.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createPowertools } from '../adapters/observability/powertools.js';
import { systemClock } from '../adapters/system-clock.js';
import { type PollCycleDeps, type PollCycleReport, runPollCycle } from '../app/poll-cycle.js';
import type { NotifierConfig } from '../config.js';
import { buildCodeArts, buildStore, loadLambdaConfig } from './runtime.js';
import { buildSlack } from './slack-runtime.js';

const { logger, metrics, loggerPort, metricsPort } = createPowertools('poller');

let ready: Promise<{ deps: PollCycleDeps; config: NotifierConfig }> | undefined;
const init = () => {
  ready ??= loadLambdaConfig().then((config) => {
    const store = buildStore(config);
    return {
      config,
      deps: {
        repository: store,
        lease: store,
        codearts: buildCodeArts(config),
        slack: buildSlack(config),
        clock: systemClock,
        logger: loggerPort,
        metrics: metricsPort,
        timeZone: config.codearts.timeZone,
        consoleUrlTemplate: config.codearts.consoleUrlTemplate,
      },
    };
  });
  // A failed start (bad configuration, unreadable secret) is retried on the next tick, not cached.
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
};

export interface PollerEvent {
  /** `<aws.scheduler.scheduled-time>`, for log correlation. */
  scheduledTime?: string;
}

export const handler = middy<PollerEvent, PollCycleReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async (event: PollerEvent, context: Context, { signal }: { signal: AbortSignal }) => {
    const { deps, config } = await init();
    if (event?.scheduledTime) logger.appendKeys({ tick: event.scheduledTime });
    const report = await runPollCycle(
      deps,
      { concurrency: config.codearts.concurrency, activePollSeconds: config.poll.activePollSeconds },
      { deadlineMs: Date.now() + context.getRemainingTimeInMillis(), signal },
    );
    const { detectionLagsMs: _lags, ...summary } = report;
    logger.info('Poll cycle finished', { ...summary });
    return report;
  });
