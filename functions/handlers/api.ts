// Composition root of the api Lambda: the HTTP API and the Slack slash command. The configuration is asked on
// every request (live-config.ts), so rotated API keys, the Slack signing secret and Huawei credentials take
// effect within SECRET_MAX_AGE_SECONDS; the handler and the CodeArts client are rebuilt only when what they
// are built from changed. Secrets come from Secrets Manager: API keys, the signing secret, Huawei; never the bot
// token (this function does not post: it answers button presses through their response_url, and queues a poll for
// a worker to act on them).
import { systemClock } from '../adapters/system-clock.js';
import type { NotifierConfig } from '../config.js';
import { createApiHandler } from './api-handler.js';
import { liveConfig, rebuiltOnChange } from './live-config.js';
import { buildPollQueue } from './queue-runtime.js';
import { buildCodeArts, buildTable } from './runtime.js';
import { buildSlackResponder } from './slack-runtime.js';

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
    return createApiHandler({
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
      timeZone: c.codearts.timeZone,
      now: () => systemClock.now(),
      lastPollCycleAt: () => table.ticks.lastCompletedAt(),
      feedStatus: () => table.feedStatus.read(),
    });
  },
);

export const handler: ReturnType<typeof createApiHandler> = async (event, context) =>
  api(await config.current())(event, context);
