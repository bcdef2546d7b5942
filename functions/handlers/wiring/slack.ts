// handlers/wiring → the Slack adapter built from the configuration (the worker and the local run: the api never
// posts), and the answers to button presses through their response_url (every function that handles presses).
import { createSlackWebClients, SlackAdapter, SlackResponseUrl } from '../../adapters/slack/index.js';
import { ConfigError, type NotifierConfig } from '../../config.js';
import type { SlackPort, SlackResponder, SlackUserGroups } from '../../ports.js';

/** Private answers to presses: only ever posted under SLACK_HOOKS_URL (Slack's hooks host). No token needed. */
export function buildSlackResponder(config: NotifierConfig): SlackResponder {
  return new SlackResponseUrl({ hooksUrl: config.slack.hooksUrl });
}

export function buildSlack(config: NotifierConfig): SlackPort & SlackUserGroups {
  if (!config.slack.botToken) {
    throw new ConfigError(['SLACK_BOT_TOKEN is missing: set it to the Slack bot token (xoxb-…)']);
  }
  return new SlackAdapter(
    createSlackWebClients({ token: config.slack.botToken, apiUrl: config.slack.apiUrl }),
  );
}
