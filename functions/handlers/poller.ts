// Composition root of the poller Lambda: runs one poll cycle per scheduled tick within the invocation's time
// budget. The configuration is asked on every tick (live-config.ts), so a rotated bot token or Huawei credential
// is used within SECRET_MAX_AGE_SECONDS; each adapter is rebuilt only when what it is built from changed. It
// reads the bot token and Huawei secrets only, never the signing secret.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createPowertools } from '../adapters/observability/powertools.js';
import { systemClock } from '../adapters/system-clock.js';
import { type PollCycleDeps, type PollCycleReport, runPollCycle } from '../app/poll-cycle.js';
import type { NotifierConfig } from '../config.js';
import { liveConfig, rebuiltOnChange } from './live-config.js';
import { buildCodeArts, buildStore } from './runtime.js';
import { buildSlack } from './slack-runtime.js';

const { logger, metrics, loggerPort, metricsPort } = createPowertools('poller');

const config = liveConfig({ required: ['TABLE_NAME'] });
const store = rebuiltOnChange((c: NotifierConfig) => c.table, buildStore);
const codearts = rebuiltOnChange((c: NotifierConfig) => c.codearts, buildCodeArts);
const slack = rebuiltOnChange((c: NotifierConfig) => [c.slack.botToken, c.slack.apiUrl], buildSlack);

/** The cycle's dependencies as of now; a bad configuration or an unreadable secret fails this tick only. */
const init = async (): Promise<{ deps: PollCycleDeps; config: NotifierConfig }> => {
  const current = await config.current();
  const table = store(current);
  return {
    config: current,
    deps: {
      repository: table,
      lease: table,
      codearts: codearts(current),
      slack: slack(current),
      clock: systemClock,
      logger: loggerPort,
      metrics: metricsPort,
      timeZone: current.codearts.timeZone,
      consoleUrlTemplate: current.codearts.consoleUrlTemplate,
    },
  };
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
