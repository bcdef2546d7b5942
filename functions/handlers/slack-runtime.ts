// The Slack adapter built from configuration (poller and local run only: the api Lambda never posts).
import { createSlackWebClient, SlackAdapter } from '../adapters/slack/index.js';
import { ConfigError, type NotifierConfig } from '../config.js';
import type { SlackPort } from '../ports.js';

export function buildSlack(config: NotifierConfig): SlackPort {
  if (!config.slack.botToken) {
    throw new ConfigError(['SLACK_BOT_TOKEN is missing: set it to the Slack bot token (xoxb-…)']);
  }
  return new SlackAdapter(
    createSlackWebClient({ token: config.slack.botToken, apiUrl: config.slack.apiUrl }),
  );
}
