// Composition root of the api Lambda: the HTTP API and the Slack slash command, with their adapters built
// once per container. Secrets (API keys, Slack signing secret) come from Secrets Manager via the config.
import { systemClock } from '../adapters/system-clock.js';
import { createApiHandler } from './api-handler.js';
import { buildCodeArts, buildTable, loadLambdaConfig } from './runtime.js';

let built: Promise<ReturnType<typeof createApiHandler>> | undefined;
const build = () => {
  built ??= loadLambdaConfig().then((config) => {
    const { store, ticks } = buildTable(config);
    return createApiHandler({
      store,
      codearts: buildCodeArts(config),
      apiKeys: () => config.apiKeys,
      slackSigningSecret: () => config.slack.signingSecret,
      defaultRegion: config.codearts.region,
      timeZone: config.codearts.timeZone,
      now: () => systemClock.now(),
      lastPollCycleAt: () => ticks.lastCompletedAt(),
    });
  });
  // A failed start (bad configuration, unreadable secret) is retried on the next request, not cached.
  built.catch(() => {
    built = undefined;
  });
  return built;
};

export const handler: ReturnType<typeof createApiHandler> = async (event, context) =>
  (await build())(event, context);
