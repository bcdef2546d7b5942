// Composition root of the api Lambda: the HTTP API and the Slack slash command (the middy pipeline is
// api-pipeline.ts). The configuration is asked on every request (live-config.ts), so rotated API keys, the Slack
// signing secret and Huawei credentials take effect within SECRET_MAX_AGE_SECONDS; the handler and the CodeArts
// client are rebuilt only when what they are built from changed. Secrets come from Secrets Manager: API keys, the
// signing secret, Huawei; never the bot token (this function does not post: it answers button presses through their
// response_url, and queues a poll for a worker to act on them).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createPowertoolsLogger } from '../adapters/observability/powertools-logger.js';
import { systemClock } from '../adapters/system-clock.js';
import type { NotifierConfig } from '../config.js';
import { SERVICE_NAMES } from '../shared/metrics.js';
import { createApiHandler } from './api-pipeline.js';
import { liveConfig, rebuiltOnChange } from './live-config.js';
import { buildCodeArts } from './wiring/codearts.js';
import { buildPollQueue } from './wiring/poll-queue.js';
import { buildSlackResponder } from './wiring/slack.js';
import { buildTable } from './wiring/table.js';

// The api publishes no metrics (its alarm reads API Gateway's 5xx count): a logger only, named like the others.
const { logger, loggerPort } = createPowertoolsLogger(SERVICE_NAMES.api);
// One middleware for every rebuilt pipeline: each request's log lines carry its Lambda context.
const lambdaContext = injectLambdaContext(logger, { resetKeys: true });

const config = liveConfig({ required: ['TABLE_NAME'] });
const tables = rebuiltOnChange((c: NotifierConfig) => c.table, buildTable);
const api = rebuiltOnChange(
  (c: NotifierConfig) => [
    c.codearts,
    c.apiKeys,
    c.slack.signingSecret,
    c.slack.teamIds,
    c.slack.hooksUrl,
    c.channels,
    c.table,
    c.queue,
    c.poll.intervalSeconds,
  ],
  (c: NotifierConfig) => {
    const table = tables(c);
    return createApiHandler(
      {
        // Buttons: a press is stored and a poll queued for a worker (POLL_QUEUE_URL); without a queue, 503.
        ...(c.queue.url === undefined
          ? {}
          : {
              interactions: {
                tasks: table.store,
                queue: buildPollQueue(c),
                responder: buildSlackResponder(c),
                followMs: c.poll.intervalSeconds * 1000,
              },
            }),
        store: table.store,
        people: table.insight,
        runs: table.insight,
        codearts: buildCodeArts(c),
        apiKeys: () => c.apiKeys,
        slackSigningSecret: () => c.slack.signingSecret,
        slackTeamIds: () => c.slack.teamIds,
        limits: c.channels,
        defaultRegion: c.codearts.region,
        now: () => systemClock.now(),
        lastPollCycleAt: () => table.ticks.lastCompletedAt(),
        feedStatus: () => table.feedStatus.read(),
        logger: loggerPort,
      },
      [lambdaContext],
    );
  },
);

export const handler: ReturnType<typeof createApiHandler> = async (event, context) =>
  api(await config.current())(event, context);
