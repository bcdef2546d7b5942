// Composition root of the api Lambda: the HTTP API and the Slack slash command. The configuration is asked on
// every request (live-config.ts), so rotated API keys, the Slack signing secret and Huawei credentials take
// effect within SECRET_MAX_AGE_SECONDS; the handler and the CodeArts client are rebuilt only when what they
// are built from changed. Secrets come from Secrets Manager: API keys, the signing secret, Huawei; never the bot
// token (this function does not post).
import { systemClock } from '../adapters/system-clock.js';
import type { NotifierConfig } from '../config.js';
import { createApiHandler } from './api-handler.js';
import { liveConfig, rebuiltOnChange } from './live-config.js';
import { buildCodeArts, buildTable } from './runtime.js';

const config = liveConfig({ required: ['TABLE_NAME'] });
const tables = rebuiltOnChange((c: NotifierConfig) => c.table, buildTable);
const api = rebuiltOnChange(
  (c: NotifierConfig) => [c.codearts, c.apiKeys, c.slack.signingSecret, c.slack.teamIds, c.channels, c.table],
  (c: NotifierConfig) => {
    const table = tables(c);
    return createApiHandler({
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
    });
  },
);

export const handler: ReturnType<typeof createApiHandler> = async (event, context) =>
  api(await config.current())(event, context);
